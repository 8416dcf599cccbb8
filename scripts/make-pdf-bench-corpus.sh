#!/usr/bin/env bash
# Generates the text-PDF corpus of the PDF speed benchmark (docs/benchmarks.md, "PDF text"):
# the 19 agency regulations of ../shared/data/ferenda/myndfskr/*.txt printed to PDF once by
# LibreOffice (headless; real embedded fonts with ToUnicode maps, as authorities' PDFs have),
# then N files (default 1,000) each merging 1 to 3 of them with qpdf in a seeded random order,
# so the files differ in content, size and page count. Not committed (about 60 MB).
#
# Usage: scripts/make-pdf-bench-corpus.sh OUT_DIR [N] [DATA_DIR]
set -euo pipefail
out=${1:?usage: scripts/make-pdf-bench-corpus.sh OUT_DIR [N] [DATA_DIR]}
n=${2:-1000}
data=${3:-../shared/data}
for p in soffice qpdf pdfinfo; do command -v $p >/dev/null || { echo "$p is not installed" >&2; exit 2; }; done
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
mkdir -p "$out" "$work/base"
cp "$data"/ferenda/myndfskr/*.txt "$work/base/"
soffice -env:UserInstallation="file://$work/profile" --headless --convert-to pdf --outdir "$work/pdf" "$work"/base/*.txt >/dev/null 2>&1
base=("$work"/pdf/*.pdf)
echo "${#base[@]} base PDFs, $(for f in "${base[@]}"; do pdfinfo "$f" | awk '/^Pages:/ {print $2}'; done | paste -sd+ | bc) pages"
RANDOM=14
for i in $(seq 1 "$n"); do
    k=$((1 + RANDOM % 3)); pick=()
    for _ in $(seq 1 $k); do pick+=("${base[$((RANDOM % ${#base[@]}))]}"); done
    qpdf --empty --pages "${pick[@]}" -- "$out/$(printf 'handling-%05d.pdf' "$i")"
done
echo "$n PDFs in $out: $(du -sh "$out" | cut -f1), $(for f in "$out"/*.pdf; do pdfinfo "$f" | awk '/^Pages:/ {print $2}'; done | paste -sd+ | bc) pages"
