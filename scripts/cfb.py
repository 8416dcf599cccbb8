"""A small writer of compound files (MS-CFB, version 3: 512-byte sectors), for the corpus's
Outlook message and for test files. A tree is a dict: name → bytes (a stream) or dict (a
storage). Streams under 4,096 bytes go to the mini stream, as the specification requires.
"""
import struct

SECTOR, MINI, CUTOFF = 512, 64, 4096
FREESECT, ENDOFCHAIN, FATSECT, NOSTREAM = 0xFFFFFFFF, 0xFFFFFFFE, 0xFFFFFFFD, 0xFFFFFFFF


def _key(name):
    return (len(name), name.upper())


def write_compound_file(tree, clsid=b"\0" * 16):
    entries = []

    def add(name, node, kind):
        index = len(entries)
        entries.append({"name": name, "kind": kind, "data": node if isinstance(node, (bytes, bytearray)) else None,
                        "left": NOSTREAM, "right": NOSTREAM, "child": NOSTREAM, "start": ENDOFCHAIN, "size": 0,
                        "clsid": clsid if kind == 5 else b"\0" * 16})
        if isinstance(node, dict):
            kids = [add(k, v, 1 if isinstance(v, dict) else 2) for k, v in node.items()]
            kids.sort(key=lambda i: _key(entries[i]["name"]))

            def balanced(lo, hi):
                if lo >= hi:
                    return NOSTREAM
                mid = (lo + hi) // 2
                entries[kids[mid]]["left"] = balanced(lo, mid)
                entries[kids[mid]]["right"] = balanced(mid + 1, hi)
                return kids[mid]
            entries[index]["child"] = balanced(0, len(kids))
        return index

    add("Root Entry", tree, 5)

    sectors = []          # 512-byte sectors after the header
    fat = []              # next-sector values

    def allocate(data):
        if not data:
            return ENDOFCHAIN
        first = len(sectors)
        count = (len(data) + SECTOR - 1) // SECTOR
        for i in range(count):
            chunk = data[i * SECTOR:(i + 1) * SECTOR]
            sectors.append(chunk + b"\0" * (SECTOR - len(chunk)))
            fat.append(first + i + 1 if i + 1 < count else ENDOFCHAIN)
        return first

    mini_stream = bytearray()
    mini_fat = []
    for e in entries:
        if e["kind"] != 2:
            continue
        data = e["data"]
        e["size"] = len(data)
        if len(data) >= CUTOFF:
            e["start"] = allocate(bytes(data))
        elif data:
            first = len(mini_stream) // MINI
            count = (len(data) + MINI - 1) // MINI
            mini_stream += data + b"\0" * (count * MINI - len(data))
            for i in range(count):
                mini_fat.append(first + i + 1 if i + 1 < count else ENDOFCHAIN)
            e["start"] = first
    entries[0]["start"] = allocate(bytes(mini_stream))
    entries[0]["size"] = len(mini_stream)
    mini_fat_bytes = b"".join(struct.pack("<I", v) for v in mini_fat)
    mini_fat_start = allocate(mini_fat_bytes)
    mini_fat_count = (len(mini_fat_bytes) + SECTOR - 1) // SECTOR

    directory = bytearray()
    for e in entries:
        name = e["name"].encode("utf-16-le")[:62]
        directory += name + b"\0" * (64 - len(name))
        directory += struct.pack("<HBBIII", len(name) + 2, e["kind"], 1, e["left"], e["right"], e["child"])
        directory += e["clsid"] + struct.pack("<IQQIQ", 0, 0, 0, e["start"], e["size"])
    while len(directory) % SECTOR:
        directory += b"\0" * 64 + struct.pack("<HBBIII", 0, 0, 0, NOSTREAM, NOSTREAM, NOSTREAM) + b"\0" * 16 + struct.pack("<IQQIQ", 0, 0, 0, 0, 0)
    directory_start = allocate(bytes(directory))

    fat_count = 1
    while fat_count * (SECTOR // 4) < len(sectors) + fat_count:
        fat_count += 1
    assert fat_count <= 109, "file too large for a header-only DIFAT"
    fat_start = len(sectors)
    fat += [FATSECT] * fat_count
    fat += [FREESECT] * (fat_count * (SECTOR // 4) - len(fat))
    fat_bytes = b"".join(struct.pack("<I", v) for v in fat)
    for i in range(fat_count):
        sectors.append(fat_bytes[i * SECTOR:(i + 1) * SECTOR])

    difat = [fat_start + i for i in range(fat_count)] + [FREESECT] * (109 - fat_count)
    header = bytes.fromhex("D0CF11E0A1B11AE1") + b"\0" * 16
    header += struct.pack("<HHHHH", 0x003E, 3, 0xFFFE, 9, 6) + b"\0" * 6
    header += struct.pack("<IIIIIIIII", 0, fat_count, directory_start, 0, CUTOFF,
                          mini_fat_start if mini_fat else ENDOFCHAIN, mini_fat_count, ENDOFCHAIN, 0)
    header += b"".join(struct.pack("<I", v) for v in difat)
    assert len(header) == 512
    return header + b"".join(sectors)
