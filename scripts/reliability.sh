#!/usr/bin/env bash
# The reliability suite of issue 8, in a short form (CI: `make reliability-short`, after `make test`,
# under 5 minutes) or a long form (by hand). See docs/reliability.md.
#
#   fuzz         long: scripts/fuzz.sh, libFuzzer + AddressSanitizer over the HTML, XML, e-mail and
#                text extractors, the tokenizer/analyzer and the query parser/searcher.
#                short: scripts/fuzz.sh --replay, no libFuzzer: the same seeds (corpus/, a spread of
#                ../shared/data, the kept regression inputs, the built-in queries) and mutated
#                copies of them go through the same target functions in the test bundle `make test`
#                built (debug, no sanitizer). Building the sanitized driver alone takes minutes,
#                which the short form cannot afford; libFuzzer runs only in the long form.
#   crash        scripts/crash-test.sh: SIGKILLs during ingests, verify after each
#   disk-full    scripts/disk-full-test.sh: an ingest into a full tmpfs (root only: reported as
#                SKIPPED otherwise; a root that cannot mount fails the step)
#   concurrency  scripts/concurrency-test.sh: searches, stats, lists and shows in a loop while
#                ingests and merges write
#   hostile      (long form) the hostile-file tests and the fuzz regression inputs of the test
#                suite: `swift test --filter 'Hostile|FuzzRegression'` (the short form leaves them
#                to `make test`, which runs them)
#
#                short (debug build of `make test`)      long (release build)
#   fuzz         replay: 30 seed files per kind + the    100,000 libFuzzer runs per target,
#                kept inputs, 8 mutations each           inputs up to 4 KiB, 2 at a time
#   crash        10 kills, 150 files; 80 % aimed, after  50 kills, 2,000 files; 50 % aimed,
#                0-2 segment files of the attempt        at the first segment file
#   disk-full    640 KiB tmpfs, 200 files                3 MiB tmpfs, 2,000 files
#   concurrency  150 files, 10 changed                   2,000 files, 50 changed
#
# The short form's crash, disk-full and concurrency steps take their batches (an even spread) from
# the files of ../shared/data up to 256 KiB (the few larger ones, up to 4 MB of JSON or TSV, take a
# debug build seconds each). They set DIARIUM_LEXICON to every 10th word of the system word list:
# a debug build spends 5-7 s building the compound splitter from the whole list in each process
# (every ingest and search), 0.5 s from the sample. Compound parts are still made; the long form
# uses the whole list.
#
# Usage: scripts/reliability.sh --short|--long [--binary PATH] [--scratch-path DIR]
#                               [--steps fuzz,crash,...] [--keep]
#   --binary PATH       the diarium binary to test (default: short SCRATCH/debug/diarium, which
#                       `make test` builds, else a release build in .build-rel; long: a release
#                       build in .build-rel)
#   --scratch-path DIR  short form: the SwiftPM build folder of `make test` (default .build), whose
#                       test bundle replays the fuzz seeds
#   --steps LIST        run only these steps
#   --keep              keep the work folders (under /tmp/diarium-reliability.*)
# Installs jq and sqlite3 with apt-get when they are missing and it runs as root. Prints each
# step's result and its time, then `N passed, M failed, K skipped` (one per step). Exits 1 if a
# step failed.
set -u
set -o pipefail

MODE="" BINARY="" STEPS="" KEEP=0 SCRATCH=.build
while [ $# -gt 0 ]; do
    case "$1" in
        --short) MODE=short; shift ;;
        --long) MODE=long; shift ;;
        --binary) BINARY="$2"; shift 2 ;;
        --steps) STEPS="$2"; shift 2 ;;
        --scratch-path) SCRATCH="$2"; shift 2 ;;
        --keep) KEEP=1; shift ;;
        -h|--help) sed -n '2,/^set -u/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
        *) echo "reliability: unknown option $1 (see --help)" >&2; exit 2 ;;
    esac
done
[ -n "$MODE" ] || { echo "reliability: give --short or --long (see --help)" >&2; exit 2; }
[ -n "$STEPS" ] || { if [ "$MODE" = long ]; then STEPS="fuzz,crash,disk-full,concurrency,hostile"; else STEPS="fuzz,crash,disk-full,concurrency"; fi; }

ROOT="$(cd "$(dirname "$0")/.." && pwd)"
cd "$ROOT"
START=$(date +%s)
WORK="$(mktemp -d /tmp/diarium-reliability.XXXXXX)"
cleanup() { if [ "$KEEP" = 0 ]; then rm -rf "$WORK"; else echo "kept $WORK"; fi; }
trap cleanup EXIT
trap 'exit 130' INT TERM

# Tools the scripts need.
missing=""
for pair in jq:jq sqlite3:sqlite3 python3:python3; do
    command -v "${pair%%:*}" >/dev/null || missing="$missing ${pair##*:}"
done
if [ -n "$missing" ]; then
    if [ "$(id -u)" = 0 ]; then
        echo "== installing$missing"
        apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $missing >/dev/null \
            || { echo "reliability: could not install$missing" >&2; exit 2; }
    else
        echo "reliability: needs$missing (apt-get install$missing)" >&2; exit 2
    fi
fi

# The binary under test.
if [ -z "$BINARY" ] && [ "$MODE" = short ] && [ -x "$SCRATCH/debug/diarium" ]; then BINARY="$SCRATCH/debug/diarium"; fi
if [ -z "$BINARY" ]; then
    echo "== building diarium (swift build -c release --product diarium --scratch-path .build-rel)"
    t=$(date +%s)
    swift build -c release --product diarium --scratch-path .build-rel >"$WORK/build.log" 2>&1 \
        || { tail -30 "$WORK/build.log"; echo "reliability: build failed" >&2; exit 2; }
    BINARY=.build-rel/release/diarium
    echo "   built in $(( $(date +%s) - t ))s"
