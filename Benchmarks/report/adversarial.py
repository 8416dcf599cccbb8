#!/usr/bin/env python3
"""Adversarial inputs for `diarium report` and `diarium duplicates` (issue 15, item 12).

  adversarial.py citations OUT --pairs N   one file OUT/citat.txt: N pairs of
                                           `riktlinje för molnN samt KS 20xx/N` on one line
                                           (each a named document and a case number the
                                           release lacks)
  adversarial.py near-copies OUT --copies N
                                           N files OUT/kopia-K.txt: one 400-word policy text,
                                           each copy with 8 words changed at random (seeded),
                                           so every pair is a near-duplicate

Deterministic (seed 15). See docs/benchmarks.md, "Report and duplicates on adversarial text".
"""
import argparse
import os
import random

WORDS = ("kommunen nämnden förvaltningen molntjänst informationssäkerhet personuppgifter behandling "
         "leverantör avtal riskanalys klassning åtgärd ansvar system tjänst data lagring åtkomst "
         "behörighet granskning uppföljning beslut policy riktlinje rutin dokumentation").split()


def citations(out, pairs):
    os.makedirs(out, exist_ok=True)
    parts = [f"riktlinje för moln{n} samt KS {2000 + n % 25}/{n}" for n in range(1, pairs + 1)]
    with open(os.path.join(out, "citat.txt"), "w", encoding="utf-8") as f:
        f.write("Policy för citat. " + " ".join(parts) + "\n")


def near_copies(out, copies):
    os.makedirs(out, exist_ok=True)
    rng = random.Random(15)
    base = [rng.choice(WORDS) for _ in range(400)]
    for k in range(copies):
        words = list(base)
        for _ in range(8):
            words[rng.randrange(len(words))] = f"ändring{rng.randrange(10**6)}"
        with open(os.path.join(out, f"kopia-{k:05d}.txt"), "w", encoding="utf-8") as f:
            f.write("Riktlinje för molntjänster\n\n" + " ".join(words) + "\n")


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = p.add_subparsers(dest="kind", required=True)
    c = sub.add_parser("citations")
    c.add_argument("out")
    c.add_argument("--pairs", type=int, required=True)
    n = sub.add_parser("near-copies")
    n.add_argument("out")
    n.add_argument("--copies", type=int, required=True)
    a = p.parse_args()
    if a.kind == "citations":
        citations(a.out, a.pairs)
    else:
        near_copies(a.out, a.copies)


if __name__ == "__main__":
    main()
