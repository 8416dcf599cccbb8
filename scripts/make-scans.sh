#!/usr/bin/env bash
# Makes the scanned documents of corpus/ and the OCR test fixtures from the HTML sources in
# scripts/scans/ (issue 14). The results are committed, so neither CI nor `make demo` needs the
# programs used here: chromium (HTML → PDF and screenshots), poppler-utils (pdftoppm, pdfunite)
# ImageMagick (noise, skew, bilevel scan images) and libtiff-tools (tiff2pdf: a G4 TIFF into an
# image-only PDF without recompressing it).
#
#   corpus/Kultur- och fritidsnämnden/Skannad handling 2017.pdf
#       a signed protocol extract, scanned: image-only PDF (300 dpi, bilevel, CCITT G4), with
#       scanner noise and a 0.7° skew, dated by the scanner 2017-09-25
#   corpus/Byggnadsnämnden/Protokoll byggnadsnämnden 2020-06-10 § 71.pdf
#       a PDF merging a born-digital page (text layer) and a scanned, signed page (image only)
#   corpus/Kultur- och fritidsnämnden/Skärmbild bokningssystem.png
#       a screenshot of the booking system (PNG)
#   Tests/Fixtures/ocr/two-frames.tif
#       a multi-page TIFF (two frames, bilevel G4), for the OCR tests
#
# Usage: scripts/make-scans.sh   (from the repository root; rewrites the files above)
set -euo pipefail
cd "$(dirname "$0")/.."
src=scripts/scans
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

for p in chromium pdftoppm pdfunite convert tiff2pdf tiffset; do
    command -v "$p" >/dev/null || { echo "make-scans: $p is not installed" >&2; exit 1; }
done

# HTML → PDF with chromium (the inline SVG signatures need a browser's renderer).
html_to_pdf() { # source.html out.pdf
    chromium --headless --no-sandbox --disable-gpu --no-pdf-header-footer --print-to-pdf="$2" "file://$PWD/$1" 2>/dev/null
}

# A page "scanned": rendered at 300 dpi grey, scanner noise (fixed seed), a slight skew, then
# thresholded to black and white as an office scanner's document mode does.
scan_page() { # in.pdf page out.tif skew
    pdftoppm -r 300 -gray -f "$2" -l "$2" "$1" "$work/page"
    convert "$work"/page-*.pgm -seed 14 -attenuate 0.6 +noise Gaussian -background white -rotate "$4" +repage \
        -blur 0x0.6 -threshold 58% -type bilevel -compress Group4 -density 300 -units PixelsPerInch "$3"
    rm -f "$work"/page-*.pgm
}

# 1. The scanned signed protocol: image-only PDF.
html_to_pdf "$src/kfn-2017-protokoll.html" "$work/kfn.pdf"
scan_page "$work/kfn.pdf" 1 "$work/kfn.tif" 0.7
# The scanner's clock (TIFF DateTime, which tiff2pdf writes as the PDF's CreationDate and
# ModDate): a week after the meeting. Without it the PDF would say it was made the day this
# script ran, and with --ocr off that would be the document's only date.
tiffset -s 306 "2017:09:25 10:14:00" "$work/kfn.tif"
tiff2pdf -o "corpus/Kultur- och fritidsnämnden/Skannad handling 2017.pdf" "$work/kfn.tif"

# 2. The merged PDF: page 1 born digital, page 2 the scanned signature page.
html_to_pdf "$src/bn-2020-protokoll.html" "$work/bn1.pdf"
html_to_pdf "$src/bn-2020-justering.html" "$work/bn2.pdf"
scan_page "$work/bn2.pdf" 1 "$work/bn2.tif" -0.5
tiff2pdf -o "$work/bn2-scan.pdf" "$work/bn2.tif"
pdfunite "$work/bn1.pdf" "$work/bn2-scan.pdf" "corpus/Byggnadsnämnden/Protokoll byggnadsnämnden 2020-06-10 § 71.pdf"

# 3. The screenshot.
chromium --headless --no-sandbox --disable-gpu --hide-scrollbars --window-size=900,330 --force-device-scale-factor=2 \
    --screenshot="$work/shot.png" "file://$PWD/$src/bokningssystem.html" 2>/dev/null
convert "$work/shot.png" -strip -colors 32 "corpus/Kultur- och fritidsnämnden/Skärmbild bokningssystem.png"

# 4. A two-frame TIFF for the tests: the top of each scanned page, one frame each.
convert "$work/kfn.tif" -crop 2480x800+0+0 +repage "$work/f1.tif"
convert "$work/bn2.tif" -crop 2480x800+0+0 +repage "$work/f2.tif"
convert "$work/f1.tif" "$work/f2.tif" -compress Group4 -density 300 -units PixelsPerInch Tests/Fixtures/ocr/two-frames.tif

ls -l "corpus/Kultur- och fritidsnämnden/Skannad handling 2017.pdf" "corpus/Byggnadsnämnden/Protokoll byggnadsnämnden 2020-06-10 § 71.pdf" \
      "corpus/Kultur- och fritidsnämnden/Skärmbild bokningssystem.png" Tests/Fixtures/ocr/two-frames.tif
