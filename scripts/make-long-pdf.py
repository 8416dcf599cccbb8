#!/usr/bin/env python3
"""One long text PDF for the memory benchmark of issue 14 item 7 (docs/benchmarks.md, "A 2,000-page
PDF"), written the way Tests/DiariumTestSupport/MiniPDF.swift writes the 2,000-page PDF of
PagedSearchTests: every page a header line, 40 lines of text and a footer `Sida N av PAGES`, in
Helvetica with WinAnsiEncoding, one content stream per page, a plain cross-reference table. The
40 lines are real Swedish: the lines of the agency regulations in ../shared/data/ferenda/myndfskr,
in order, wrapped at 90 characters and taken round-robin, so the pages differ and the text is
as dense as a printed protocol (about 3.5 KB a page).

usage: python3 scripts/make-long-pdf.py OUT.pdf [--pages 2000] [--data ../shared/data]
"""
import argparse, glob, os, textwrap

HERE = os.path.dirname(os.path.abspath(__file__))


def literal(s):
    out = "("
    for ch in s:
        o = ord(ch)
        if ch in "()\\":
            out += "\\" + ch
        elif o < 0x80:
            out += ch
        elif o <= 0xFF:
            out += "\\%03o" % o
        else:
            out += "?"
    return out + ")"


def lines_of(data):
    out = []
    for path in sorted(glob.glob(os.path.join(data, "ferenda", "myndfskr", "*.txt"))):
        for para in open(path, encoding="utf-8", errors="replace").read().split("\n"):
            para = " ".join(para.split())
            if para:
                out += textwrap.wrap(para, 90)
    if not out:
        raise SystemExit(f"no text under {data}/ferenda/myndfskr")
    return out


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("out")
    ap.add_argument("--pages", type=int, default=2000)
    ap.add_argument("--data", default=os.path.join(os.path.dirname(os.path.dirname(HERE)), "shared", "data"))
    args = ap.parse_args()
    text = lines_of(args.data)
    objects = [b"<< /Type /Catalog /Pages 2 0 R >>",
               ("<< /Type /Pages /Kids [" + " ".join(f"{4 + 2 * i} 0 R" for i in range(args.pages)) + f"] /Count {args.pages} >>").encode(),
               b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>"]
    k = 0
    for n in range(1, args.pages + 1):
        page = ["Norrvika kommun  Protokoll kommunfullmäktige 2019", ""]
        for _ in range(40):
            page.append(text[k % len(text)])
            k += 1
        page.append(f"Sida {n} av {args.pages}")
        content = "BT /F1 9 Tf 12 TL 50 800 Td\n" + "".join(literal(l) + " Tj T*\n" for l in page) + "ET\n"
        data = content.encode("latin-1", errors="replace")
        objects.append(f"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Resources << /Font << /F1 3 0 R >> >> /Contents {5 + 2 * (n - 1)} 0 R >>".encode())
        objects.append(b"<< /Length %d >>\nstream\n" % len(data) + data + b"\nendstream")
    out = bytearray(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")
    offsets = []
    for i, o in enumerate(objects):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % (i + 1) + o + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1) + b"".join(b"%010d 00000 n \n" % o for o in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref)
    with open(args.out, "wb") as f:
        f.write(out)
    print(f"{args.out}: {args.pages} pages, {len(out) / 1e6:.1f} MB")


if __name__ == "__main__":
    main()
