#!/usr/bin/env python3
"""Builds the benchmark queries from a corpus's extracted text, deterministically.

Input: the JSON Lines of `diarium extract` (one document a line). Document frequencies are
estimated on a deterministic sample of documents; every class draws its words with a fixed seed.
Classes: rare term, common term, two- and three-term AND (words of one document, so each has a
hit), OR of two terms, phrase (2-3 consecutive words of a real document), prefix (5 letters of a
longer word, `abcde*`), year-filtered (a term and year:YYYY). Stop words are never query terms,
so no engine can drop them.

Output: JSON [{"cls": ..., "kind": and|or|phrase|prefix|year, "terms": [...], "year": Y}], and
`to_diarium`, `to_tantivy`, `to_fts5`, `to_xapian` turn one query into each engine's syntax.

usage: queries.py DOCS.jsonl OUT.json [--per-class N]
"""
import argparse, json, random, re, sys

# The Snowball Swedish stop word list.
STOPWORDS = set("""och det att i en jag hon som han på den med var sig för så till är men ett om hade de av icke mig
du henne då sin nu har inte hans honom skulle hennes där min man ej vid kunde något från ut när efter upp vi dem vara
vad över än dig kan sina här ha mot alla under någon eller allt mycket sedan ju denna själv detta åt utan varit hur
ingen mitt ni bli blev oss din dessa några deras blir mina samma vilken er sådan vår blivit dess inom mellan sådant
varför varje vilka ditt vem vilket sitt sådana vart dina vars vårt våra ert era vilkas""".split())
WORD = re.compile(r"[a-zåäöéü]+")
RUN = re.compile(r"[A-Za-zÅÄÖåäöÉéÜü]+(?:[ ][A-Za-zÅÄÖåäöÉéÜü]+)+")   # words separated by single spaces only
CLASSES = ["rare", "common", "and2", "and3", "or", "phrase", "prefix", "year"]
SEED = 5


def load(path, sample):
    docs = []
    with open(path, encoding="utf-8") as f:
        for line in f:
            d = json.loads(line)
            if d.get("text"):
                docs.append(d)
    step = max(1, len(docs) // sample)
    return docs, docs[::step]


def good(w):
    return w not in STOPWORDS and len(w) >= 3 and WORD.fullmatch(w)


def build(path, per_class):
    docs, sample = load(path, 20000)
    rng = random.Random(SEED)
    n = len(sample)
    df = {}
    tokens_of = []
    for d in sample:
        toks = set(WORD.findall(d["text"].lower()))
        tokens_of.append(toks)
        for t in toks:
            df[t] = df.get(t, 0) + 1
    vocab = sorted(w for w in df if good(w))
    rare = [w for w in vocab if df[w] == 1 and len(w) >= 6]
    common = [w for w in vocab if 0.05 <= df[w] / n <= 0.40 and len(w) >= 4]
    mid = [w for w in vocab if 0.002 <= df[w] / n <= 0.10 and len(w) >= 4]
    if len(common) < 10:                      # small corpora: take the most frequent words
        common = sorted(vocab, key=lambda w: -df[w])[:200]
    longmid = [w for w in mid if len(w) >= 8] or [w for w in vocab if len(w) >= 8]
    years = sorted({int(d["year"]) for d in docs if d.get("year")})
    qs = []

    def words_of_doc(k, lo, hi):
        for _ in range(200):
            d = rng.randrange(n)
            cand = sorted(w for w in tokens_of[d] if good(w) and lo <= df[w] / n <= hi and len(w) >= 4)
            if len(cand) >= k:
                return rng.sample(cand, k)
        return rng.sample(mid, k)

    for _ in range(per_class):
        qs.append({"cls": "rare", "kind": "and", "terms": [rng.choice(rare)]})
    for _ in range(per_class):
        qs.append({"cls": "common", "kind": "and", "terms": [rng.choice(common)]})
    for _ in range(per_class):
        qs.append({"cls": "and2", "kind": "and", "terms": words_of_doc(2, 0.002, 0.2)})
    for _ in range(per_class):
        qs.append({"cls": "and3", "kind": "and", "terms": words_of_doc(3, 0.002, 0.2)})
    for _ in range(per_class):
        qs.append({"cls": "or", "kind": "or", "terms": rng.sample(mid, 2)})
    made = 0
    while made < per_class:
        d = sample[rng.randrange(n)]["text"]
        runs = RUN.findall(d)
        if not runs:
            continue
        ws = rng.choice(runs).lower().split()
        k = 2 + made % 2
        if len(ws) < k:
            continue
        s = rng.randrange(len(ws) - k + 1)
        ph = ws[s:s + k]
        if all(good(w) for w in ph):
            qs.append({"cls": "phrase", "kind": "phrase", "terms": ph}); made += 1
    for _ in range(per_class):
        qs.append({"cls": "prefix", "kind": "prefix", "terms": [rng.choice(longmid)[:5]]})
    for _ in range(per_class):
        qs.append({"cls": "year", "kind": "year", "terms": [rng.choice(common + mid)], "year": rng.choice(years) if years else 2015})
    return qs, len(docs)


# --- each engine's syntax -------------------------------------------------------------------

def to_diarium(q):
    t = q["terms"]
    if q["kind"] == "and": return " ".join(t)
    if q["kind"] == "or": return " OR ".join(t)
    if q["kind"] == "phrase": return '"' + " ".join(t) + '"'
    if q["kind"] == "prefix": return t[0] + "*"
    if q["kind"] == "year": return f"{t[0]} year:{q['year']}"


def to_fts5(q):
    """(MATCH expression, year or None); the year is an SQL condition on an UNINDEXED column."""
    t = q["terms"]
    if q["kind"] == "and": return " AND ".join(f'"{w}"' for w in t), None
    if q["kind"] == "or": return " OR ".join(f'"{w}"' for w in t), None
    if q["kind"] == "phrase": return '"' + " ".join(t) + '"', None
    if q["kind"] == "prefix": return f'"{t[0]}" *', None
    if q["kind"] == "year": return f'"{t[0]}"', q["year"]


def to_xapian(q):
    t = q["terms"]
    if q["kind"] == "and": return " ".join(t)            # default operator AND
    if q["kind"] == "or": return " OR ".join(t)
    if q["kind"] == "phrase": return '"' + " ".join(t) + '"'
    if q["kind"] == "prefix": return t[0] + "*"
    if q["kind"] == "year": return f"{t[0]} year:{q['year']}"


def to_tantivy(q):
    """Tantivy query-parser syntax, parsed with conjunction_by_default=True."""
    t = q["terms"]
    if q["kind"] == "and": return " ".join(t)
    if q["kind"] == "or": return " OR ".join(t)
    if q["kind"] == "phrase": return '"' + " ".join(t) + '"'
    if q["kind"] == "prefix": return None                # built as a regex query on each field
    if q["kind"] == "year": return f"{t[0]} AND year:{q['year']}"


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("docs"); ap.add_argument("out")
    ap.add_argument("--per-class", type=int, default=100)
    a = ap.parse_args()
    qs, ndocs = build(a.docs, a.per_class)
    json.dump(qs, open(a.out, "w"), ensure_ascii=False, indent=0)
    print(f"{len(qs)} queries from {ndocs} documents -> {a.out}", file=sys.stderr)


if __name__ == "__main__":
    main()
