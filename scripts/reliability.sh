#!/usr/bin/env bash
# The reliability suite of issue 8, in a short form (CI, under 5 minutes after `make test`) or a
# long form. See docs/reliability.md.
#
#   fuzz         scripts/fuzz.sh: libFuzzer + AddressSanitizer over the HTML, XML, e-mail and text
#                extractors, the tokenizer/analyzer and the query parser/searcher
#   crash        scripts/crash-test.sh: SIGKILLs during ingests, verify after each
#   disk-full    scripts/disk-full-test.sh: an ingest into a full tmpfs (root only; skipped otherwise)
#   concurrency  scripts/concurrency-test.sh: searches, stats, lists and shows in a loop while
#                ingests (and merges, once `diarium optimize` exists) write
#   hostile      (long form) the hostile-file tests and the fuzz regression inputs of the test
#                suite: `swift test --filter 'Hostile|FuzzRegression'` (the short form leaves them
#                to `make test`, which runs them)
#
#                short                               long
#   fuzz         2,000 runs per target (debug build) 100,000 runs per target (release), 2 at a time
#                inputs up to 4 KiB                  inputs up to 4 KiB
#   crash        5 kills, 300 files                  50 kills, 2,000 files
#   disk-full    3 MiB tmpfs, 1,000 files            3 MiB tmpfs, 2,000 files
#   concurrency  300 files                           2,000 files
#
# Usage: scripts/reliability.sh --short|--long [--binary PATH] [--steps fuzz,crash,...] [--keep]
#   --binary PATH   the diarium binary to test (default: short .build/debug/diarium when `make test`
#                   built it, else a release build in .build-rel; long: a release build in .build-rel)
#   --steps LIST    run only these steps
#   --keep          keep the work folders (under /tmp/diarium-reliability.*)
# Installs jq and sqlite3 with apt-get when they are missing and it runs as root. Prints each
# step's result and its time, then `N passed, M failed` (one per step). Exits 1 if a step failed.
set -u
set -o pipefail

MODE="" BINARY="" STEPS="" KEEP=0
while [ $# -gt 0 ]; do
    case "$1" in
        --short) MODE=short; shift ;;
        --long) MODE=long; shift ;;
        --binary) BINARY="$2"; shift 2 ;;
        --steps) STEPS="$2"; shift 2 ;;
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
if [ -z "$BINARY" ] && [ "$MODE" = short ] && [ -x .build/debug/diarium ]; then BINARY=.build/debug/diarium; fi
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

PASSED=0 FAILED=0
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
    step fuzz 900 scripts/fuzz.sh --runs 2000 --debug --max-len 4096 --seed-files 60 --jobs 2 --diarium "$BINARY" --seed 1 "${keep[@]}"
    step crash 900 scripts/crash-test.sh --kills 5 --files 300 --binary "$BINARY" --seed 1 "${keep[@]}"
    if [ "$(id -u)" = 0 ]; then
        step disk-full 900 scripts/disk-full-test.sh --size 3m --files 1000 --binary "$BINARY" "${keep[@]}"
    else
        RESULTS+=("skip  disk-full (needs root)")
    fi
    step concurrency 600 scripts/concurrency-test.sh --files 300 --changed 20 --binary "$BINARY" "${keep[@]}"
else
    step fuzz 5400 scripts/fuzz.sh --runs 100000 --jobs 2 --max-len 4096 --diarium "$BINARY" --out "$WORK/fuzz-findings" "${keep[@]}"
    step crash 3600 scripts/crash-test.sh --kills 50 --files 2000 --binary "$BINARY" "${keep[@]}"
    if [ "$(id -u)" = 0 ]; then
        step disk-full 900 scripts/disk-full-test.sh --size 3m --files 2000 --binary "$BINARY" "${keep[@]}"
    else
        RESULTS+=("skip  disk-full (needs root)")
    fi
    step concurrency 1800 scripts/concurrency-test.sh --files 2000 --changed 50 --binary "$BINARY" "${keep[@]}"
    step hostile 1800 bash -c 'swift build --build-tests >/dev/null && swift test --skip-build --filter "Hostile|FuzzRegression"'
fi

echo
echo "==== reliability --$MODE: $(( $(date +%s) - START ))s"
for r in "${RESULTS[@]}"; do echo "$r"; done
echo "$PASSED passed, $FAILED failed"
[ "$FAILED" = 0 ]
