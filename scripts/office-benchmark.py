#!/usr/bin/env python3
"""Office reading speed (issue 16): DOCX, XLSX and ODT files per second and MB/s of text.

Makes ≥ 1,000 files per format from the project's own documents: 100 Swedish documents of
../shared/data (Markdown, an even spread) become HTML, LibreOffice headless converts each to DOCX
and ODT in one batch, and Calc converts their tables (one row per paragraph) to XLSX; every file
is then copied ten times with a numbered paragraph (or row) added to its main XML part, so the
copies differ. Then, with the release build, per format:

  diarium extract FILES… --format json > /dev/null     (extraction only)
  diarium ingest DIR --index TMP                        (extraction, analysis, index)

best of --runs runs, and Recoll (`recollindex -c CONF`, when installed) on the same folder.
Prints a Markdown table for docs/benchmarks.md.

Usage: python3 scripts/office-benchmark.py [--files-per-format 1000] [--runs 3] [--keep DIR]
"""
import argparse
import html
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
import zipfile

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
DATA = os.path.join(os.path.dirname(ROOT), "shared", "data")
BIN = os.path.join(ROOT, ".build", "release", "diarium")


def sources(n):
    files = []
    for dirpath, _, names in os.walk(DATA):
        files += [os.path.join(dirpath, f) for f in names if f.endswith(".md")]
    files.sort()
    step = max(1, len(files) // n)
    return files[::step][:n]


def to_html(md_path, out, table):
    with open(md_path, encoding="utf-8", errors="replace") as f:
        paragraphs = [p.strip().replace("\n", " ") for p in re.split(r"\n\s*\n", f.read()) if p.strip()][:400]
    title = html.escape(paragraphs[0].lstrip("# ")[:200]) if paragraphs else "Dokument"
    if table:
        body = "<table>" + "".join(f"<tr><td>{i + 1}</td><td>{html.escape(p[:2000])}</td></tr>" for i, p in enumerate(paragraphs)) + "</table>"
    else:
        body = "".join(f"<p>{html.escape(p.lstrip('# '))}</p>" for p in paragraphs)
    with open(out, "w", encoding="utf-8") as f:
        f.write(f"<!DOCTYPE html><html lang=\"sv\"><head><meta charset=\"utf-8\"><title>{title}</title></head><body>{body}</body></html>")


def soffice(files, target, outdir, infilter=None):
    cmd = ["soffice", "--headless"]
    if infilter:
        cmd.append(f"--infilter={infilter}")
    cmd += ["--convert-to", target, "--outdir", outdir] + files
    subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, timeout=3600)


PARTS = {"docx": "word/document.xml", "odt": "content.xml", "xlsx": None}


def variant(src, dst, k):
    """A copy of `src` with paragraph (or first-cell text) `Kopia k` added to its main part."""
    with zipfile.ZipFile(src) as z:
        items = [(i, z.read(i.filename)) for i in z.infolist()]
    with zipfile.ZipFile(dst, "w", zipfile.ZIP_DEFLATED) as z:
        for info, data in items:
            name = info.filename
            if name == "word/document.xml":
                data = data.replace(b"</w:body>", f"<w:p><w:r><w:t>Kopia {k}</w:t></w:r></w:p></w:body>".encode(), 1) if b"<w:sectPr" not in data else \
                    data.replace(b"<w:sectPr", f"<w:p><w:r><w:t>Kopia {k}</w:t></w:r></w:p><w:sectPr".encode(), 1)
            elif name == "content.xml":
                data = data.replace(b"</office:text>", f"<text:p>Kopia {k}</text:p></office:text>".encode(), 1)
            elif name == "xl/sharedStrings.xml":
                data = re.sub(rb"<t([^>]*)>", lambda m: m.group(0) + f"Kopia {k} ".encode(), data, count=1)
            z.writestr(info, data, zipfile.ZIP_STORED if name == "mimetype" else zipfile.ZIP_DEFLATED)