fi
case "$BINARY" in /*) ;; *) BINARY="$ROOT/$BINARY" ;; esac
echo "== reliability --$MODE with $BINARY; steps: $STEPS"

PASSED=0 FAILED=0 SKIPPED=0
RESULTS=()
step() {  # name limit-seconds command...
    local name="$1" limit="$2"; shift 2
    [[ ",$STEPS," == *",$name,"* ]] || return 0
    echo
    echo "==== $name: $*"
    local t rc last
    t=$(date +%s)
    timeout --kill-after=30 "$limit" "$@" 2>&1 | tee "$WORK/$name.log"
    rc=$?
    last=$(grep -E '^[0-9]+ passed, [0-9]+ failed' "$WORK/$name.log" | tail -1)
    [ -n "$last" ] || last=$(grep -E 'Test run with [0-9]+ tests? .* (passed|failed)' "$WORK/$name.log" | tail -1)
    if [ "$rc" = 0 ]; then
        PASSED=$((PASSED + 1)); RESULTS+=("ok    $name ($(( $(date +%s) - t ))s): $last")
    else
        [ "$rc" = 124 ] && last="timed out after ${limit}s; $last"
        FAILED=$((FAILED + 1)); RESULTS+=("FAIL  $name ($(( $(date +%s) - t ))s, exit $rc): $last")
    fi
}

keep=(); [ "$KEEP" = 0 ] || keep=(--keep)
if [ "$MODE" = short ]; then
    # Sizes of the short form (measured in docs/reliability.md).
    SEED_FILES=30 MUTATIONS=8 KILLS=10 CRASH_FILES=150 DF_SIZE=640k DF_FILES=200 CONC_FILES=150 CONC_CHANGED=10
    DATA="$ROOT/../shared/data"
    [ -d "$DATA" ] || { echo "reliability: data folder $DATA not found" >&2; exit 2; }
    # The files up to 256 KiB (hard links where possible); each step takes its own even spread.
    mkdir -p "$WORK/data"
    (cd "$DATA" && find . -type f ! -name '.*' -size -257k -print0 | xargs -0 cp -l --parents -t "$WORK/data" 2>/dev/null) \
        || (cd "$DATA" && find . -type f ! -name '.*' -size -257k -print0 | xargs -0 cp -p --parents -t "$WORK/data")
    # The sampled word list (see the header).
    LEXICON="${DIARIUM_LEXICON:-/usr/share/dict/swedish}"
    [ -r "$LEXICON" ] || { echo "reliability: word list $LEXICON not found (apt-get install wswedish)" >&2; exit 2; }
    awk 'NR % 10 == 1' "$LEXICON" >"$WORK/lexicon"
    echo "== data: the $(find "$WORK/data" -type f | wc -l) files up to 256 KiB of $DATA; lexicon: $(wc -l <"$WORK/lexicon") words of $LEXICON"
    sampled=(env DIARIUM_LEXICON="$WORK/lexicon")

    step fuzz 300 scripts/fuzz.sh --replay --mutations "$MUTATIONS" --seed-files "$SEED_FILES" --diarium "$BINARY" --test-scratch-path "$SCRATCH" "${keep[@]}"
    step crash 300 "${sampled[@]}" scripts/crash-test.sh --kills "$KILLS" --files "$CRASH_FILES" --random-share 20 --aim-after 2 --data "$WORK/data" --binary "$BINARY" --seed 1 "${keep[@]}"
    if [ "$(id -u)" = 0 ]; then
        step disk-full 300 "${sampled[@]}" scripts/disk-full-test.sh --size "$DF_SIZE" --files "$DF_FILES" --data "$WORK/data" --binary "$BINARY" "${keep[@]}"
    elif [[ ",$STEPS," == *",disk-full,"* ]]; then
        SKIPPED=$((SKIPPED + 1)); RESULTS+=("SKIPPED disk-full: not run as root, so no tmpfs can be mounted (CI runs as root)")
    fi
    step concurrency 300 "${sampled[@]}" scripts/concurrency-test.sh --files "$CONC_FILES" --changed "$CONC_CHANGED" --data "$WORK/data" --binary "$BINARY" "${keep[@]}"
else
    step fuzz 5400 scripts/fuzz.sh --runs 100000 --jobs 2 --max-len 4096 --diarium "$BINARY" --out "$WORK/fuzz-findings" "${keep[@]}"
    step crash 3600 scripts/crash-test.sh --kills 50 --files 2000 --binary "$BINARY" "${keep[@]}"
    if [ "$(id -u)" = 0 ]; then
        step disk-full 900 scripts/disk-full-test.sh --size 3m --files 2000 --binary "$BINARY" "${keep[@]}"
    else
        SKIPPED=$((SKIPPED + 1)); RESULTS+=("SKIPPED disk-full: not run as root, so no tmpfs can be mounted")
    fi
    step concurrency 1800 scripts/concurrency-test.sh --files 2000 --changed 50 --binary "$BINARY" "${keep[@]}"
    step hostile 1800 bash -c 'swift build --build-tests >/dev/null && swift test --skip-build --filter "Hostile|FuzzRegression"'
fi

echo
echo "==== reliability --$MODE: $(( $(date +%s) - START ))s"
for r in "${RESULTS[@]}"; do echo "$r"; done
echo "$PASSED passed, $FAILED failed, $SKIPPED skipped"
[ "$FAILED" = 0 ]
