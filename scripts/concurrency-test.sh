#!/usr/bin/env bash
# Readers during writes: searches, listings and stats run in a loop while ingests (and merges,
# once `diarium optimize` exists) write the same index. See docs/reliability.md.
#
# A writer runs these steps one after the other, each a separate process:
#   1. ingest the first half of a batch (an even spread of ../shared/data) with --memory 1, so
#      that it commits many times;
#   2. `diarium optimize` (merge all segments into one), when the binary has that command;
#   3. ingest the whole batch (the second half is new) with --memory 1;
#   4. change --changed files of the first half and ingest again (replacements);
#   5. `diarium optimize` again, when there is one.
# After each step `diarium verify` must pass. Meanwhile --readers threads loop over
# `diarium search` (json, five hits), `diarium stats` and `diarium list`, and every hit goes
# through `diarium show ID --text`. Every reader process must exit 0. Per reader thread, the
# document count (stats, list) and each query's total must never decrease, and every hit must be
# resolvable: `show ID` gives the hit's path. The one exception: a hit on a file changed in
# step 4 may have been replaced by the time `show` runs; its path must then still resolve.
# Prints the counts and `N passed, M failed` (one per reader run and per writer step); exits 1 on
# any failure. Needs python3.
#
# Usage: scripts/concurrency-test.sh [--files N] [--readers R] [--changed N] [--memory MiB]
#                                    [--data DIR] [--work DIR] [--scratch-path DIR]
#                                    [--binary PATH] [--keep]
#   --files N          files in the batch (default 2000)
#   --readers R        reader threads (default 2)
#   --changed N        files changed in step 4 (default 50)
#   --memory MiB       memory budget of the ingests (default 1)
#   --data DIR         source folder (default ../shared/data, beside the repository)
#   --work DIR         scratch folder (default: a new folder under /tmp); removed unless --keep
#   --scratch-path DIR SwiftPM build folder (default .build)
#   --binary PATH      use this diarium binary instead of building one
#   --keep             keep the scratch folder
set -u
set -o pipefail

FILES=2000 READERS=2 CHANGED=50 MEMORY=1 DATA="" WORK="" SCRATCH=".build" BINARY="" KEEP=0
while [ $# -gt 0 ]; do
    case "$1" in
        --files) FILES="$2"; shift 2 ;;
        --readers) READERS="$2"; shift 2 ;;
        --changed) CHANGED="$2"; shift 2 ;;
        --memory) MEMORY="$2"; shift 2 ;;
        --data) DATA="$2"; shift 2 ;;
        --work) WORK="$2"; shift 2 ;;
        --scratch-path) SCRATCH="$2"; shift 2 ;;
        --binary) BINARY="$2"; shift 2 ;;
        --keep) KEEP=1; shift ;;
        -h|--help) sed -n '2,/^set -u/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
        *) echo "concurrency-test: unknown option $1 (see --help)" >&2; exit 2 ;;
    esac
done

ROOT="$(cd "$(dirname "$0")/.." && pwd)"
cd "$ROOT"
[ -n "$DATA" ] || DATA="$ROOT/../shared/data"
[ -d "$DATA" ] || { echo "concurrency-test: data folder $DATA not found" >&2; exit 2; }
command -v python3 >/dev/null || { echo "concurrency-test: python3 is required" >&2; exit 2; }
if [ -z "$WORK" ]; then WORK="$(mktemp -d /tmp/diarium-concurrency.XXXXXX)"; else mkdir -p "$WORK"; fi
cleanup() { if [ "$KEEP" = 0 ]; then rm -rf "$WORK"; else echo "kept $WORK"; fi; }
trap cleanup EXIT
trap 'exit 130' INT TERM

if [ -z "$BINARY" ]; then
    echo "== building (swift build -c release --product diarium --scratch-path $SCRATCH)"
    swift build -c release --product diarium --scratch-path "$SCRATCH" >"$WORK/build.log" 2>&1 \
        || { tail -30 "$WORK/build.log"; echo "concurrency-test: build failed" >&2; exit 2; }
    BINARY="$(swift build -c release --product diarium --scratch-path "$SCRATCH" --show-bin-path)/diarium"