def timed(cmd, **kw):
    start = time.perf_counter()
    r = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, **kw)
    return time.perf_counter() - start, r


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--files-per-format", type=int, default=1000)
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--keep")
    ap.add_argument("--prepare-only", action="store_true", help="make the files and stop")
    ap.add_argument("--binary", default=BIN)
    a = ap.parse_args()
    work = a.keep or tempfile.mkdtemp(prefix="diarium-office-bench-")
    base = os.path.join(work, "base")
    os.makedirs(base, exist_ok=True)
    copies = max(1, (a.files_per_format + 99) // 100)
    srcs = sources(100)
    prose, tables = [], []
    for i, s in enumerate(srcs):
        p = os.path.join(base, f"dok{i:03d}.html")
        to_html(s, p, table=False)
        prose.append(p)
        t = os.path.join(base, f"tab{i:03d}.html")
        to_html(s, t, table=True)
        tables.append(t)
    if not os.path.exists(os.path.join(base, "dok000.docx")):
        soffice(prose, "docx:MS Word 2007 XML", base)
        soffice(prose, "odt:writer8", base)
        soffice(tables, "xlsx:Calc MS Excel 2007 XML", base, infilter="HTML (StarCalc)")
    formats = [("docx", "dok"), ("xlsx", "tab"), ("odt", "dok")]
    for fmt, prefix in formats:
        folder = os.path.join(work, fmt)
        if not os.path.isdir(folder):
            os.makedirs(folder)
            for i in range(len(srcs)):
                src = os.path.join(base, f"{prefix}{i:03d}.{fmt}")
                if not os.path.exists(src):
                    continue
                for k in range(copies):
                    variant(src, os.path.join(folder, f"{prefix}{i:03d}-{k:02d}.{fmt}"), k)
    if a.prepare_only:
        print(f"files in {work}")
        return
    BIN_ = a.binary
    if not os.path.exists(BIN_):
        sys.exit("build first: swift build -c release --product diarium")
    rows = []
    for fmt, prefix in formats:
        folder = os.path.join(work, fmt)
        files = sorted(os.path.join(folder, f) for f in os.listdir(folder))
        size = sum(os.path.getsize(f) for f in files)
        best_extract = min(timed([BIN_, "extract", "--format", "json"] + files)[0] for _ in range(a.runs))
        _, r = timed([BIN_, "extract", "--format", "json"] + files)
        text_bytes = sum(len(json.loads(line)["text"].encode()) for line in r.stdout.decode().splitlines() if line)
        failures = sum(1 for line in r.stdout.decode().splitlines() if line and json.loads(line).get("error"))
        ingest = []
        for _ in range(a.runs):
            idx = os.path.join(work, "index-" + fmt)
            shutil.rmtree(idx, ignore_errors=True)
            ingest.append(timed([BIN_, "ingest", folder, "--index", idx])[0])
        recoll = None
        if shutil.which("recollindex"):
            times = []
            for _ in range(a.runs):
                conf = os.path.join(work, "recoll-" + fmt)
                shutil.rmtree(conf, ignore_errors=True)
                os.makedirs(conf)
                with open(os.path.join(conf, "recoll.conf"), "w") as f:
                    f.write(f"topdirs = {folder}\nloglevel = 1\nnoaspell = 1\n")
                times.append(timed(["recollindex", "-c", conf, "-z"])[0])
            recoll = min(times)
        rows.append((fmt, len(files), size, text_bytes, failures, best_extract, min(ingest), recoll))
    print(f"sources: {len(srcs)} documents of {DATA}, {copies} variants each; best of {a.runs} runs; work dir {work}\n")
    print("| format | files | MB of files | MB of text | without text | extract s | files/s | MB text/s | ingest s | files/s | Recoll index s |")
    print("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
    for fmt, n, size, text, fail, ex, ing, rec in rows:
        print(f"| {fmt} | {n} | {size / 1e6:.1f} | {text / 1e6:.1f} | {fail} | {ex:.2f} | {n / ex:.0f} | {text / 1e6 / ex:.1f} | "
              f"{ing:.2f} | {n / ing:.0f} | {'–' if rec is None else f'{rec:.2f}'} |")
    if not a.keep:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
