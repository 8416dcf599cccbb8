#!/usr/bin/env python3
"""A corpus of long documents for measuring a merge's memory (docs/benchmarks.md, fourteenth
session, mend14): DOCS text files of about CHARS characters each, lines of the SFS statutes'
full texts (../shared/data/sfs_rkrattsbaser_json) chosen with a seeded RNG, spread over 8
folders b0…b7 so that ingesting each folder makes one segment.

    python3 Benchmarks/merge-memory/long_corpus.py OUT DOCS CHARS SEED [SFS_FOLDER]
"""
import glob, json, os, random, sys

out, ndocs, size, seed = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4])
folder = sys.argv[5] if len(sys.argv) > 5 else os.path.join(os.path.dirname(__file__), "../../../shared/data/sfs_rkrattsbaser_json")
lines = []
for f in sorted(glob.glob(os.path.join(folder, "*.json"))):
    try:
        text = json.load(open(f))["fulltext"]["forfattningstext"] or ""
    except Exception:
        continue
    lines += [p.strip() for p in text.split("\n") if len(p.strip()) > 40]
if not lines:
    sys.exit(f"no SFS texts under {folder}")
rng = random.Random(seed)
for b in range(8):
    os.makedirs(f"{out}/b{b}", exist_ok=True)
for i in range(ndocs):
    parts, n = [], 0
    while n < size:
        p = rng.choice(lines)
        parts.append(p)
        n += len(p) + 2
    with open(f"{out}/b{i % 8}/doc{i:05}.txt", "w") as f:
        f.write("\n\n".join(parts))
