#!/usr/bin/env bash
# Disk-full test for diarium. Needs root (it mounts a tmpfs); never part of `make test`.
# See docs/reliability.md.
#
# Mounts a small tmpfs, ingests a batch larger than it into an index there with a 1 MiB memory
# budget (several commits before the disk fills), and checks that the ingest fails with an
# error naming a file of the index and saying "No space left on device", that `diarium verify`
# passes on what was committed before, and that stats and search work. Then it grows the tmpfs,
# ingests again, and checks that the completed index verifies and equals a reference index
# built on an ordinary disk. Unmounts at exit. Prints `N passed, M failed`; exits 1 on any failure.
#
# Usage: scripts/disk-full-test.sh [--size SIZE] [--files N] [--memory MiB] [--data DIR] [--work DIR]
#                                  [--scratch-path DIR] [--binary PATH] [--keep]
#   --size SIZE        tmpfs size, as mount(8) takes it (default 3m)
#   --files N          files of the data folder in the batch, an even spread of it (default 2000)
#   --memory MiB       memory budget of the ingest (default 1)
#   --data DIR         source folder (default ../shared/data, beside the repository)
#   --work DIR         scratch folder (default: a new folder under /tmp); removed unless --keep
#   --scratch-path DIR SwiftPM build folder (default .build)
#   --binary PATH      use this diarium binary instead of building one
#   --keep             keep the scratch folder (the index is copied out of the tmpfs first)
set -u
set -o pipefail

SIZE=3m FILES=2000 MEMORY=1 DATA="" WORK="" SCRATCH=".build" BINARY="" KEEP=0
while [ $# -gt 0 ]; do
    case "$1" in
        --size) SIZE="$2"; shift 2 ;;
        --files) FILES="$2"; shift 2 ;;
        --memory) MEMORY="$2"; shift 2 ;;
        --data) DATA="$2"; shift 2 ;;
        --work) WORK="$2"; shift 2 ;;
        --scratch-path) SCRATCH="$2"; shift 2 ;;
        --binary) BINARY="$2"; shift 2 ;;
        --keep) KEEP=1; shift ;;
        -h|--help) sed -n '2,/^set -u/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
        *) echo "disk-full-test: unknown option $1 (see --help)" >&2; exit 2 ;;
    esac
done

[ "$(id -u)" = 0 ] || { echo "disk-full-test: must run as root (it mounts a tmpfs)" >&2; exit 2; }
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
cd "$ROOT"
[ -n "$DATA" ] || DATA="$ROOT/../shared/data"
[ -d "$DATA" ] || { echo "disk-full-test: data folder $DATA not found" >&2; exit 2; }
for tool in jq sqlite3; do
    command -v "$tool" >/dev/null || { echo "disk-full-test: $tool is required (apt-get install $tool)" >&2; exit 2; }
