#!/usr/bin/env bash
# libFuzzer (with AddressSanitizer) over diarium's fuzz targets. See docs/reliability.md.
#
# Builds the driver in Fuzz/ with `-sanitize=fuzzer,address`, assembles a seed corpus per target
# under the work folder (corpus/, an even spread of ../shared/data, the inputs kept in
# Tests/Fixtures/fuzz/<target>/, and built-in queries), builds an index of corpus/ for the query
# target, and runs each target for a fixed number of runs. A crash, a timeout or an out-of-memory
# input is written to OUT/<target>/ (crash-*, timeout-*, oom-*, slow-unit-*); keep it as a
# regression input in Tests/Fixtures/fuzz/<target>/ once fixed. Prints per target the runs done,
# the seconds taken and the findings, then `N passed, M failed` (one per target). Exits 1 when a
# target found something or did not complete its runs.
#
# Targets (Sources/DiariumFuzzing/FuzzTargets.swift): html, xml, email, text (as .txt, .md and
# without an extension), tokenizer (Tokenizer on raw bytes, Analyzer on the text), pdf (poppler's
# output: pages, page starts, OCR flags, repeated lines, pdftotext -htmlmeta, pdfinfo/XMP,
# pdftoppm's grey images, the page map), ocr
# (tesseract's TSV: pages, words, confidences; a TIFF's frame chain), query (parse,
# plan, explain and search an index of corpus/), zip (archives, OOXML and ODF packages), cfb
# (compound files: .msg, old Office, encrypted OOXML), rtf, segment and catalog (a damaged copy
# of a template index, every command run on it; not in the default list: --targets
# segment,catalog).
#
# With --replay (the short form of scripts/reliability.sh) no driver is built and libFuzzer does
# not run: the seeds are assembled as above and replayed, each with --mutations mutated copies
# (bytes flipped, cut, repeated, spliced with syntax; a fixed seed), through the same target
# functions by the test bundle `make test` built (`swift test --skip-build --filter
# FuzzRegressionTests`, debug, no sanitizer; see Tests/DiariumFuzzTests). It catches crashes,
# broken invariants and hangs (the step's time limit) on those inputs, not memory errors that
# only AddressSanitizer sees.
#
# Usage: scripts/fuzz.sh [--runs N] [--jobs J] [--targets html,xml,...] [--max-len BYTES] [--timeout S]
#                        [--seed-files N] [--out DIR] [--work DIR] [--scratch-path DIR] [--debug]
#                        [--diarium PATH] [--data DIR] [--seed S] [--keep]
#        scripts/fuzz.sh --replay [--mutations N] [--seed-files N] [--test-scratch-path DIR]
#                        [--diarium PATH] [--data DIR] [--work DIR] [--keep]
#   --runs N            runs per target (default 10000)
#   --jobs J            targets fuzzed at the same time (default 1)
#   --targets LIST      comma-separated targets (default: the eleven of the files and queries)
#   --max-len BYTES     longest input libFuzzer makes (default 16384; longer seeds are cut)
#   --timeout S         seconds one input may take before it is a finding (default 25)
#   --seed-files N      files of ../shared/data per target as seeds, an even spread (default 300)
#   --out DIR           where findings go (default WORK/findings)
#   --work DIR          scratch folder (default: a new folder under /tmp); removed unless --keep
#                       or a target found something
#   --scratch-path DIR  SwiftPM build folder of the driver (default .build-fuzz)
#   --debug             build the driver in debug (faster to build, slower to run)
#   --diarium PATH      diarium binary that builds the query target's index (default: the first
#                       of .build-rel/release, .build/release and .build/debug that exists; else
#                       one is built in .build-rel)
#   --data DIR          the shared data folder (default ../shared/data)
#   --seed S            libFuzzer's random seed (default: libFuzzer picks one)
#   --replay            replay the seeds through the tests' debug build instead of fuzzing
#   --mutations N       with --replay: mutated copies of each seed (default 10)
#   --test-scratch-path DIR  with --replay: the SwiftPM build folder of the tests (default .build)
#   --keep              keep the work folder
set -u
set -o pipefail

