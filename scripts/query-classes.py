#!/usr/bin/env python3
"""Per-class query latency and instruction counts of `diarium search --batch` on a harness run,
beside Tantivy's stored per-query times.

A harness directory (`Benchmarks/compare.sh --work DIR`, e.g. /work/bench/synthetic-100k) holds
diarium.idx, diarium-queries.txt (one warm-up query per class, then every query), queries.json
(their classes) and tantivy-latency.jsonl / tantivy-bare-latency.jsonl (Tantivy's times with
stored documents and snippets for the page, and addresses only).

Latency (default): each binary runs the batch `--runs` times, interleaved; a query's time is
its median over the runs (the `ms` diarium prints: parse, evaluate, read the page's records,
snippets; not the JSON output). Wall time on a shared machine is noisy: the load is printed.

--instructions: one callgrind run per binary and class (the class's queries as one batch, the
class's warm-up query first), counting the instructions inside `Searcher.run`, and of them the
ones inside `Searcher.pageHits` (records and snippets), so evaluation = run - pageHits.
The blocks column counts the postings blocks decoded (calls of `PostingsCursor.load`): a block
that block-max pruning skips is never decoded. Instruction counts do not depend on the load. valgrind cannot read the Swift binaries' debug
info: pass copies stripped with `strip -g`.

--compare-output: the batch's JSON output without the times, compared line by line between the
first binary and each other one (ids, order, scores, totals, snippets); also without the totals
(a total is a lower bound once block-max pruning skipped a block, unless --count).

--count: the batches count every match exactly (`diarium search --count`).

A binary given as BINARY=INDEX searches INDEX instead of the harness's diarium.idx (two
segment formats side by side: each binary with an index it can read).

usage: scripts/query-classes.py [--harness DIR] [--runs N] [--instructions] BINARY[=INDEX]...
"""
import argparse, json, os, re, statistics, subprocess, sys, tempfile

LOAD = "14PostingsCursorV4load"
RUN = "$s13DiariumSearch8SearcherC3run_5limit6offset10countTotal8strategy8snippetsAA0B6ResultVSS_S2iSbAC8StrategyOSbtKF"


def pct(values, p):
    """The p-th percentile, linear interpolation (as Benchmarks/compare/run.py computes it)."""
    v = sorted(values)
    if not v:
        return float("nan")
    k = (len(v) - 1) * p / 100
    f = int(k)
    c = min(f + 1, len(v) - 1)
    return v[f] + (v[c] - v[f]) * (k - f)


def harness(d):
    queries = json.load(open(os.path.join(d, "queries.json")))
    lines = [l for l in open(os.path.join(d, "diarium-queries.txt"), encoding="utf-8").read().splitlines() if l.strip()]
    warm = len(lines) - len(queries)
    if warm < 0:
        sys.exit(f"{d}: diarium-queries.txt has fewer lines than queries.json")
    classes = [q["cls"] for q in queries]
    def times(name):
        return [json.loads(l)["ms"] for l in open(os.path.join(d, name))]
    return lines, warm, classes, times("tantivy-latency.jsonl"), times("tantivy-bare-latency.jsonl")


def binary_of(spec):
    """The binary of a BINARY[=INDEX] argument."""
    return spec.split("=", 1)[0]


def index_of(args, spec):
    """The index a BINARY[=INDEX] argument searches: its own after `=`, else the harness's."""
    return spec.split("=", 1)[1] if "=" in spec else os.path.join(args.harness, "diarium.idx")


COUNT = []


def batch(binary, index, path, extra=()):
    out = subprocess.run([*extra, binary, "search", "--batch", path, "--index", index, "--limit", "10", "--format", "json", *COUNT],
                         capture_output=True, text=True, check=True).stdout
    return [json.loads(l) for l in out.splitlines() if l.startswith("{")]


def by_class(classes, values):
    out = {}
    for c, v in zip(classes, values):
        out.setdefault(c, []).append(v)
    return out


def latency(args, lines, warm, classes, tantivy, bare):
    path = os.path.join(args.harness, "diarium-queries.txt")
    runs = {b: [] for b in args.binaries}
    for _ in range(args.runs):
        for b in args.binaries:
            rows = batch(binary_of(b), index_of(args, b), path)
            if len(rows) != len(lines):
                sys.exit(f"{b}: {len(rows)} rows for {len(lines)} queries")
            runs[b].append([r["ms"] for r in rows[warm:]])
    print(f"load: {open('/proc/loadavg').read().split()[:3]}  runs: {args.runs} (median per query)")
    t, tb = by_class(classes, tantivy), by_class(classes, bare)
    head = ["class", "T-eq p50", "T-eq p99", "T-bare p50"]
    for b in args.binaries:
        n = os.path.basename(os.path.dirname(os.path.dirname(binary_of(b)))) or os.path.basename(binary_of(b))
        head += [f"{n} p50", f"p99", "p50/T", "p99/T"]
    print("| " + " | ".join(head) + " |")
    print("|" + "---|" * len(head))
    medians = {b: [statistics.median(x) for x in zip(*runs[b])] for b in args.binaries}
    for c in dict.fromkeys(classes):
        row = [c, f"{pct(t[c], 50):.2f}", f"{pct(t[c], 99):.2f}", f"{pct(tb[c], 50):.3f}"]
        for b in args.binaries:
            d = by_class(classes, medians[b])[c]
            p50, p99 = pct(d, 50), pct(d, 99)
            row += [f"{p50:.2f}", f"{p99:.2f}", f"{p50 / pct(t[c], 50):.2f}", f"{p99 / pct(t[c], 99):.2f}"]
        print("| " + " | ".join(row) + " |")