fi
[ -x "$BINARY" ] || { echo "concurrency-test: $BINARY is not executable" >&2; exit 2; }

# The batch: every k-th file of the data folder, in two halves (odd and even positions).
mkdir -p "$WORK/all" "$WORK/batch"
TOTAL=$(cd "$DATA" && find . -type f ! -name '.*' | wc -l)
STEP=$(( TOTAL / FILES )); [ "$STEP" -ge 1 ] || STEP=1
(cd "$DATA" && find . -type f ! -name '.*' -print0 | LC_ALL=C sort -z \
    | awk -v RS='\0' -v ORS='\0' -v step="$STEP" -v n="$FILES" '(NR - 1) % step == 0 && c < n { c++; print }' \
    | xargs -0 cp -p --parents -t "$WORK/all")
echo "== batch: $(find "$WORK/all" -type f | wc -l) files, $(du -sb "$WORK/all" | cut -f1) bytes (every ${STEP}th file of $DATA)"

python3 - "$BINARY" "$WORK" "$READERS" "$CHANGED" "$MEMORY" <<'PYTHON'
import json, os, random, shutil, subprocess, sys, threading, time

binary, work, readers, changed_n, memory = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4]), sys.argv[5]
index, batch, source = os.path.join(work, "index"), os.path.join(work, "batch"), os.path.join(work, "all")
lock = threading.Lock()
passed = failed = 0
counts = {"search": 0, "show": 0, "stats": 0, "list": 0, "replaced hits": 0}
failures = []

def record(ok, message=""):
    global passed, failed
    with lock:
        if ok:
            passed += 1
        else:
            failed += 1
            failures.append(message)
            print("FAIL: " + message, flush=True)

def run(*args):
    p = subprocess.run([binary, *args, "--index", index], capture_output=True, text=True, errors="replace")
    return p.returncode, p.stdout, p.stderr

has_optimize = subprocess.run([binary, "optimize", "--help"], capture_output=True).returncode == 0

# The halves: files at odd and even positions of the sorted list.
files = sorted(os.path.relpath(os.path.join(d, f), source) for d, _, fs in os.walk(source) for f in fs)
first, second = files[0::2], files[1::2]
def copy(names):
    for n in names:
        os.makedirs(os.path.dirname(os.path.join(batch, n)), exist_ok=True)
        shutil.copy2(os.path.join(source, n), os.path.join(batch, n))
text_files = [n for n in first if n.endswith((".txt", ".md"))]
random.seed(7)
changed = set(random.sample(text_files, min(changed_n, len(text_files))))

writer_done = threading.Event()
writer_step = ["start"]
steps_log = []

def writer():
    try:
        copy(first)
        steps = [("ingest first half", ["ingest", batch, "--memory", memory, "--format", "json"])]
        if has_optimize: steps.append(("optimize", ["optimize"]))
        steps.append(("ingest whole batch", ["ingest", batch, "--memory", memory, "--format", "json"]))
        steps.append(("change and re-ingest", ["ingest", batch, "--memory", memory, "--format", "json"]))
        if has_optimize: steps.append(("optimize again", ["optimize"]))
        for name, args in steps:
            if name == "ingest whole batch": copy(second)
            if name == "change and re-ingest":
                for n in changed:
                    with open(os.path.join(batch, n), "a", encoding="utf-8") as f:
                        f.write("\nTillägg under samtidig läsning: zebrafinkregister.\n")
            writer_step[0] = name
            t = time.monotonic()
            code, out, err = run(*args)
            summary = ""
            if code == 0 and args[0] == "ingest":
                s = json.loads(out)
                summary = f"added {s['added']}, updated {s['updated']}, {s['segments']} segments"
            steps_log.append(f"{name}: exit {code}, {time.monotonic() - t:.1f} s{', ' + summary if summary else ''}")
            print("   writer: " + steps_log[-1], flush=True)
            record(code == 0, f"writer step {name} exited {code}: {err.strip()[-500:]}")
            code, out, err = run("verify")
            record(code == 0, f"verify after {name} exited {code}: {out.strip()[-800:]} {err.strip()[-300:]}")
    finally:
        writer_done.set()

