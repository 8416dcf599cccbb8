#!/usr/bin/env bash
# The linker of the release `diarium` executable on Linux (Package.swift,
# `staticCLibrariesInRelease`): gold, with the C libraries taken from their static archives
# instead of their shared objects. The Swift driver puts every library it autolinks
# (`-lsqlite3` from GRDB's SQLite module, `-lzstd`, `-lstemmer`, `-lxml2`, `-lz`) inside the
# link group, before any flag a target can give, so a `-Bstatic` from Package.swift comes too
# late; here each is rewritten to `-l:libNAME.a`. libxml2's own dependencies (ICU, liblzma)
# join them in the group, and libstdc++'s archive comes once more before the compiler runtime
# (`-lgcc`), where a C++ link names it, for the C++ of the static Foundation libraries listed
# after the group. clang passes the arguments in a response file (`@FILE`, each argument in
# double quotes); an argument given directly is quoted the same way here. If no `-lxml2` was
# rewritten, clang wrote its arguments in some other form: the link stops with that said,
# rather than quietly linking the shared libraries. The archives come with the Debian -dev
# packages the Makefile installs (`make deps`).
set -euo pipefail
command -v ld.gold >/dev/null || { echo "link-static-c.sh: ld.gold not found (Debian package binutils or binutils-gold)" >&2; exit 1; }
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
        # Backslashes and quotes escaped, as a response file needs them inside quotes.
        printf '%s\n' "$a" | sed -e 's/[\\"]/\\&/g; s/.*/"&"/' | sed -e "$rewrite" > "$tmp/$n"
    fi
    args+=("@$tmp/$n")
done
grep -q -F '"-l:libxml2.a"' "$tmp"/* || { echo "link-static-c.sh: no -lxml2 among the linker's arguments to take from its static archive; the Swift driver's arguments changed form" >&2; exit 1; }
ld.gold "${args[@]}" || {
    status=$?
    echo "link-static-c.sh: the release link takes the static archives of libsqlite3-dev, libzstd-dev, libstemmer-dev, libxml2-dev, libicu-dev, liblzma-dev and zlib1g-dev: install them with \`make deps\`" >&2
    exit $status
}
