#!/usr/bin/env bash
# Kill-during-ingest crash test for diarium. Slow; never part of `make test`. See docs/reliability.md.
#
# Builds the release binary, copies N files of ../shared/data into a batch and builds a
# reference index without kills (default memory budget: one commit) and one with
# `--memory MiB` without kills. Then it starts `diarium ingest BATCH --index IDX --memory MiB`
# again and again and kills it with SIGKILL: after a random delay, as soon as a segment file is
# being written, or just after one was written (during the catalog commit). After every kill:
# `diarium verify` must exit 0, `diarium stats` and a search must work, and the number of
# documents must not have decreased; at least a third of the kills must find committed documents (a
# kill before a round's first commit tests only an empty index). An attempt that finishes before its kill ends a round: its
# index must equal the reference, and the next round starts on an empty index. Finally an
# uninterrupted ingest completes the last round, which must equal the reference too (inventory:
# path, part, sha256, size, format, status, title, year, date, authority, type, dnr, text
# length, indexed or not; `diarium list --format json` without ids; the paths found by five
# searches). Prints `N passed, M failed`; exits 1 on any failure. Needs jq, sqlite3, python3.
#
# Usage: scripts/crash-test.sh [--kills K] [--files N] [--memory MiB] [--data DIR] [--work DIR]
#                              [--scratch-path DIR] [--binary PATH] [--seed S] [--max-delay SECONDS]
#                              [--random-share PERCENT] [--aim-after N] [--keep]
#   --kills K          kills of a running ingest to deliver (default 50; at most 3K attempts)
#   --files N          files of the data folder in the batch, an even spread of it (default 2000)
#   --memory MiB       memory budget of the killed ingests (default 1: a commit per MiB)
#   --data DIR         source folder (default ../shared/data, beside the repository)
#   --work DIR         scratch folder (default: a new folder under /tmp); removed unless --keep
#   --scratch-path DIR SwiftPM build folder (default .build)
#   --binary PATH      use this diarium binary instead of building one
#   --seed S           seed of the kill delays (default: the time), printed for reruns
#   --max-delay S      longest random delay before a kill (default: 1.2 × the uninterrupted run)
#   --random-share P   percent of kills after a random delay; the rest are aimed at a segment
#                      write or a catalog commit, half each (default 50)
#   --aim-after N      an aimed kill lets 0 to N segment files of the attempt be written first,
#                      chosen at random, so that it can land after commits and during merges
#                      (default 0: the first segment file)
#   --keep             keep the scratch folder (indexes and logs) for inspection
set -u
set -o pipefail

KILLS=50 FILES=2000 MEMORY=1 DATA="" WORK="" SCRATCH=".build" BINARY="" SEED="" MAX_DELAY="" KEEP=0 RANDOM_SHARE=50 AIM_AFTER=0
while [ $# -gt 0 ]; do
    case "$1" in
        --kills) KILLS="$2"; shift 2 ;;
        --files) FILES="$2"; shift 2 ;;
        --memory) MEMORY="$2"; shift 2 ;;
        --data) DATA="$2"; shift 2 ;;
        --work) WORK="$2"; shift 2 ;;
        --scratch-path) SCRATCH="$2"; shift 2 ;;
        --binary) BINARY="$2"; shift 2 ;;
        --seed) SEED="$2"; shift 2 ;;
        --max-delay) MAX_DELAY="$2"; shift 2 ;;
        --random-share) RANDOM_SHARE="$2"; shift 2 ;;
        --aim-after) AIM_AFTER="$2"; shift 2 ;;
        --keep) KEEP=1; shift ;;
        -h|--help) sed -n '2,/^set -u/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
        *) echo "crash-test: unknown option $1 (see --help)" >&2; exit 2 ;;
    esac
done

ROOT="$(cd "$(dirname "$0")/.." && pwd)"
cd "$ROOT"
[ -n "$DATA" ] || DATA="$ROOT/../shared/data"
[ -d "$DATA" ] || { echo "crash-test: data folder $DATA not found" >&2; exit 2; }
[ -n "$SEED" ] || SEED=$(( $(date +%s) % 32768 ))
for tool in jq sqlite3 python3; do
    command -v "$tool" >/dev/null || { echo "crash-test: $tool is required (apt-get install $tool)" >&2; exit 2; }
