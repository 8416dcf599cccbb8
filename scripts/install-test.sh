#!/usr/bin/env bash
# `make install` into a scratch prefix (debug build, as `make test` left it), then check what a
# user gets: the binary answers --version, `man -l` renders every page with its examples, and
# the bash completion script, sourced, completes diarium's subcommands.
set -euo pipefail
cd "$(dirname "$0")/.."
prefix=$(mktemp -d)
trap 'rm -rf "$prefix"' EXIT
make --no-print-directory install PREFIX="$prefix" CONFIG="${CONFIG:-debug}" >/dev/null
passed=0 failed=0
check() {  # check NAME COMMAND…
    if "${@:2}" >/dev/null 2>&1; then passed=$((passed + 1)); else failed=$((failed + 1)); echo "FAILED: $1"; fi
}
version=$("$prefix/bin/diarium" --version)
check "--version names the index format" grep -q "catalog format v" <<<"$version"
for page in diarium diarium.search diarium.ingest diarium.list diarium.report; do
    check "man page $page renders" test -s "$prefix/share/man/man1/$page.1"
    check "man page $page has NAME" bash -c "MANWIDTH=80 man -l '$prefix/share/man/man1/$page.1' | grep -q '^NAME'"
done
check "search's man page shows its examples" bash -c "MANWIDTH=100 man -l '$prefix/share/man/man1/diarium.search.1' | grep -q 'diarium search riskanalys 2015 Office 365'"
check "list's man page shows the spreadsheet export" bash -c "MANWIDTH=120 man -l '$prefix/share/man/man1/diarium.list.1' | grep -q 'xlsx-csv --separator'"
check "zsh completion installed" test -s "$prefix/share/zsh/site-functions/_diarium"
check "fish completion installed" grep -q "diarium" "$prefix/share/fish/vendor_completions.d/diarium.fish"
# Source the bash completion and ask it to complete `diarium se`.
completion=$(PATH="$prefix/bin:$PATH" bash -c "
    source '$prefix/share/bash-completion/completions/diarium'
    COMP_WORDS=(diarium se); COMP_CWORD=1; COMP_LINE='diarium se'; COMP_POINT=\${#COMP_LINE}
    func=\$(complete -p diarium | sed -E 's/.*-F ([^ ]+) .*/\1/')
    \"\$func\" diarium se diarium
    printf '%s\n' \"\${COMPREPLY[@]}\"")
check "bash completion completes 'diarium se' to search" grep -qx "search" <<<"$completion"
echo "install-test: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
