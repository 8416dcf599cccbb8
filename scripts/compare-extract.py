#!/usr/bin/env python3
"""usage: compare-extract.py OLD.jsonl NEW.jsonl — the documents of two `diarium extract --format json` runs (docs/accuracy.md,
"Metadata on bytes"), compared field by field: counts of differing fields and up to 8 examples each."""
import json, sys, collections
def load(p):
    d = {}
    for line in open(p, encoding="utf-8"):
        o = json.loads(line)
        d[(o["path"], o["part"])] = o
    return d
old, new = load(sys.argv[1]), load(sys.argv[2])
print(f"documents: old {len(old)}, new {len(new)}; only old {len(old.keys() - new.keys())}, only new {len(new.keys() - old.keys())}")
diffs = collections.Counter(); examples = collections.defaultdict(list)
for k in sorted(old.keys() & new.keys()):
    for f in sorted(set(old[k]) | set(new[k])):
        a, b = old[k].get(f), new[k].get(f)
        if a != b:
            diffs[f] += 1
            if len(examples[f]) < 8:
                examples[f].append((k, (a[:80] + "…") if isinstance(a, str) and len(a) > 80 else a, (b[:80] + "…") if isinstance(b, str) and len(b) > 80 else b))
print("fields that differ:", dict(diffs) or "none")
for f, ex in examples.items():
    print(f"== {f}")
    for k, a, b in ex: print(f"  {k}: {a!r} -> {b!r}")
