#!/bin/sh
# Makes corpus/'s PDFs from the project's own documents with LibreOffice (headless), so CI needs
# no LibreOffice: the small results are committed with this script. Run from the repository root:
#
#     scripts/make-corpus-pdfs.sh
#
# 1. corpus/Gymnasienämnden/Riskanalys Office 365 (2015).pdf — the 2015 risk analysis as the
#    board would have sent it: its HTML with the municipality's letterhead (NORRVIKA KOMMUN above
#    the board / diarienummer table) in place of the missing logo image, printed to PDF by
#    LibreOffice Writer (A4), with the document information LibreOffice writes (Title from the
#    HTML title, Creator "Writer", Producer "LibreOffice …").
set -eu
command -v soffice >/dev/null || { echo "soffice is not installed: apt-get install libreoffice-writer" >&2; exit 2; }
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
src="corpus/Gymnasienämnden/Riskanalys Office 365 (2015).html"
out="corpus/Gymnasienämnden"
name="Riskanalys Office 365 (2015)"
# The letterhead: the logo image (not in the release) becomes the municipality's name in capitals.
sed 's|<p><img src="norrvika_logo.gif" alt="Norrvika kommun"></p>|<p style="font-size:16pt"><b>NORRVIKA KOMMUN</b></p>|' "$src" > "$work/$name.html"
grep -q "NORRVIKA KOMMUN" "$work/$name.html" || { echo "the letterhead was not inserted" >&2; exit 1; }
soffice -env:UserInstallation="file://$work/profile" --headless --infilter="HTML (StarWriter)" \
    --convert-to pdf:writer_pdf_Export --outdir "$work" "$work/$name.html" >/dev/null
cp "$work/$name.pdf" "$out/$name.pdf"
pdfinfo "$out/$name.pdf" | grep -E '^(Title|Creator|Producer|Pages):'
