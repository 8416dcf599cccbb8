#!/usr/bin/python3
"""Xapian (Debian `python3-xapian`, run with Debian's /usr/bin/python3) as a peer: TermGenerator
and QueryParser with the Swedish Snowball stemmer (STEM_SOME, Xapian's default), positional
indexing, the title also indexed under the `S` prefix as Xapian's docs suggest, the stored text
as document data, the year as a boolean term `Y<year>` (query `year:2015`). Xapian indexes from
one thread, with its defaults (XAPIAN_FLUSH_THRESHOLD 10,000 documents; 100,000 was tried for
the 100k corpus on the same quiet machine: 755 s and 3.4 GiB, against 452 s and 382 MiB).

usage: xapian_peer.py index DOCS.jsonl DB
       xapian_peer.py batch DB QUERIES.json OUT.jsonl
"""
import argparse, json, shutil, time

from common import docs, report, run_batch
import xapian


def index(a):
    shutil.rmtree(a.db, ignore_errors=True)
    t0 = time.perf_counter()
    db = xapian.WritableDatabase(a.db, xapian.DB_CREATE_OR_OVERWRITE)
    tg = xapian.TermGenerator()
    tg.set_stemmer(xapian.Stem("swedish"))
    n = nbytes = 0
    for i, title, body, meta, year in docs(a.docs):
        doc = xapian.Document()
        tg.set_document(doc)
        tg.index_text(title, 1, "S")
        tg.index_text(title)
        tg.increase_termpos()
        tg.index_text(meta)
        tg.increase_termpos()
        tg.index_text(body)
        if year:
            doc.add_boolean_term(f"Y{year}")
        doc.set_data(json.dumps({"title": title, "body": body}, ensure_ascii=False))
        db.add_document(doc)
        n += 1; nbytes += len(body.encode("utf-8"))
    db.commit()
    db.close()
    report(engine="xapian", docs=n, text_bytes=nbytes, seconds=time.perf_counter() - t0, version=xapian.version_string())


class Runner:
    def __init__(self, path):
        self.db = xapian.Database(path)
        self.stem = xapian.Stem("swedish")
        qp = xapian.QueryParser()
        qp.set_stemmer(self.stem)
        qp.set_stemming_strategy(xapian.QueryParser.STEM_SOME)
        qp.set_database(self.db)
        qp.set_default_op(xapian.Query.OP_AND)
        qp.add_prefix("title", "S")
        qp.add_boolean_prefix("year", "Y")
        self.qp = qp
        self.flags = (xapian.QueryParser.FLAG_DEFAULT | xapian.QueryParser.FLAG_WILDCARD)

    def run(self, text, limit=10):
        enq = xapian.Enquire(self.db)
        enq.set_query(self.qp.parse_query(text, self.flags))
        mset = enq.get_mset(0, limit)
        hits = []
        for m in mset:
            data = json.loads(m.document.get_data())
            hits.append((data["title"], mset.snippet(data["body"], 200, self.stem)))
        return mset.get_matches_estimated(), hits


def batch(a):
    from queries import to_xapian
    r = Runner(a.db)
    run_batch(a.queries, a.out, lambda q: r.run(to_xapian(q))[0])


def main():
    ap = argparse.ArgumentParser()
    sp = ap.add_subparsers(dest="cmd", required=True)
    p = sp.add_parser("index"); p.add_argument("docs"); p.add_argument("db")
    p = sp.add_parser("batch"); p.add_argument("db"); p.add_argument("queries"); p.add_argument("out")
    a = ap.parse_args()
    {"index": index, "batch": batch}[a.cmd](a)


if __name__ == "__main__":
    main()
