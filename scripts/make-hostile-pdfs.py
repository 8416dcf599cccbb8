#!/usr/bin/env python3
"""The hostile PDFs of issue 14 as files (the same ones PDFTests.hostilePDFsGetAReasonWithinTheLimits
makes at test time with MiniPDF), for measuring an ingest of them (docs/reliability.md, "Hostile
PDFs"): truncated, a page-tree loop, a cross-reference table claiming a billion objects, 100,000
pages, a 64 MiB content stream of operators that draw nothing, an encrypted one (qpdf, when
installed), a PDF behind a ZIP header, and one good PDF.

usage: python3 scripts/make-hostile-pdfs.py OUT_DIR
"""
import os, shutil, subprocess, sys


def assemble(objects, info=None, size=None):
    out = bytearray(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")
    offsets = []
    for i, o in enumerate(objects):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % (i + 1) + o + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1) + b"".join(b"%010d 00000 n \n" % o for o in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R%s >>\nstartxref\n%d\n%%%%EOF\n" % (size or len(objects) + 1, b" /Info %d 0 R" % info if info else b"", xref)
    return bytes(out)


def stream(data):
    return b"<< /Length %d >>\nstream\n" % len(data) + data + b"\nendstream"


def text(pages):
    objs = [b"<< /Type /Catalog /Pages 2 0 R >>",
            b"<< /Type /Pages /Kids [" + b" ".join(b"%d 0 R" % (4 + 2 * i) for i in range(len(pages))) + b"] /Count %d >>" % len(pages),
            b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>"]
    for i, lines in enumerate(pages):
        objs.append(b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Resources << /Font << /F1 3 0 R >> >> /Contents %d 0 R >>" % (5 + 2 * i))
        objs.append(stream(b"BT /F1 11 Tf 14 TL 72 780 Td\n" + b"".join(b"(" + l.encode("latin-1") + b") Tj T*\n" for l in lines) + b"ET\n"))
    return assemble(objs)


def main():
    out = sys.argv[1] if len(sys.argv) > 1 else sys.exit(__doc__)
    os.makedirs(out, exist_ok=True)
    good = text([["Ett helt vanligt beslut om bygglov f\xf6r en carport."]])
    files = {
        "truncated.pdf": text([["Trasig fil"], ["andra sidan"]])[:300],
        "page-tree-loop.pdf": assemble([b"<< /Type /Catalog /Pages 2 0 R >>", b"<< /Type /Pages /Kids [2 0 R 3 0 R] /Count 2 >>",
                                        b"<< /Type /Pages /Parent 2 0 R /Kids [3 0 R 2 0 R] /Count 1 >>"]),
        "huge-xref.pdf": text([["Ett dokument med en orimlig korsreferenstabell."]]).replace(b"/Size 6", b"/Size 1000000000").replace(b"xref\n0 6\n", b"xref\n0 1000000000\n"),
        "hundred-thousand-pages.pdf": assemble([b"<< /Type /Catalog /Pages 2 0 R >>",
                                                b"<< /Type /Pages /Kids [" + b" ".join(b"%d 0 R" % (5 + i) for i in range(100_000)) + b"] /Count 100000 >>",
                                                b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
                                                stream(b"BT /F1 11 Tf 14 TL 72 780 Td\n(Sida) Tj T*\nET\n")]
                                               + [b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Resources << /Font << /F1 3 0 R >> >> /Contents 4 0 R >>"] * 100_000),
        "endless-content.pdf": assemble([b"<< /Type /Catalog /Pages 2 0 R >>", b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
                                         b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R >>",
                                         stream(b"q 1 0 0 1 0 0 cm Q\n" * ((64 << 20) // 19 + 1))]),
        "zip.pdf": b"PK\x03\x04" + bytes(26) + b"a.pdf" + good,
        "good.pdf": good,
    }
    for name, data in files.items():
        with open(os.path.join(out, name), "wb") as f:
            f.write(data)
    if shutil.which("qpdf"):
        subprocess.run(["qpdf", "--encrypt", "hemligt", "agare", "256", "--", os.path.join(out, "good.pdf"), os.path.join(out, "encrypted.pdf")], check=True)
    print(f"{len(os.listdir(out))} PDFs in {out}")


if __name__ == "__main__":
    main()