done
if [ -z "$WORK" ]; then WORK="$(mktemp -d /tmp/diarium-diskfull.XXXXXX)"; else mkdir -p "$WORK"; fi
MNT="$WORK/mnt"
MOUNTED=0
cleanup() {
    if [ "$MOUNTED" = 1 ]; then
        [ "$KEEP" = 0 ] || cp -a "$MNT/index" "$WORK/index-from-tmpfs" 2>/dev/null
        umount "$MNT" && echo "unmounted $MNT"
    fi
    if [ "$KEEP" = 0 ]; then rm -rf "$WORK"; else echo "kept $WORK"; fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

START=$(date +%s.%N)
PASSED=0 FAILED=0
check() {  # description, then a command: passes when the command succeeds
    local what="$1"; shift
    if "$@"; then PASSED=$((PASSED + 1)); echo "ok:   $what"; else FAILED=$((FAILED + 1)); echo "FAIL: $what"; fi
}

if [ -z "$BINARY" ]; then
    echo "== building (swift build -c release --product diarium --scratch-path $SCRATCH)"
    swift build -c release --product diarium --scratch-path "$SCRATCH" >"$WORK/build.log" 2>&1 \
        || { tail -30 "$WORK/build.log"; echo "disk-full-test: build failed" >&2; exit 2; }
    BINARY="$(swift build -c release --product diarium --scratch-path "$SCRATCH" --show-bin-path)/diarium"
fi
BIN="$BINARY"

# The batch: every k-th file of the data folder (sorted).
BATCH="$WORK/batch"
mkdir -p "$BATCH"
TOTAL=$(cd "$DATA" && find . -type f ! -name '.*' | wc -l)
STEP=$(( TOTAL / FILES )); [ "$STEP" -ge 1 ] || STEP=1
(cd "$DATA" && find . -type f ! -name '.*' -print0 | LC_ALL=C sort -z \
    | awk -v RS='\0' -v ORS='\0' -v step="$STEP" -v n="$FILES" '(NR - 1) % step == 0 && c < n { c++; print }' \
    | xargs -0 cp -p --parents -t "$BATCH")
echo "== batch: $(find "$BATCH" -type f | wc -l) files, $(du -sb "$BATCH" | cut -f1) bytes"

echo "== reference index on an ordinary disk"
"$BIN" ingest "$BATCH" --index "$WORK/reference" --format json >"$WORK/reference.json" 2>&1 \
    || { cat "$WORK/reference.json"; echo "disk-full-test: reference ingest failed" >&2; exit 2; }
echo "   $(sqlite3 -readonly "$WORK/reference/catalog.sqlite" "SELECT COUNT(*) FROM documents") documents, $(du -sb "$WORK/reference" | cut -f1) bytes on disk"

echo "== ingest into a $SIZE tmpfs"
mkdir -p "$MNT"
mount -t tmpfs -o "size=$SIZE" tmpfs "$MNT" || { echo "disk-full-test: cannot mount a tmpfs on $MNT" >&2; exit 2; }
MOUNTED=1
IDX="$MNT/index"
"$BIN" ingest "$BATCH" --index "$IDX" --memory "$MEMORY" >"$WORK/full.out" 2>"$WORK/full.err"
rc=$?
MESSAGE="$(cat "$WORK/full.err")"
echo "   exit $rc: $MESSAGE"
echo "   tmpfs: $(df -k "$MNT" | awk 'NR == 2 { print $3 " KiB used of " $2 " KiB" }')"
check "the ingest fails (exit $rc)" [ "$rc" -ne 0 ]
check "the error says \"No space left on device\"" grep -q "No space left on device" "$WORK/full.err"
check "the error names a file of the index" grep -qF "$IDX/" "$WORK/full.err"
COMMITTED=$(sqlite3 -readonly "$IDX/catalog.sqlite" "SELECT COUNT(*) FROM documents" 2>/dev/null || echo 0)
SEGMENTS=$(sqlite3 -readonly "$IDX/catalog.sqlite" "SELECT COUNT(*) FROM segments" 2>/dev/null || echo 0)
echo "   committed before the disk filled: $COMMITTED documents in $SEGMENTS segments"
check "some commits succeeded before the disk filled ($COMMITTED documents)" [ "$COMMITTED" -gt 0 ]
"$BIN" verify --index "$IDX" >"$WORK/verify-full.txt" 2>&1
vrc=$?
sed 's/^/   /' "$WORK/verify-full.txt"
check "diarium verify passes on what was committed" [ "$vrc" = 0 ]
quiet() { "$@" >/dev/null 2>&1; }
check "diarium stats works" quiet "$BIN" stats --index "$IDX"
check "diarium search works" quiet "$BIN" search regeringen --index "$IDX"

echo "== grow the tmpfs and ingest again"
mount -o "remount,size=256m" "$MNT" || { echo "disk-full-test: cannot grow the tmpfs" >&2; exit 2; }
check "the ingest completes" quiet "$BIN" ingest "$BATCH" --index "$IDX" --memory "$MEMORY"
"$BIN" verify --index "$IDX" --format json >"$WORK/verify-after.json" 2>&1
check "diarium verify passes, without warnings" [ "$(jq '.errors + .warnings' "$WORK/verify-after.json")" = 0 ]
inventory() {  # one line per catalog row, without ids
    sqlite3 -readonly -separator $'\t' "$1/catalog.sqlite" \
        "SELECT path, part, sha256, size, format, status, coalesce(title,''), coalesce(year,''), text_length, segment_id IS NOT NULL
         FROM documents ORDER BY path, part"
}
same_inventory() { diff <(inventory "$WORK/reference") <(inventory "$IDX") >"$WORK/inventory.diff" || { head -20 "$WORK/inventory.diff"; return 1; }; }
check "the inventory equals the reference's" same_inventory
hits() { "$BIN" search "$2" --index "$1" --limit 0 --format json | jq -c '{total, paths: ([.hits[].path] | sort)}'; }
same_hits() { for q in regeringen riskanalys "förordning om statsbidrag"; do [ "$(hits "$WORK/reference" "$q")" = "$(hits "$IDX" "$q")" ] || return 1; done; }
check "search results equal the reference's" same_hits

echo "== summary"
echo "disk full at $SIZE: exit $rc, \"$MESSAGE\"; $COMMITTED documents in $SEGMENTS segments committed before; total time $(awk -v a="$START" -v b="$(date +%s.%N)" 'BEGIN { printf "%.1f", b - a }')s"
echo "$PASSED passed, $FAILED failed"
[ "$FAILED" = 0 ]