RUNS=10000 TARGETS="html,xml,email,text,tokenizer,query,pdf,ocr,zip,cfb,rtf" MAX_LEN=16384 TIMEOUT=25 SEED_FILES=300 JOBS=1
OUT="" WORK="" SCRATCH=".build-fuzz" CONFIG=release DIARIUM="" DATA="" SEED="" KEEP=0
REPLAY=0 MUTATIONS=10 TEST_SCRATCH=".build"
while [ $# -gt 0 ]; do
    case "$1" in
        --runs) RUNS="$2"; shift 2 ;;
        --jobs) JOBS="$2"; shift 2 ;;
        --targets) TARGETS="$2"; shift 2 ;;
        --max-len) MAX_LEN="$2"; shift 2 ;;
        --timeout) TIMEOUT="$2"; shift 2 ;;
        --seed-files) SEED_FILES="$2"; shift 2 ;;
        --out) OUT="$2"; shift 2 ;;
        --work) WORK="$2"; shift 2 ;;
        --scratch-path) SCRATCH="$2"; shift 2 ;;
        --debug) CONFIG=debug; shift ;;
        --diarium) DIARIUM="$2"; shift 2 ;;
        --data) DATA="$2"; shift 2 ;;
        --seed) SEED="$2"; shift 2 ;;
        --replay) REPLAY=1; shift ;;
        --mutations) MUTATIONS="$2"; shift 2 ;;
        --test-scratch-path) TEST_SCRATCH="$2"; shift 2 ;;
        --keep) KEEP=1; shift ;;
        -h|--help) sed -n '2,/^set -u/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
        *) echo "fuzz: unknown option $1 (see --help)" >&2; exit 2 ;;
    esac
done

