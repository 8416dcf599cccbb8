#!/usr/bin/env python3
"""Metadata accuracy of the Office, OpenDocument, Outlook and ZIP readers (issue 16).

Ground truth: the rows of Tests/Fixtures/corpus-truth.tsv whose format is docx, xlsx, pptx,
odt, ods, doc, xls, msg or zip (corpus files, part 0), and Tests/Fixtures/office-truth.tsv
(documents inside those files — a .msg attachment, ZIP entries — and the real OpenDocument
files of ../shared/data/released_files, read by hand). Runs `diarium extract --format json` on
each file and compares title, authority, type, date and dnr exactly (after NFC, collapsed white
space and case folding), per format of the document. Prints a Markdown table for
docs/accuracy.md. Uses only the standard library.

Usage: python3 scripts/office-accuracy.py [--binary .build/release/diarium]
"""
import argparse
import json
import os
import subprocess
import sys
import unicodedata
from collections import defaultdict

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
OFFICE = {"docx", "xlsx", "pptx", "odt", "ods", "odp", "doc", "xls", "ppt", "msg", "zip", "rtf"}
FIELDS = ["title", "authority", "type", "date", "dnr"]


def norm(s):
    return " ".join(unicodedata.normalize("NFC", s or "").split()).casefold()


def load(path):
    with open(path, encoding="utf-8") as f:
        header, *rows = [line.rstrip("\n").split("\t") for line in f if line.strip()]
    return [dict(zip(header, r)) for r in rows]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--binary", default=os.path.join(ROOT, ".build", "release", "diarium"))
    a = ap.parse_args()
    if not os.path.exists(a.binary):
        print("swift build -c release --product diarium")
        sys.exit(2)
    truth = []
    for r in load(os.path.join(ROOT, "Tests/Fixtures/corpus-truth.tsv")):
        if r["format"] in OFFICE:
            truth.append(dict(r, path="corpus/" + r["path"], part=""))
    truth += load(os.path.join(ROOT, "Tests/Fixtures/office-truth.tsv"))
    outputs = {}
    for path in sorted({t["path"] for t in truth}):
        full = os.path.join(ROOT, path)
        if not os.path.exists(full):
            print(f"missing: {path}", file=sys.stderr)
            continue
        r = subprocess.run([a.binary, "extract", "--format", "json", full], cwd=ROOT, capture_output=True, text=True)
        outputs[path] = [json.loads(line) for line in r.stdout.splitlines() if line.strip()]
    ok = defaultdict(lambda: defaultdict(int))
    count = defaultdict(int)
    misses = []
    for t in truth:
        docs = outputs.get(t["path"])
        if docs is None:
            continue
        got = next((d for d in docs if (d.get("partName") or "") == t["part"]), None)
        fmt = t["format"]
        count[fmt] += 1
        for f in FIELDS:
            value = (got or {}).get(f) or ""
            if norm(value) == norm(t[f]):
                ok[fmt][f] += 1
            else:
                misses.append(f"{t['path']}{' → ' + t['part'] if t['part'] else ''}: {f} {value!r}, truth {t[f]!r}")
    print("| format | documents | " + " | ".join(FIELDS) + " |")
    print("|---|---:|" + "---:|" * len(FIELDS))
    total = defaultdict(int)
    for fmt in sorted(count):
        print(f"| {fmt} | {count[fmt]} | " + " | ".join(f"{ok[fmt][f]}/{count[fmt]}" for f in FIELDS) + " |")
        for f in FIELDS:
            total[f] += ok[fmt][f]
    n = sum(count.values())
    print(f"| **all** | {n} | " + " | ".join(f"{total[f]}/{n}" for f in FIELDS) + " |")
    if misses:
        print("\nMisses:\n")
        for m in misses:
            print(f"- {m}")


if __name__ == "__main__":
    main()
