#!/usr/bin/env python3
"""Indexing alone, same text: `diarium ingest --jsonl` against Tantivy (tantivy_peer.py index),
both with the same number of threads, on the JSON Lines of `diarium extract` over a corpus
(the docs.jsonl that run.py gives the peers: path, title, text, year, authority, type, dnr).

Each round runs diarium, then Tantivy, each on a fresh index under /usr/bin/time -v; the table
gives wall seconds, CPU seconds (user+sys), MB/s of text (the UTF-8 bytes of `text`, as run.py
counts them) per wall second and per CPU second, peak RSS, and the load average before each run.

usage: jsonl_index.py DIARIUM CORPUS_OR_DOCS_JSONL WORKDIR [--threads 2] [--rounds 2]
"""
import argparse, json, os, shutil, sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
from run import Diarium, PY, TIMED_CPU, load, timed  # noqa: E402


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("diarium")
    ap.add_argument("source", help="a corpus folder (extracted with diarium extract first) or a docs.jsonl")
    ap.add_argument("workdir")
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--rounds", type=int, default=2)
    a = ap.parse_args()
    os.makedirs(a.workdir, exist_ok=True)
    d = Diarium(os.path.abspath(a.diarium))
    docs = a.source
    if os.path.isdir(a.source):
        docs = os.path.join(a.workdir, "docs.jsonl")
        if not os.path.exists(docs):
            d.extract(a.source, docs)
    n = nbytes = 0
    with open(docs, encoding="utf-8") as f:
        for line in f:
            n += 1
            nbytes += len((json.loads(line).get("text") or "").encode("utf-8"))
    print(f"{docs}: {n} documents, {nbytes / 1e6:.1f} MB of text; threads {a.threads}")
    print("| round | engine | wall s | CPU s | MB/s (wall) | MB/s per CPU s | peak RSS MiB | load before |")
    print("|---|---|---|---|---|---|---|---|")
    for r in range(1, a.rounds + 1):
        runs = {
            "diarium": [d.bin, "ingest", "--jsonl", docs, "--index", os.path.join(a.workdir, "diarium.idx"),
                        "--threads", str(a.threads), "--rebuild"],
            "tantivy": [PY, os.path.join(HERE, "peers", "tantivy_peer.py"), "index", docs,
                        os.path.join(a.workdir, "tantivy.idx"), "--threads", str(a.threads)],
        }
        for engine, cmd in runs.items():
            shutil.rmtree(os.path.join(a.workdir, f"{engine}.idx"), ignore_errors=True)
            before = " ".join(load())
            wall, rss, out, err = timed(cmd)
            cpu = TIMED_CPU[0]
            print(f"| {r} | {engine} | {wall:.2f} | {cpu:.2f} | {nbytes / 1e6 / wall:.2f} | {nbytes / 1e6 / cpu:.2f} | "
                  f"{rss / 2**20:.0f} | {before} |", flush=True)


if __name__ == "__main__":
    main()