ROOT="$(cd "$(dirname "$0")/.." && pwd)"
cd "$ROOT"
[ -n "$DATA" ] || DATA="$ROOT/../shared/data"
[ -d "$DATA" ] || { echo "fuzz: data folder $DATA not found (seeds come from corpus/ only)" >&2; DATA=""; }
case "$SCRATCH" in /*) ;; *) SCRATCH="$ROOT/$SCRATCH" ;; esac
if [ -z "$WORK" ]; then WORK="$(mktemp -d /tmp/diarium-fuzz.XXXXXX)"; else mkdir -p "$WORK"; fi
[ -n "$OUT" ] || OUT="$WORK/findings"
mkdir -p "$OUT"
FOUND=0
cleanup() {
    if [ "$KEEP" = 0 ] && [ "$FOUND" = 0 ]; then rm -rf "$WORK"; else echo "kept $WORK"; fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM
START=$(date +%s)

# 1. Build the driver. SwiftPM 6.3 on Linux: -parse-as-library because the driver has no Swift
#    main (FuzzMain.c hands `main` to libFuzzer's LLVMFuzzerRunDriver).
if [ "$REPLAY" = 0 ]; then
    echo "== building the fuzz driver ($CONFIG, -sanitize=fuzzer,address, --scratch-path $SCRATCH)"
    BUILD=(swift build -c "$CONFIG" --package-path "$ROOT/Fuzz" --scratch-path "$SCRATCH"
           -Xswiftc -sanitize=fuzzer,address -Xswiftc -parse-as-library)
    "${BUILD[@]}" >"$WORK/build.log" 2>&1 || { tail -30 "$WORK/build.log"; echo "fuzz: build failed" >&2; exit 2; }
    DRIVER="$("${BUILD[@]}" --show-bin-path)/diarium-fuzz"
    [ -x "$DRIVER" ] || { echo "fuzz: $DRIVER not built" >&2; exit 2; }
fi

# 2. Seeds: one folder per target. Files of the shared data are an even spread of the sorted
#    list of each kind (every k-th), named by their number so that equal names cannot collide.
SEEDS="$WORK/seeds"
spread() {  # target n pattern... : copy an even spread of n matching files of DATA and corpus/
    local target="$1" n="$2"; shift 2
    local dir="$SEEDS/$target" expr=() p i=0
    mkdir -p "$dir"
    for p in "$@"; do expr+=(-o -iname "$p"); done
    expr=("${expr[@]:1}")
    {
        find "$ROOT/corpus" -type f \( "${expr[@]}" \) -print0 | LC_ALL=C sort -z
        if [ -n "$DATA" ]; then
            local total step
            total=$(find "$DATA" -type f \( "${expr[@]}" \) | wc -l)
            step=$(( total / (n > 0 ? n : 1) )); [ "$step" -ge 1 ] || step=1
            find "$DATA" -type f \( "${expr[@]}" \) -print0 | LC_ALL=C sort -z \
                | awk -v RS='\0' -v ORS='\0' -v step="$step" -v n="$n" '(NR - 1) % step == 0 && c < n { c++; print }'
        fi
    } | while IFS= read -r -d '' f; do
        i=$((i + 1)); cp "$f" "$dir/$(printf %05d "$i").${f##*.}"
    done
}
spread html "$SEED_FILES" '*.html' '*.htm' '*.xhtml'
spread xml "$SEED_FILES" '*.xml' '*.rdf' '*.atom' '*.xsd'
spread email "$SEED_FILES" '*.eml'
spread text "$SEED_FILES" '*.txt' '*.md' '*.ttl' '*.n3' '*.json'
spread tokenizer "$SEED_FILES" '*.txt' '*.md'
spread zip "$SEED_FILES" '*.zip' '*.docx' '*.xlsx' '*.pptx' '*.odt' '*.ods' '*.odp'
spread cfb "$SEED_FILES" '*.msg' '*.doc' '*.xls' '*.ppt'
spread rtf "$SEED_FILES" '*.rtf'
# pdf: what poppler prints for real PDFs (pdftotext in diarium's layout mode, with -htmlmeta,
# pdfinfo, XMP, pdftoppm's 10 dpi grey images of the blank-page test).
mkdir -p "$SEEDS/pdf"
if command -v pdftotext >/dev/null; then
    i=0
    find "$DATA" "$ROOT/corpus" -type f -iname '*.pdf' -print0 2>/dev/null | LC_ALL=C sort -z | head -z -n "$SEED_FILES" \
        | while IFS= read -r -d '' f; do
            i=$((i + 1))
            pdftotext -layout -enc UTF-8 "$f" "$SEEDS/pdf/$(printf %05d "$i").txt" 2>/dev/null || true
            pdftotext -layout -htmlmeta -enc UTF-8 "$f" "$SEEDS/pdf/$(printf %05d "$i").html" 2>/dev/null || true
            pdftoppm -r 10 -gray -f 1 -l 2 "$f" >"$SEEDS/pdf/$(printf %05d "$i").pgm" 2>/dev/null || true
            pdfinfo -isodates "$f" >"$SEEDS/pdf/$(printf %05d "$i").info" 2>/dev/null || true
        done
fi
# ocr: tesseract's TSV for the test images, and the images themselves (TIFF frame chains).
mkdir -p "$SEEDS/ocr"
cp "$ROOT/Tests/Fixtures/ocr/two-frames.tif" "$SEEDS/ocr/two-frames.tif"
if command -v tesseract >/dev/null; then
    for f in "$ROOT/Tests/Fixtures/ocr/two-frames.tif" "$ROOT/corpus/Kultur- och fritidsnämnden/Skärmbild bokningssystem.png"; do
        OMP_THREAD_LIMIT=1 tesseract "$f" stdout -l swe+eng tsv >"$SEEDS/ocr/$(basename "$f").tsv" 2>/dev/null || true
    done
fi
mkdir -p "$SEEDS/query"
i=0
while IFS= read -r q; do
    i=$((i + 1)); printf '%s' "$q" >"$SEEDS/query/$(printf %05d "$i").q"
done <<'QUERIES'
riskanalys 2015 Office 365
"Office 365"
riskanal*
DPIA för O365 year:2020..2022 -utkast
org:teknisk type:informationsklassning
dnr:"GYN 2015/112"
(policy OR riktlinje) year:2017..2019
atgarder molntjanster
personuppgiftsbiträdesavtal
trafiksignalstyrning zebrafinkar
title:"risk och" year:>=2018
moln NOT policy
KS-2015-0123 e-post anders.nyberg@example.se
https://www.norrvika.se/dokument?id=1
risk- och sårbarhetsanalys
((a b) OR c) -"d e" format:html lang:sv path:Gymnasienämnden
QUERIES
mkdir -p "$SEEDS/segment" "$SEEDS/catalog"  # damaged-index targets: their kept inputs are their seeds
for t in html xml email text tokenizer query pdf ocr zip cfb rtf segment catalog; do
    [ -d "Tests/Fixtures/fuzz/$t" ] && find "Tests/Fixtures/fuzz/$t" -type f ! -name README.md -exec cp {} "$SEEDS/$t/" \;
done
cp "$SEEDS"/email/* "$SEEDS/text/" 2>/dev/null  # mail without an extension: format sniffing

# 3. The query target's index: corpus/, built with the diarium binary.
if [[ ",$TARGETS," == *",query,"* ]]; then
    if [ -z "$DIARIUM" ]; then
        for b in .build-rel/release/diarium .build/release/diarium .build/debug/diarium; do
            [ -x "$b" ] && { DIARIUM="$b"; break; }
        done
    fi
    if [ -z "$DIARIUM" ]; then
        echo "== building diarium (release, .build-rel) for the query target's index"
        swift build -c release --product diarium --scratch-path .build-rel >"$WORK/build-diarium.log" 2>&1 \
            || { tail -30 "$WORK/build-diarium.log"; echo "fuzz: diarium build failed" >&2; exit 2; }
        DIARIUM=.build-rel/release/diarium
    fi
    "$DIARIUM" ingest corpus --index "$WORK/query-index" >"$WORK/query-index.log" 2>&1 \
        || { cat "$WORK/query-index.log"; echo "fuzz: could not build the query index" >&2; exit 2; }
fi

# 4 (--replay). Replay the seeds and their mutations through the tests' debug build: one test case
#    per target (all thirteen, whatever --targets says), which prints its inputs and runs.
if [ "$REPLAY" = 1 ]; then
    echo "== replaying the seeds, $MUTATIONS mutations each, through the test bundle in $TEST_SCRATCH (no sanitizer)"
    for t in html xml email text tokenizer query pdf ocr zip cfb rtf segment catalog; do echo "   $t: $(find "$SEEDS/$t" -type f | wc -l) seeds"; done
    DIARIUM_FUZZ_SEEDS="$SEEDS" DIARIUM_FUZZ_MUTATIONS="$MUTATIONS" DIARIUM_FUZZ_INDEX="$WORK/query-index" \
        swift test --skip-build --scratch-path "$TEST_SCRATCH" --filter 'FuzzRegressionTests' >"$WORK/replay.log" 2>&1
    rc=$?
    grep -E '^fuzz replay:' "$WORK/replay.log" | sed 's/^fuzz replay: /   /'
    PASSED=0 FAILED=0
    for t in html xml email text tokenizer query pdf ocr zip cfb rtf segment catalog; do
        if grep -qE "^fuzz replay: $t: [0-9]+ inputs" "$WORK/replay.log"; then PASSED=$((PASSED + 1)); else FAILED=$((FAILED + 1)); echo "FAIL: $t was not replayed"; fi
    done
    grep -q '^fuzz replay: query: .*, with an index' "$WORK/replay.log" || { FAILED=$((FAILED + 1)); echo "FAIL: the query target had no index"; }
    if [ "$rc" != 0 ]; then
        FAILED=$((FAILED + 1)); FOUND=1
        echo "FAIL: swift test exited $rc:"
        grep -E 'Expectation failed|Fatal error|precondition|error:|failed after|Test run' "$WORK/replay.log" | head -40
    fi
    grep -E 'Test run with' "$WORK/replay.log" | tail -1
    echo "== summary ($(( $(date +%s) - START ))s)"
    echo "$PASSED passed, $FAILED failed"
    [ "$FAILED" = 0 ]
    exit
fi

# 4. Run each target (--jobs at a time), each for --runs runs.
run_target() {  # target → WORK/result-TARGET: runs seconds seeds findings exit
    local t="$1" dict=() seedflag=() nseeds t0 rc secs runs findings
    mkdir -p "$WORK/corpus/$t" "$OUT/$t"
    case "$t" in
        html|xml) dict=(-dict="$ROOT/Fuzz/dicts/xml.dict") ;;
        email) dict=(-dict="$ROOT/Fuzz/dicts/email.dict") ;;
        query) dict=(-dict="$ROOT/Fuzz/dicts/query.dict") ;;
    esac
    [ -z "$SEED" ] || seedflag=(-seed="$SEED")
    nseeds=$(find "$SEEDS/$t" -type f | wc -l)
    t0=$(date +%s)
    # Leak checks are off: caches that live until exit (stems, compound parts) read as leaks.
    DIARIUM_FUZZ_TARGET="$t" DIARIUM_FUZZ_INDEX="$WORK/query-index" \
    ASAN_OPTIONS="detect_leaks=0:allocator_may_return_null=1:handle_abort=1" \
        "$DRIVER" -runs="$RUNS" -max_len="$MAX_LEN" -timeout="$TIMEOUT" -rss_limit_mb=4096 -malloc_limit_mb=2048 \
        -print_final_stats=1 -artifact_prefix="$OUT/$t/" "${dict[@]}" "${seedflag[@]}" \
        "$WORK/corpus/$t" "$SEEDS/$t" >"$WORK/$t.log" 2>&1
    rc=$?
    secs=$(( $(date +%s) - t0 ))
    runs=$(grep -o 'stat::number_of_executed_units: *[0-9]*' "$WORK/$t.log" | grep -o '[0-9]*$' | tail -1)
    [ -n "$runs" ] || runs=$(grep -o '^#[0-9]*' "$WORK/$t.log" | tr -d '#' | tail -1)
    [ -n "$runs" ] || runs=0
    findings=$(find "$OUT/$t" -type f | wc -l)
    echo "$runs $secs $nseeds $findings $rc" >"$WORK/result-$t"
    echo "   $t: $runs runs in ${secs}s, $findings finding(s)"
}

IFS=, read -r -a LIST <<<"$TARGETS"
for t in "${LIST[@]}"; do
    case "$t" in html|xml|email|text|tokenizer|query|pdf|segment|catalog) ;; *) echo "fuzz: unknown target $t" >&2; exit 2 ;; esac
done
echo "== fuzzing ${LIST[*]}: $RUNS runs each, $JOBS at a time, -max_len=$MAX_LEN -timeout=$TIMEOUT"
for t in "${LIST[@]}"; do
    while [ "$(jobs -rp | wc -l)" -ge "$JOBS" ]; do wait -n; done
    run_target "$t" &
done
wait

PASSED=0 FAILED=0 TOTAL_RUNS=0
SUMMARY="$WORK/summary.tsv"
printf 'target\truns\tseconds\tseeds\tfindings\n' >"$SUMMARY"
for t in "${LIST[@]}"; do
    read -r runs secs nseeds findings rc <"$WORK/result-$t" || { runs=0 secs=0 nseeds=0 findings=0 rc=1; }
    TOTAL_RUNS=$((TOTAL_RUNS + runs))
    printf '%s\t%s\t%s\t%s\t%s\n' "$t" "$runs" "$secs" "$nseeds" "$findings" >>"$SUMMARY"
    if [ "$rc" = 0 ] && [ "$findings" = 0 ] && [ "$runs" -ge "$RUNS" ]; then
        PASSED=$((PASSED + 1))
    else
        FAILED=$((FAILED + 1)); FOUND=1
        echo "FAIL: $t: exit $rc after $runs runs in ${secs}s, $findings finding(s) in $OUT/$t:"
        find "$OUT/$t" -type f | sed 's/^/   /'
        grep -E -A30 'ERROR: (AddressSanitizer|libFuzzer)|Fatal error|deadly signal' "$WORK/$t.log" | head -60
    fi
done

echo "== summary ($(( $(date +%s) - START ))s in all, $TOTAL_RUNS runs)"
column -t -s $'\t' "$SUMMARY" 2>/dev/null || cat "$SUMMARY"
echo "$PASSED passed, $FAILED failed"
[ "$FAILED" = 0 ]
