#!/usr/bin/env python3
"""Tantivy (PyPI `tantivy`) as a peer: Swedish stemming analyzer built like Tantivy's own
`en_stem` (simple tokenizer, remove_long 40, lowercase, Snowball stemmer), stored text, an
integer year, an IndexWriter using both cores.

Queries do the work diarium's do (equal work): the top 10, each hit's stored document read and a
snippet of its body made by `SnippetGenerator`. `--bare` returns the top 10 as addresses only
(no stored documents, no snippets): Tantivy's floor, the issue's "bare Tantivy".

usage: tantivy_peer.py index DOCS.jsonl IDX [--threads 2] [--heap BYTES]
       tantivy_peer.py batch IDX QUERIES.json OUT.jsonl [--bare]
       tantivy_peer.py one IDX QUERY        (a fresh process answering one query)
"""
import argparse, os, shutil, time

from common import docs, report, run_batch
import tantivy

FIELDS = ["title", "body", "meta"]


def analyzer():
    return (tantivy.TextAnalyzerBuilder(tantivy.Tokenizer.simple())
            .filter(tantivy.Filter.remove_long(40))
            .filter(tantivy.Filter.lowercase())
            .filter(tantivy.Filter.stemmer("swedish"))
            .build())


def schema():
    sb = tantivy.SchemaBuilder()
    for f in FIELDS:
        sb.add_text_field(f, stored=True, tokenizer_name="sv_stem", index_option="position")
    sb.add_integer_field("year", stored=True, indexed=True, fast=True)
    return sb.build()


def open_index(path):
    idx = tantivy.Index(schema(), path=path, reuse=True)
    idx.register_tokenizer("sv_stem", analyzer())
    return idx


def index(a):
    shutil.rmtree(a.idx, ignore_errors=True)
    os.makedirs(a.idx)
    t0 = time.perf_counter()
    idx = open_index(a.idx)
    w = idx.writer(heap_size=a.heap, num_threads=a.threads)
    n = nbytes = 0
    for i, title, body, meta, year in docs(a.docs):
        w.add_document(tantivy.Document(title=title, body=body, meta=meta, year=year))
        n += 1; nbytes += len(body.encode("utf-8"))
    w.commit()
    w.wait_merging_threads()
    report(engine="tantivy", docs=n, text_bytes=nbytes, seconds=time.perf_counter() - t0)


class Runner:
    def __init__(self, path):
        self.idx = open_index(path)
        self.idx.reload()
        self.searcher = self.idx.searcher()
        self.schema = self.idx.schema

    def query(self, q):
        from queries import to_tantivy
        if q["kind"] == "prefix":
            # The query parser has no term prefix; a regex query per field is Tantivy's way.
            sub = [(tantivy.Occur.Should, tantivy.Query.regex_query(self.schema, f, q["terms"][0] + ".*")) for f in FIELDS]
            return tantivy.Query.boolean_query(sub)
        return self.idx.parse_query(to_tantivy(q), FIELDS, conjunction_by_default=True)

    def run(self, query, limit=10, bare=False):
        # No exact count (diarium's batch does not count either): lets Tantivy prune with block-WAND.
        res = self.searcher.search(query, limit, count=False)
        if bare:
            return res.count, [addr for _, addr in res.hits]
        gen = tantivy.SnippetGenerator.create(self.searcher, query, self.schema, "body")
        out = []
        for score, addr in res.hits:
            doc = self.searcher.doc(addr)
            out.append((doc["title"][0] if doc["title"] else "", gen.snippet_from_doc(doc).to_html()))
        return res.count, out


def batch(a):
    r = Runner(a.idx)
    run_batch(a.queries, a.out, lambda q: r.run(r.query(q), bare=a.bare)[0])


def one(a):
    r = Runner(a.idx)
    total, hits = r.run(r.idx.parse_query(a.query, FIELDS, conjunction_by_default=True))
    print(total, *(t for t, _ in hits), sep="\n")


def main():
    ap = argparse.ArgumentParser()
    sp = ap.add_subparsers(dest="cmd", required=True)
    p = sp.add_parser("index"); p.add_argument("docs"); p.add_argument("idx")
    p.add_argument("--threads", type=int, default=2); p.add_argument("--heap", type=int, default=256 * 1024 * 1024)
    p = sp.add_parser("batch"); p.add_argument("idx"); p.add_argument("queries"); p.add_argument("out")
    p.add_argument("--bare", action="store_true", help="addresses only: no stored documents, no snippets")
    p = sp.add_parser("one"); p.add_argument("idx"); p.add_argument("query")
    a = ap.parse_args()
    {"index": index, "batch": batch, "one": one}[a.cmd](a)


if __name__ == "__main__":
    main()
