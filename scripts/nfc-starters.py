#!/usr/bin/env python3
"""usage: nfc-starters.py — prints TextDecoding.nfcStarters: the scalars from U+0300 on, of canonical combining
class 0 and outside the Hangul jamo block U+1100-U+11FF, that NFC changes (Full_Composition_Exclusion: singletons
such as U+212B, excluded decompositions) or composes with the scalar before them (the second scalar of a primary
composite), as closed ranges, from Python's unicodedata (its Unicode version is printed)."""
import unicodedata as u
second = set()
for y in range(0x110000):
    d = u.decomposition(chr(y))
    if d and not d.startswith("<"):
        parts = [int(x, 16) for x in d.split()]
        if len(parts) == 2 and u.normalize("NFC", chr(parts[0]) + chr(parts[1])) == chr(y):
            second.add(parts[1])
ranges = []
for c in range(0x300, 0x110000):
    if 0xD800 <= c <= 0xDFFF or 0x1100 <= c <= 0x11FF or u.combining(chr(c)) != 0:
        continue
    if u.normalize("NFC", chr(c)) != chr(c) or c in second:
        if ranges and ranges[-1][1] == c - 1:
            ranges[-1][1] = c
        else:
            ranges.append([c, c])
print(f"// Unicode {u.unidata_version}: {len(ranges)} ranges")
items = [f"0x{a:04X}...0x{b:04X}" for a, b in ranges]
for i in range(0, len(items), 6):
    print("        " + ", ".join(items[i:i + 6]) + ",")
