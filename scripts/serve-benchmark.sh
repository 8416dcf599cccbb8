#!/usr/bin/env bash
# Latency of `diarium serve` under 20 concurrent clients on loopback (docs/benchmarks.md):
# wrk, bounded in time, against a search page and the same search through the API, on an index of
# corpus/ and one of ../shared/data. Builds nothing: give the release binary.
#
# Usage: scripts/serve-benchmark.sh [--binary .build/release/diarium] [--duration 15s]
#                                   [--connections 20] [--data ../shared/data] [--keep]
set -euo pipefail
cd "$(dirname "$0")/.."
binary=.build/release/diarium
duration=15s
connections=20
data=../shared/data
keep=0
while [ $# -gt 0 ]; do
    case "$1" in
        --binary) binary=$2; shift 2 ;;
        --duration) duration=$2; shift 2 ;;
        --connections) connections=$2; shift 2 ;;
        --data) data=$2; shift 2 ;;
        --keep) keep=1; shift ;;
        *) echo "unknown option $1" >&2; exit 2 ;;
    esac
done
command -v wrk >/dev/null || { echo "wrk is not installed: apt-get install wrk" >&2; exit 2; }
[ -x "$binary" ] || { echo "$binary is not built: swift build -c release --product diarium" >&2; exit 2; }
binary=$(realpath "$binary")
scratch=$(mktemp -d /tmp/diarium-serve-bench.XXXXXX)
server=""
cleanup() {
    if [ -n "$server" ]; then kill "$server" 2>/dev/null || true; wait "$server" 2>/dev/null || true; fi
    [ "$keep" = 1 ] || rm -rf "$scratch"
}
trap cleanup EXIT

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }

bench() {  # name index files-root query…
    local name=$1 index=$2 root=$3
    shift 3
    local port
    port=$(free_port)
    "$binary" serve --index "$index" --files "$root" --port "$port" > "$scratch/serve-$name.log" 2>&1 &
    server=$!
    for _ in $(seq 50); do curl -sf "http://127.0.0.1:$port/api/stats" >/dev/null && break; sleep 0.1; done
    for q in "$@"; do
        for path in "/?q=$q" "/api/search?q=$q"; do
            curl -sf "http://127.0.0.1:$port$path" >/dev/null  # warm: snapshot, facet rows
            echo "== $name  $path"
            wrk -t2 -c"$connections" -d"$duration" --latency "http://127.0.0.1:$port$path" \
                | grep -E '^\s+(50|99)%|Requests/sec|Non-2xx|Socket errors'
        done
    done
    kill "$server"; wait "$server" 2>/dev/null || true; server=""
}

echo "machine: $(nproc) cores, load $(cut -d' ' -f1-3 /proc/loadavg); wrk -t2 -c$connections -d$duration --latency"
"$binary" ingest corpus --index "$scratch/corpus-index" >/dev/null
bench corpus "$scratch/corpus-index" . "riskanalys+2015+Office+365"
if [ -d "$data" ]; then
    ( cd "$(dirname "$data")" && "$binary" ingest "$(basename "$data")" --index "$scratch/data-index" >/dev/null )
    echo "data: $("$binary" stats --index "$scratch/data-index" | head -1)"
    bench data "$scratch/data-index" "$(dirname "$data")" "riskanalys" "regeringen+beslut+2019"
fi