done
if [ -z "$WORK" ]; then WORK="$(mktemp -d /tmp/diarium-crash.XXXXXX)"; else mkdir -p "$WORK"; fi
pid=""
cleanup() {
    [ -z "$pid" ] || kill -KILL "$pid" 2>/dev/null
    if [ "$KEEP" = 0 ]; then rm -rf "$WORK"; else echo "kept $WORK"; fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

START=$(date +%s.%N)
now() { date +%s.%N; }
elapsed() { awk -v a="$1" -v b="$(now)" 'BEGIN { printf "%.1f", b - a }'; }
PASSED=0 FAILED=0
pass() { PASSED=$((PASSED + 1)); }
fail() { FAILED=$((FAILED + 1)); echo "FAIL: $*"; }

# 1. Build.
if [ -z "$BINARY" ]; then
    echo "== building (swift build -c release --product diarium --scratch-path $SCRATCH)"
    swift build -c release --product diarium --scratch-path "$SCRATCH" >"$WORK/build.log" 2>&1 \
        || { tail -30 "$WORK/build.log"; echo "crash-test: build failed" >&2; exit 2; }
    BINARY="$(swift build -c release --product diarium --scratch-path "$SCRATCH" --show-bin-path)/diarium"
fi
BIN="$BINARY"
[ -x "$BIN" ] || { echo "crash-test: $BIN is not executable" >&2; exit 2; }

# 2. The batch: every k-th file of the data folder (sorted), so every kind of document is in it.
BATCH="$WORK/batch"
mkdir -p "$BATCH"
TOTAL=$(cd "$DATA" && find . -type f ! -name '.*' | wc -l)
STEP=$(( TOTAL / FILES )); [ "$STEP" -ge 1 ] || STEP=1
(cd "$DATA" && find . -type f ! -name '.*' -print0 | LC_ALL=C sort -z \
    | awk -v RS='\0' -v ORS='\0' -v step="$STEP" -v n="$FILES" '(NR - 1) % step == 0 && c < n { c++; print }' \
    | xargs -0 cp -p --parents -t "$BATCH")
NFILES=$(find "$BATCH" -type f | wc -l)
BYTES=$(du -sb "$BATCH" | cut -f1)
echo "== batch: $NFILES files, $BYTES bytes (every ${STEP}th file of $DATA), seed $SEED"

# Normalised views of an index, for comparison (ids differ between indexes, so they are left out).
inventory() {  # index → one line per catalog row
    sqlite3 -readonly -separator $'\t' "$1/catalog.sqlite" \
        "SELECT path, part, sha256, size, format, status, coalesce(title,''), coalesce(year,''), coalesce(date,''),
                coalesce(authority,''), coalesce(doc_type,''), coalesce(dnr,''), text_length, segment_id IS NOT NULL
         FROM documents ORDER BY path, part"
}
listing() { "$BIN" list --index "$1" --format json | jq -S -c 'map(del(.id, .ingestedAt) | .duplicateFamilies |= (if . == null then null else length end)) | sort | .[]'; }
QUERIES=("regeringen" "riskanalys" "förordning om statsbidrag" "2015" "skatt")
searches() {
    for q in "${QUERIES[@]}"; do
        "$BIN" search "$q" --index "$1" --limit 0 --format json | jq -c --arg q "$q" '{query: $q, total, paths: ([.hits[].path] | sort)}'
    done
}
compare() {  # label index reference-index
    local label="$1" a="$2" b="$3" what
    for what in inventory listing searches; do
        if diff <("$what" "$b") <("$what" "$a") >"$WORK/diff-$label-$what.txt"; then
            pass
        else
            fail "$label: $what differs from the reference ($(grep -c '^[<>]' "$WORK/diff-$label-$what.txt") lines; < reference, > $label):"
            head -20 "$WORK/diff-$label-$what.txt"
        fi
    done
}

# 3. The reference: no kills, default memory budget (one commit).
echo "== reference index (no kills, default memory budget)"
t=$(now)
"$BIN" ingest "$BATCH" --index "$WORK/reference" --format json >"$WORK/reference.json" 2>&1 \
    || { cat "$WORK/reference.json"; echo "crash-test: reference ingest failed" >&2; exit 2; }
REF_TIME=$(elapsed "$t")
REF_DOCS=$(sqlite3 -readonly "$WORK/reference/catalog.sqlite" "SELECT COUNT(*) FROM documents")
echo "   $REF_DOCS documents in ${REF_TIME}s"

# 4. The same batch with --memory $MEMORY, without kills: the time the kills are spread over, and
#    a check that many commits give the same index as one.
echo "== uninterrupted ingest with --memory $MEMORY"
t=$(now)
"$BIN" ingest "$BATCH" --index "$WORK/uninterrupted" --memory "$MEMORY" --format json >"$WORK/uninterrupted.json" 2>&1 \
    || { cat "$WORK/uninterrupted.json"; echo "crash-test: uninterrupted ingest failed" >&2; exit 2; }
RUN_TIME=$(elapsed "$t")
RUN_SEGMENTS=$(jq .segments "$WORK/uninterrupted.json")
echo "   ${RUN_TIME}s, $RUN_SEGMENTS segments"
if "$BIN" verify --index "$WORK/uninterrupted" >"$WORK/verify-uninterrupted.txt"; then pass; else fail "verify of the uninterrupted index:"; cat "$WORK/verify-uninterrupted.txt"; fi
compare uninterrupted "$WORK/uninterrupted" "$WORK/reference"

# 5. Kills. Three kinds, chosen at random: a kill after a random delay (uniform up to 1.2 × the
#    uninterrupted run, so kills land in walking, extracting, serializing, writing and
#    committing alike); a kill aimed at a segment write (as soon as the writer has a segment
#    file open: its write or fsync); and a kill aimed at a catalog commit (0–3 ms after the
#    segment file is closed: the directory fsync or the SQLite transaction). A small Python
#    poller (below) watches /proc/PID/fd, names the phase the process is in when it is killed,
#    and sends SIGKILL. When an attempt finishes before its kill, the round's index is compared
#    with the reference and a new round starts on an empty index.
cat >"$WORK/killer.py" <<'PYTHON'
import os, random, signal, sqlite3, sys, time
pid, index, kind, arg, skip = int(sys.argv[1]), sys.argv[2], sys.argv[3], float(sys.argv[4]), int(sys.argv[5])
seg_dir = os.path.join(index, "segments")
def open_segments():
    try:
        names = os.listdir(f"/proc/{pid}/fd")
    except OSError:
        return None
    found = []
    for n in names:
        try:
            target = os.readlink(f"/proc/{pid}/fd/{n}")
        except OSError:
            continue
        if target.startswith(seg_dir + "/") and target.endswith(".seg"):
            found.append(target)
    return found
def unpublished():
    try:
        on_disk = set(os.listdir(seg_dir))
        db = sqlite3.connect(f"file:{index}/catalog.sqlite?mode=ro", uri=True, timeout=0.05)
        listed = {r[0] for r in db.execute("SELECT file FROM segments")}
        db.close()
        return bool(on_disk - listed)
    except Exception:
        return False
def syscalls():
    calls = set()
    try:
        for t in os.listdir(f"/proc/{pid}/task"):
            try:
                calls.add(open(f"/proc/{pid}/task/{t}/syscall").read().split()[0])
            except OSError:
                pass
    except OSError:
        pass
    return calls
def phase():
    segs = open_segments()
    if segs is None:
        return "exited"
    if segs:
        return "segment-fsync" if "74" in syscalls() else "segment-write"
    if unpublished():
        return "catalog-commit"
    return "work"
deadline = time.monotonic() + arg
if kind == "delay":
    time.sleep(arg)
else:
    # Wait for a segment file to be opened (or give up at the deadline: twice the uninterrupted
    # run), after letting `skip` segment files be written and closed.
    while True:
        while time.monotonic() < deadline and open_segments() == []:
            time.sleep(0.0002)
        if skip <= 0 or time.monotonic() >= deadline:
            break
        while time.monotonic() < deadline and open_segments():
            time.sleep(0.0002)
        skip -= 1
    if kind == "catalog":
        while time.monotonic() < deadline and open_segments():
            time.sleep(0.0002)
        time.sleep(random.uniform(0, 0.003))
p = phase()
try:
    os.kill(pid, signal.SIGKILL)
except ProcessLookupError:
    p = "exited"
print(p)
PYTHON
[ -n "$MAX_DELAY" ] || MAX_DELAY=$(awk -v t="$RUN_TIME" 'BEGIN { printf "%.3f", 1.2 * t }')
echo "== $KILLS kills, seed $SEED, random delays up to ${MAX_DELAY}s"
RANDOM=$SEED
round=1 IDX="$WORK/crashed-1"
prev_docs=0 killed=0 finished=0 orphaned=0 grew=0 aimed=0 committed_kills=0
declare -A PHASES=()
printf '%5s %5s %-7s %7s %-14s %-8s %9s %8s %6s %s\n' kill round kind delay phase outcome documents segments orphan checks | tee "$WORK/kills.txt"
attempts=0
for ((i = 1; killed < KILLS && i <= 3 * KILLS; i++)); do
    attempts=$i
    delay=$(awk -v r1=$RANDOM -v r2=$RANDOM -v m="$MAX_DELAY" 'BEGIN { printf "%.3f", 0.02 + (m - 0.02) * (r1 * 32768 + r2) / 1073741824 }')
    if [ $((RANDOM % 100)) -lt "$RANDOM_SHARE" ]; then kind=random; elif [ $((RANDOM % 2)) = 0 ]; then kind=segment; else kind=catalog; fi
    skip=$((RANDOM % (AIM_AFTER + 1)))
    [ "$kind" = random ] && arg=$delay || arg=$(awk -v t="$RUN_TIME" 'BEGIN { printf "%.3f", 2 * t + 2 }')
    t=$(now)
    "$BIN" ingest "$BATCH" --index "$IDX" --memory "$MEMORY" --format json >"$WORK/ingest-$i.log" 2>&1 &
    pid=$!
    phase=$(python3 "$WORK/killer.py" "$pid" "$IDX" "$([ "$kind" = random ] && echo delay || echo "$kind")" "$arg" "$skip")
    { wait "$pid"; } 2>/dev/null
    rc=$?
    delay=$(elapsed "$t")
    problems=""
    case $rc in
        137) outcome=killed; killed=$((killed + 1)); PHASES[$phase]=$(( ${PHASES[$phase]:-0} + 1 )); [ "$kind" = random ] || aimed=$((aimed + 1)) ;;
        0) outcome=finished; finished=$((finished + 1)); phase=- ;;
        *) outcome="exit-$rc"; problems+=" ingest failed: $(tail -1 "$WORK/ingest-$i.log");" ;;
    esac
    docs=- segs=- orphans=-
    if [ -e "$IDX/catalog.sqlite" ]; then
        if "$BIN" verify --index "$IDX" --format json >"$WORK/verify-$i.json" 2>"$WORK/verify-$i.err"; then
            orphans=$(jq .orphanFiles "$WORK/verify-$i.json")
            [ "$orphans" -gt 0 ] && orphaned=$((orphaned + 1))
        else
            problems+=" verify failed: $(jq -r '.problems[]? | select(.severity == "error") | .file + ": " + .message' "$WORK/verify-$i.json" 2>/dev/null | head -3) $(cat "$WORK/verify-$i.err");"
        fi
        if "$BIN" stats --index "$IDX" --format json >"$WORK/stats-$i.json" 2>&1; then
            docs=$(jq .documents "$WORK/stats-$i.json")
            segs=$(jq .segments "$WORK/stats-$i.json")
            if [ "$docs" -lt "$prev_docs" ]; then problems+=" documents decreased from $prev_docs to $docs;"; fi
            [ "$outcome" = killed ] && [ "$docs" -gt 0 ] && committed_kills=$((committed_kills + 1))
            [ "$docs" -gt "$prev_docs" ] && grew=$((grew + 1))
            prev_docs=$docs
        else
            problems+=" stats failed: $(cat "$WORK/stats-$i.json");"
        fi
        "$BIN" search "regeringen" --index "$IDX" --limit 3 --format json >"$WORK/search-$i.json" 2>&1 \
            || problems+=" search failed: $(cat "$WORK/search-$i.json");"
    fi
    if [ -z "$problems" ]; then pass; checks=ok; else FAILED=$((FAILED + 1)); checks="FAILED:$problems"; fi
    printf '%5d %5d %-7s %7s %-14s %-8s %9s %8s %6s %s\n' "$i" "$round" "$kind" "$delay" "$phase" "$outcome" "$docs" "$segs" "$orphans" "$checks" | tee -a "$WORK/kills.txt"
    if [ "$outcome" = finished ] && [ "$killed" -lt "$KILLS" ]; then
        echo "   round $round complete: comparing with the reference, then a new round on an empty index"
        compare "round-$round" "$IDX" "$WORK/reference"
        round=$((round + 1)) IDX="$WORK/crashed-$round" prev_docs=0
    fi