def calls(out, name):
    """Calls of functions whose (mangled) name holds `name`, from a callgrind output file."""
    ids, total, target = {}, 0, False
    for l in open(out, errors="replace"):
        m = re.match(r"c?fn=\((\d+)\) (.*)", l.strip())
        if m:
            ids[m.group(1)] = m.group(2)
        if l.startswith("cfn="):
            m = re.match(r"cfn=\((\d+)\)(?: (.*))?", l.strip())
            if m:
                if m.group(2):
                    ids[m.group(1)] = m.group(2)
                target = name in ids.get(m.group(1), "")
            else:
                target = name in l
        elif l.startswith("calls=") and target:
            total += int(l.split("=")[1].split()[0])
            target = False
    return total


def instructions(args, lines, warm, classes):
    warmups = lines[:warm]
    order = list(dict.fromkeys(classes))
    body = lines[warm:]
    print(f"instructions per query inside Searcher.run (callgrind), and of them in pageHits")
    head = ["class"]
    for b in args.binaries:
        head += [f"{os.path.basename(b)} run", "pageHits", "evaluation", "blocks"]
    print("| " + " | ".join(head) + " |")
    print("|" + "---|" * len(head))
    with tempfile.TemporaryDirectory() as tmp:
        for ci, c in enumerate(order):
            qs = [q for q, k in zip(body, classes) if k == c]
            path = os.path.join(tmp, f"{c}.txt")
            open(path, "w").write("\n".join([warmups[ci] if ci < len(warmups) else qs[0]] + qs) + "\n")
            row = [c]
            for b in args.binaries:
                out = os.path.join(tmp, "cg.out")
                batch(binary_of(b), index_of(args, b), path, ["valgrind", "--tool=callgrind", f"--callgrind-out-file={out}", f"--toggle-collect={RUN}"])
                total = int(re.search(r"^summary: (\d+)", open(out).read(), re.M).group(1))
                ann = subprocess.run(["callgrind_annotate", "--inclusive=yes", "--threshold=100", out],
                                     capture_output=True, text=True).stdout
                page = 0
                for l in ann.splitlines():
                    if "Searcher.pageHits" in l or "SearcherC8pageHits" in l:
                        page = max(page, int(l.split()[0].replace(",", "")))
                n = len(qs) + 1
                row += [f"{total / n / 1e6:.2f}M", f"{page / n / 1e6:.2f}M", f"{(total - page) / n / 1e6:.2f}M",
                        f"{calls(out, LOAD) / n:.0f}"]
            print("| " + " | ".join(row) + " |", flush=True)


def compare_output(args, lines):
    path = os.path.join(args.harness, "diarium-queries.txt")
    def strip(rows, drop):
        return [json.dumps({k: v for k, v in r.items() if k not in drop}, sort_keys=True, ensure_ascii=False) for r in rows]
    base = batch(binary_of(args.binaries[0]), index_of(args, args.binaries[0]), path)
    for b in args.binaries[1:]:
        rows = batch(binary_of(b), index_of(args, b), path)
        for what, drop in (("query outputs", {"ms"}), ("outputs without the totals", {"ms", "total", "totalIsLowerBound", "exactTotal"})):
            x, y = strip(base, drop), strip(rows, drop)
            diff = [i for i, (p, q) in enumerate(zip(x, y)) if p != q] + list(range(min(len(x), len(y)), max(len(x), len(y))))
            print(f"{b}: {len(diff)} of {len(x)} {what} differ from {args.binaries[0]}")
            for i in diff[:10]:
                print(f"  line {i + 1}: {lines[i] if i < len(lines) else '?'}")


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("binaries", nargs="+", help="diarium release binaries")
    ap.add_argument("--harness", default="/work/bench/synthetic-100k", help="harness directory (default %(default)s)")
    ap.add_argument("--runs", type=int, default=5, help="batch runs per binary (default %(default)s)")
    ap.add_argument("--instructions", action="store_true", help="callgrind instruction counts per class instead of times")
    ap.add_argument("--compare-output", action="store_true", help="compare the batch outputs (without times) to the first binary's")
    ap.add_argument("--count", action="store_true", help="count every match exactly (diarium search --count)")
    args = ap.parse_args()
    if args.count:
        COUNT.append("--count")
    lines, warm, classes, tantivy, bare = harness(args.harness)
    if args.compare_output:
        compare_output(args, lines)
    elif args.instructions:
        instructions(args, lines, warm, classes)
    else:
        latency(args, lines, warm, classes, tantivy, bare)


if __name__ == "__main__":
    main()
