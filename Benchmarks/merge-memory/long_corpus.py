#!/usr/bin/env python3
"""A corpus of long documents for measuring a merge's memory (docs/benchmarks.md, fourteenth
session, mend14): DOCS text files of about CHARS characters each, lines of the SFS statutes'
full texts (../shared/data/sfs_rkrattsbaser_json) chosen with a seeded RNG, spread over 8
folders b0…b7 so that ingesting each folder makes one segment.

    python3 Benchmarks/merge-memory/long_corpus.py OUT DOCS CHARS SEED [--sfs FOLDER]
"""
import argparse, glob, json, os, random, sys

parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
parser.add_argument("out")
parser.add_argument("docs", type=int)
parser.add_argument("chars", type=int)
parser.add_argument("seed", type=int)
parser.add_argument("--sfs", default=os.path.join(os.path.dirname(os.path.abspath(__file__)), "../../../shared/data/sfs_rkrattsbaser_json"))
args = parser.parse_args()

lines, skipped = [], 0
for f in sorted(glob.glob(os.path.join(args.sfs, "*.json"))):
    try:
        with open(f, encoding="utf-8") as h:
            text = json.load(h)["fulltext"]["forfattningstext"] or ""
    except (OSError, ValueError, KeyError, TypeError):
        skipped += 1
        continue
    lines += [p.strip() for p in text.split("\n") if len(p.strip()) > 40]
if not lines:
    sys.exit(f"no SFS texts under {args.sfs}")
if skipped:
    print(f"skipped {skipped} files without a full text", file=sys.stderr)
rng = random.Random(args.seed)
for b in range(8):
    os.makedirs(f"{args.out}/b{b}", exist_ok=True)
for i in range(args.docs):
    parts, n = [], 0
    while n < args.chars:
        p = rng.choice(lines)
        parts.append(p)
        n += len(p) + 2
    with open(f"{args.out}/b{i % 8}/doc{i:05}.txt", "w", encoding="utf-8") as f:
        f.write("\n\n".join(parts))
