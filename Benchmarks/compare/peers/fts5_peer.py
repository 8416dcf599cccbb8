#!/usr/bin/env python3
"""SQLite FTS5 as a peer (Python's sqlite3 module): tokenizer `unicode61 remove_diacritics 0`
(FTS5 has no Swedish stemmer, so no stemming), the text stored in the FTS table, the year an
UNINDEXED column, loaded in one transaction and then 'optimize'd as FTS5's documentation
recommends for a bulk load. Single-threaded (SQLite writes from one thread).

usage: fts5_peer.py index DOCS.jsonl DB
       fts5_peer.py batch DB QUERIES.json OUT.jsonl
"""
import argparse, os, sqlite3, time

from common import docs, report, run_batch

SNIPPET = "snippet(docs, 1, '«', '»', '…', 24)"


def index(a):
    for suffix in ("", "-journal"):
        if os.path.exists(a.db + suffix):
            os.remove(a.db + suffix)
    t0 = time.perf_counter()
    c = sqlite3.connect(a.db, isolation_level=None)      # transactions are explicit
    c.execute("""CREATE VIRTUAL TABLE docs USING fts5(title, body, meta, year UNINDEXED,
                 tokenize = 'unicode61 remove_diacritics 0')""")
    n = nbytes = 0
    c.execute("BEGIN")
    for i, title, body, meta, year in docs(a.docs):
        c.execute("INSERT INTO docs(rowid, title, body, meta, year) VALUES (?,?,?,?,?)", (i + 1, title, body, meta, year))
        n += 1; nbytes += len(body.encode("utf-8"))
    c.execute("COMMIT")
    c.execute("INSERT INTO docs(docs) VALUES('optimize')")
    c.close()
    report(engine="fts5", docs=n, text_bytes=nbytes, seconds=time.perf_counter() - t0, sqlite=sqlite3.sqlite_version)


def batch(a):
    from queries import to_fts5
    c = sqlite3.connect(a.db)

    def run(q):
        match, year = to_fts5(q)
        if year is None:
            rows = c.execute(f"SELECT rowid, title, {SNIPPET} FROM docs WHERE docs MATCH ? ORDER BY rank LIMIT 10", (match,)).fetchall()
        else:
            rows = c.execute(f"SELECT rowid, title, {SNIPPET} FROM docs WHERE docs MATCH ? AND year = ? ORDER BY rank LIMIT 10",
                             (match, year)).fetchall()
        return len(rows)        # FTS5 gives no total without a second (counting) query
    run_batch(a.queries, a.out, run)


def main():
    ap = argparse.ArgumentParser()
    sp = ap.add_subparsers(dest="cmd", required=True)
    p = sp.add_parser("index"); p.add_argument("docs"); p.add_argument("db")
    p = sp.add_parser("batch"); p.add_argument("db"); p.add_argument("queries"); p.add_argument("out")
    a = ap.parse_args()
    {"index": index, "batch": batch}[a.cmd](a)


if __name__ == "__main__":
    main()
