#!/usr/bin/env python3
"""Text PDFs end to end (issue 14): diarium, Recoll and omindex index the same folder of PDFs from
scratch, each with its own extraction (all three read PDFs through poppler's pdftotext).

Per engine: wall time, CPU time (user+sys of the engine and every child process it waited for,
from /usr/bin/time -v), pages per second of wall time and per CPU-second, peak RSS, documents
indexed and index size; the load average before and after each run (the machine may be shared:
the CPU figures carry over, the wall figures only on a quiet machine). With --processes N, each
engine also indexes the first N files under `strace -f -e trace=execve` and the programs it
started are counted (child processes per PDF).

The corpus comes from scripts/make-pdf-bench-corpus.sh; pages are counted once with pdfinfo.
The Recoll and omindex invocations are run.py's (the end-to-end comparison of docs/benchmarks.md).

usage: python3 Benchmarks/compare/pdf_e2e.py [CORPUS] [--binary .build/release/diarium]
           [--work DIR] [--engines diarium,recoll,omindex] [--runs 1] [--processes N]
"""
import argparse, collections, json, os, re, shutil, subprocess, sys, tempfile
from concurrent.futures import ThreadPoolExecutor

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, HERE)
from run import Diarium, load, log, omindex_ingest, recoll_ingest  # noqa: E402


def pdf_files(corpus):
    return sorted(os.path.join(d, f) for d, _, fs in os.walk(corpus) for f in fs if f.lower().endswith(".pdf"))


def pages(corpus, work):
    """Pages of every PDF of the corpus by `pdfinfo` (cached in WORK by file names and sizes)."""
    files = pdf_files(corpus)
    key = str(sum(os.path.getsize(f) for f in files)) + ":" + str(len(files))
    cache = os.path.join(work, "pages.json")
    if os.path.exists(cache):
        c = json.load(open(cache))
        if c.get("key") == key:
            return c["pages"], len(files)

    def one(f):
        out = subprocess.run(["pdfinfo", f], capture_output=True, text=True).stdout
        m = re.search(r"^Pages:\s+(\d+)", out, re.M)
        return int(m.group(1)) if m else 0

    with ThreadPoolExecutor(2) as pool:
        n = sum(pool.map(one, files))
    json.dump({"key": key, "pages": n}, open(cache, "w"))
    return n, len(files)


def run_engine(engine, corpus, wd, binary):
    os.makedirs(wd, exist_ok=True)
    if engine == "diarium":
        return Diarium(binary).ingest(corpus, os.path.join(wd, "diarium.idx"))
    if engine == "recoll":
        return recoll_ingest(corpus, wd)
    return omindex_ingest(corpus, wd)


