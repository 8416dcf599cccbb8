#!/bin/bash
# Instructions executed inside Searcher.run (evaluation + the page's catalog read, stored text
# and snippets) per query, one column per diarium binary: callgrind with --toggle-collect on
# Searcher.run, one `diarium search` per query and binary. Instruction counts do not depend on
# the machine's load, so old and new binaries compare on a shared machine. valgrind cannot read
# the Swift binaries' debug info: pass copies stripped with `strip -g` (symbols stay).
#
# A query line may start with search options, separated from the query by a tab
# (`--sort date<TAB>världen`, `--count<TAB>-världen`). With `--sort` the count is taken inside
# `Searcher.search(_:limit:offset:countTotal:order:)` instead (the fast-field order, which
# does not call `Searcher.run`).
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
run_symbol='$s13DiariumSearch8SearcherC3run_5limit6offset10countTotal8strategy8snippetsAA0B6ResultVSS_S2iSbAC8StrategyOSbtKF'
sort_symbol='$s13DiariumSearch8SearcherC6search_5limit6offset10countTotal5orderAA0B6ResultVSS_S2iSbAA0B5OrderOtKF'
printf "query"
for b in "$@"; do printf "\t%s" "$(basename "$b")"; done
printf "\n"
while IFS= read -r line; do
  [ -z "$line" ] && continue
  options=()
  q=$line
  if [[ $line == *$'\t'* ]]; then
    read -r -a options <<< "${line%%$'\t'*}"
    q=${line#*$'\t'}
  fi
  symbol=$run_symbol
  [[ " ${options[*]-} " == *" --sort "* ]] && symbol=$sort_symbol
  printf "%s" "$line"
  for bin in "$@"; do
    valgrind --tool=callgrind --callgrind-out-file="$out" --toggle-collect="$symbol" \
      "$bin" search --index "$index" ${options[@]+"${options[@]}"} -- "$q" > /dev/null 2>&1
    printf "\t%s" "$(awk '/^summary:/ {print $2}' "$out")"
  done
  printf "\n"
done < "$queries"
