#!/usr/bin/env bash
# The linker of the release `diarium` executable on Linux (Package.swift,
# `staticCLibrariesInRelease`): gold, with the C libraries taken from their static archives
# instead of their shared objects. The Swift driver puts every library it autolinks
# (`-lsqlite3` from GRDB's SQLite module, `-lzstd`, `-lstemmer`, `-lxml2`, `-lz`) inside the
# link group, before any flag a target can give, so a `-Bstatic` from Package.swift comes too
# late; here each is rewritten to `-l:libNAME.a`. libxml2's own dependencies (ICU, liblzma)
# join them in the group, and libstdc++'s archive comes once more before the compiler runtime
# (`-lgcc`), where a C++ link names it, for the C++ of the static Foundation libraries listed
# after the group. clang passes the arguments in a response file (`@FILE`). The archives come
# with the Debian -dev packages the Makefile installs (libxml2-dev brings libicu-dev).
set -euo pipefail
# The same rewrite for the arguments in a response file (each one in double quotes) and for
# those given directly.
rewrite='s/"-l\(sqlite3\|zstd\|stemmer\|xml2\|z\|stdc++\)"/"-l:lib\1.a"/g
s/"--end-group"/"-l:libicuuc.a" "-l:libicudata.a" "-l:liblzma.a" "-l:libz.a" "-l:libstdc++.a" "-lm" "--end-group"/g
s/"-lgcc"/"-l:libstdc++.a" "-lm" "-lgcc"/g'
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
args=()
n=0
for a in "$@"; do
    n=$((n + 1))
    if [[ "$a" == @* ]]; then
        sed -e "$rewrite" "${a#@}" > "$tmp/$n"
    else
        printf '"%s"\n' "$a" | sed -e "$rewrite" > "$tmp/$n"
    fi
    args+=("@$tmp/$n")
done
ld.gold "${args[@]}"
