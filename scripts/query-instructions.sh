#!/bin/bash
# Instructions executed inside Searcher.run (evaluation + the page's catalog read, stored text
# and snippets) per query, one column per diarium binary: callgrind with --toggle-collect on
# Searcher.run, one `diarium search` per query and binary. Instruction counts do not depend on
# the machine's load, so old and new binaries compare on a shared machine. valgrind cannot read
# the Swift binaries' debug info: pass copies stripped with `strip -g` (symbols stay).
#
# usage: scripts/query-instructions.sh QUERY_FILE INDEX_DIR DIARIUM_BINARY...
set -euo pipefail
if [ $# -lt 3 ]; then
  echo "usage: $0 QUERY_FILE INDEX_DIR DIARIUM_BINARY..." >&2
  exit 2
fi
queries=$1; index=$2; shift 2
out=$(mktemp)
trap 'rm -f "$out"' EXIT
symbol='$s13DiariumSearch8SearcherC3run_5limit6offset10countTotal8strategy8snippetsAA0B6ResultVSS_S2iSbAC8StrategyOSbtKF'
printf "query"
for b in "$@"; do printf "\t%s" "$(basename "$b")"; done
printf "\n"
while IFS= read -r q; do
  [ -z "$q" ] && continue
  printf "%s" "$q"
  for bin in "$@"; do
    valgrind --tool=callgrind --callgrind-out-file="$out" --toggle-collect="$symbol" \
      "$bin" search --index "$index" "$q" > /dev/null 2>&1
    printf "\t%s" "$(awk '/^summary:/ {print $2}' "$out")"
  done
  printf "\n"
done < "$queries"