QUERIES = ["regeringen", "förordning", "2015", "skatt", "lag om", "riskanalys", "zebrafinkregister", "beslut", "kommun"]

def reader(number):
    last_docs, last_list, last_total = 0, 0, {}
    rng = random.Random(number)
    while not writer_done.is_set():
        op = rng.choice(["search", "search", "search", "stats", "list"])
        if op == "search":
            q = rng.choice(QUERIES)
            code, out, err = run("search", q, "--format", "json", "--limit", "5", "--count")   # exact totals: without --count a total is a lower bound
            with lock: counts["search"] += 1
            if code != 0:
                # Before the first commit there is no index yet: that is the one allowed error.
                record("no index in" in err and last_docs == 0, f"search {q!r} exited {code}: {err.strip()[-300:]}")
                continue
            result = json.loads(out)
            ok = result["total"] >= last_total.get(q, 0) and result["total"] >= len(result["hits"])
            record(ok, f"search {q!r}: total {result['total']} after {last_total.get(q, 0)}")
            last_total[q] = result["total"]
            for hit in result["hits"]:
                code, out, err = run("show", str(hit["id"]), "--text", "--format", "json")
                with lock: counts["show"] += 1
                path = hit["path"]
                if code == 0:
                    record(json.loads(out)["document"]["path"] == path, f"show {hit['id']}: another path than {path}")
                elif os.path.relpath(os.path.join(os.path.dirname(batch), path), batch) in changed:
                    code, out, err = run("show", path, "--format", "json")
                    with lock: counts["replaced hits"] += 1
                    record(code == 0, f"show {path} (replaced) exited {code}: {err.strip()[-300:]}")
                else:
                    record(False, f"show {hit['id']} ({path}) exited {code}: {err.strip()[-300:]}")
        elif op == "stats":
            code, out, err = run("stats", "--format", "json")
            with lock: counts["stats"] += 1
            if code != 0:
                record("no index in" in err and last_docs == 0, f"stats exited {code}: {err.strip()[-300:]}")
                continue
            docs = json.loads(out)["documents"]
            record(docs >= last_docs, f"stats: {docs} documents after {last_docs}")
            last_docs = max(last_docs, docs)
        else:
            code, out, err = run("list", "--format", "json")
            with lock: counts["list"] += 1
            if code != 0:
                record("no index in" in err and last_list == 0, f"list exited {code}: {err.strip()[-300:]}")
                continue
            rows = json.loads(out)
            ids = [r["id"] for r in rows]
            record(len(rows) >= last_list and len(ids) == len(set(ids)), f"list: {len(rows)} rows after {last_list}, {len(ids) - len(set(ids))} duplicate ids")
            last_list = max(last_list, len(rows))

start = time.monotonic()
print(f"== {readers} reader threads while the writer runs ({'with' if has_optimize else 'without'} optimize)", flush=True)
threads = [threading.Thread(target=writer)] + [threading.Thread(target=reader, args=(i,)) for i in range(readers)]
for t in threads: t.start()
for t in threads: t.join()
code, out, err = run("verify")
record(code == 0 and "0 warnings" in out, f"final verify: {out.strip()[-500:]} {err.strip()[-300:]}")
code, out, err = run("stats", "--format", "json")
final_docs = json.loads(out)["documents"] if code == 0 else -1
print(f"== {counts['search']} searches, {counts['show']} shows ({counts['replaced hits']} of replaced documents), "
      f"{counts['stats']} stats, {counts['list']} lists in {time.monotonic() - start:.1f} s; {final_docs} documents at the end")
print(f"{passed} passed, {failed} failed")
sys.exit(1 if failed else 0)
PYTHON
exit $?