def processes(engine, corpus, n, wd, binary):
    """Programs `engine` starts while indexing the first `n` PDFs: {program: count}."""
    sub = os.path.join(wd, "subset")
    shutil.rmtree(sub, ignore_errors=True)
    os.makedirs(sub)
    for f in pdf_files(corpus)[:n]:
        shutil.copy(f, sub)
    trace = os.path.join(wd, f"{engine}.strace")
    cmd = {"diarium": [binary, "ingest", sub, "--index", os.path.join(wd, "sub-diarium.idx"), "--rebuild"]}.get(engine)
    if engine == "recoll":
        conf = os.path.join(wd, "sub-recoll-conf")
        shutil.rmtree(conf, ignore_errors=True)
        shutil.rmtree(os.path.join(wd, "sub-recoll.idx"), ignore_errors=True)
        os.makedirs(conf)
        open(os.path.join(conf, "recoll.conf"), "w").write(
            f"topdirs = {sub}\nindexStemmingLanguages = swedish\nnoaspell = 1\ndbdir = {os.path.join(wd, 'sub-recoll.idx')}\n")
        cmd = ["recollindex", "-c", conf, "-z"]
    if engine == "omindex":
        db = os.path.join(wd, "sub-omindex.idx")
        shutil.rmtree(db, ignore_errors=True)
        cmd = ["omindex", "--db", db, "--url", "/", "--stemmer=swedish", sub]
    if engine == "diarium":
        shutil.rmtree(os.path.join(wd, "sub-diarium.idx"), ignore_errors=True)
    subprocess.run(["strace", "-f", "-qq", "-e", "trace=execve", "-e", "signal=none", "-o", trace] + cmd,
                   capture_output=True, env={**os.environ, "HOME": wd})
    counts = collections.Counter()
    first = True
    for line in open(trace):
        m = re.search(r'execve\("([^"]+)"', line)
        if m and "= 0" in line:
            if first:          # the engine itself
                first = False
                continue
            counts[os.path.basename(m.group(1))] += 1
    return dict(counts)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("corpus", nargs="?", default="/tmp/pdfbench")
    ap.add_argument("--binary", default=os.path.join(REPO, ".build", "release", "diarium"))
    ap.add_argument("--work", default=None, help="scratch folder (default: a new one under /tmp, removed)")
    ap.add_argument("--engines", default="diarium,recoll,omindex")
    ap.add_argument("--runs", type=int, default=1, help="runs per engine, interleaved (default 1)")
    ap.add_argument("--processes", type=int, default=0, metavar="N",
                    help="also count the programs each engine starts for the first N PDFs (strace)")
    args = ap.parse_args()
    engines = [e for e in args.engines.split(",") if e]
    for e in engines:
        if e not in ("diarium", "recoll", "omindex"):
            raise SystemExit(f"unknown engine {e}")
    for prog in ["pdfinfo", "strace" if args.processes else "pdfinfo"] + [
            {"diarium": args.binary, "recoll": "recollindex", "omindex": "omindex"}[e] for e in engines]:
        if not shutil.which(prog):
            raise SystemExit(f"{prog} is not installed or built (recollindex: apt-get install recollcmd; "
                             "omindex: apt-get install xapian-omega; diarium: swift build -c release --product diarium)")
    work = args.work or tempfile.mkdtemp(prefix="diarium-pdf-e2e-")
    os.makedirs(work, exist_ok=True)
    n_pages, n_files = pages(args.corpus, work)
    log(f"{n_files} PDFs, {n_pages} pages in {args.corpus}")
    rows = collections.defaultdict(list)
    for run in range(args.runs):
        for e in engines:
            before = load()
            r = run_engine(e, args.corpus, os.path.join(work, e), args.binary)
            r["load"] = f"{before[0]} → {load()[0]}"
            rows[e].append(r)
            log(f"run {run + 1}: {e}: {r['docs']} docs, {r['wall']:.1f} s wall, {r['cpu']:.1f} s CPU, "
                f"{r['rss'] / 2**20:.0f} MiB, load {r['load']}" + (f" / {r['summary']}" if "summary" in r else ""))
    procs = {e: processes(e, args.corpus, args.processes, os.path.join(work, e), args.binary) for e in engines} if args.processes else {}

    print(f"\n{n_files} PDFs, {n_pages} pages; best run of {args.runs} by CPU time\n")
    print("| engine | wall s | CPU s (user+sys) | pages/s (wall) | pages per CPU-s | CPU ms/page | peak RSS MiB | documents | index MB | load (1 min) before → after |")
    print("|---|---:|---:|---:|---:|---:|---:|---:|---:|---|")
    for e in engines:
        r = min(rows[e], key=lambda r: r["cpu"])
        print(f"| {e} | {r['wall']:.1f} | {r['cpu']:.1f} | {n_pages / r['wall']:.0f} | {n_pages / r['cpu']:.0f} | "
              f"{1000 * r['cpu'] / n_pages:.2f} | {r['rss'] / 2**20:.0f} | {r['docs']} | {r['size'] / 1e6:.1f} | {r['load']} |")
    if procs:
        print(f"\nPrograms started for the first {args.processes} PDFs (strace -f -e trace=execve):\n")
        for e, c in procs.items():
            print(f"- {e}: " + (", ".join(f"{p} × {k}" for p, k in sorted(c.items(), key=lambda x: -x[1])) or "none"))
    if not args.work:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