done
PHASE_SUMMARY=$(for k in "${!PHASES[@]}"; do echo "$k ${PHASES[$k]}"; done | sort | awk '{ printf "%s%s %s", (NR > 1 ? ", " : ""), $1, $2 }')

# 6. An uninterrupted ingest completes what the kills left, and the result equals the reference.
echo "== final uninterrupted ingest"
if "$BIN" ingest "$BATCH" --index "$IDX" --memory "$MEMORY" --format json >"$WORK/final.json" 2>&1; then
    pass
    echo "   $(jq -c '{added, updated, unchanged, failed, segments}' "$WORK/final.json")"
else
    fail "final ingest: $(cat "$WORK/final.json")"
fi
"$BIN" verify --index "$IDX" --format json >"$WORK/verify-final.json" 2>&1
if [ "$(jq '.errors + .warnings' "$WORK/verify-final.json" 2>/dev/null)" = 0 ]; then pass; else fail "final verify (errors or warnings):"; cat "$WORK/verify-final.json"; fi
compare "round-$round" "$IDX" "$WORK/reference"
FINAL_DOCS=$(sqlite3 -readonly "$IDX/catalog.sqlite" "SELECT COUNT(*) FROM documents")
FINAL_SEGS=$(sqlite3 -readonly "$IDX/catalog.sqlite" "SELECT COUNT(*) FROM segments")

echo "== summary"
echo "batch $NFILES files ($BYTES bytes); reference $REF_DOCS documents in ${REF_TIME}s; --memory $MEMORY run ${RUN_TIME}s, $RUN_SEGMENTS segments"
[ "$killed" -ge "$KILLS" ] && pass || fail "only $killed of $KILLS kills hit a running ingest in $attempts attempts"
# A kill before the first commit of a round only tests an empty index: at least a third of the
# kills must find committed documents.
[ $((3 * committed_kills)) -ge "$killed" ] && [ "$committed_kills" -gt 0 ] && pass \
    || fail "only $committed_kills of $killed kills left an index with committed documents (a larger batch or a smaller --memory is needed)"
echo "kills: $attempts attempts in $round rounds: $killed killed a running ingest ($aimed aimed at a segment write or a catalog commit; phase at the kill: $PHASE_SUMMARY), $finished found it finished; $committed_kills left committed documents, $grew grew the index, $orphaned left an unpublished segment file"
echo "after the final ingest: $FINAL_DOCS documents in $FINAL_SEGS segments; seed $SEED; total time $(elapsed "$START")s"
echo "$PASSED passed, $FAILED failed"
[ "$FAILED" = 0 ]
