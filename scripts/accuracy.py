#!/usr/bin/env python3
"""Measure diarium's metadata extraction against the ground truth in ../shared/data.

A measurement, not a test: it always exits 0, unless the diarium binary is missing (exit 2).
Python 3.11 standard library only. Documented in docs/accuracy.md.

Usage:
    python3 scripts/accuracy.py [--binary PATH] [--data DIR] [--sample N] [--show-errors N]
                                [--json FILE] [--datasets a,b,...] [--original-paths]

Datasets (ground truth carried by the real documents, see ../shared/data/SOURCES.md):

  myndfskr    ferenda/myndfskr/<name>.txt paired with <name>.n3 (same base name). 19 agency
              regulations (AFS, BOLFS, ELSÄK-FS, FFFS, NFS, RGKFS, SJVFS, SOSFS), hand-checked.
              title = dcterms:title; dnr = dcterms:identifier (e.g. "SOSFS 2012:17");
              date = rpubl:beslutsdatum, year = its year; authority = dcterms:publisher or
              rpubl:beslutadAv (either is accepted), the rinfo org slug mapped to its name;
              type = föreskrift (rpubl:Myndighetsforeskrift, rpubl:AllmannaRad; övrigt when the
              vocabulary has no such term).
  sfs         sfs_rkrattsbaser_json/*.json. fulltext.forfattningstext is written to
              <tmp>/sfs/<beteckning with ':' -> '-'>.txt (e.g. 1998-899.txt) and extracted.
              title = rubrik (the in-force version when the rubrik lists several; the rubrik
              without its "(1998:899)" designation is accepted too); dnr = "SFS " + beteckning;
              date = fulltext.utfardadDateTime, year = its year; authority = organisation.namn
              (UNRELIABLE: the ministry responsible today, not the issuer); type: Lag -> lag,
              Förordning -> förordning (Tillkännagivande, Övrigt: no type truth).
              NB: forfattningstext holds only the body: no rubrik, number or date.
  regeringen  regeringen_g0vse/<category>/**/*.md joined to the category's JSON index (record
              url without the leading and trailing '/', plus '.md'), at most --sample files per
              category (every k-th file sorted by path). title = record title (the title with
              a trailing ", <id>" removed is the primary truth; the full title is accepted too);
              date = published, year = its year; authority = the ministries among `senders`
              (codes -> names via api/codes.json; names ending in "departementet" or
              Statsrådsberedningen; persons ignored; Regeringen/Regeringskansliet only when no
              ministry is listed), any one is accepted; dnr = id, a leading "Diarienummer:"
              label removed; type = `types` through REGERINGEN_TYPES (Ds only when the id is a
              Ds number; other departementspromemorior -> promemoria, else övrigt).
  regeringen-noindex
              pressmeddelanden, regeringsuppdrag, remisser: no JSON index in the snapshot, so
              only the year (from the path <category>/<YYYY>/<MM>/…, the publication month)
              and, for pressmeddelanden, the type (pressmeddelande) are known. Same sampling.
  ferenda     ferenda/repo/<source>/downloaded/<key>/index.html|index.xml or <key>.html paired
              with ferenda/repo/<source>/distilled/<key>.ttl (RDF ferenda extracted and tested),
              for propositions, kommittédirektiv, SOU and SFS pages. The main resource is the
              rpubl:Proposition / Kommittedirektiv / Utredningsbetankande /
              KonsolideradGrundforfattning with a dcterms:title. title = dcterms:title;
              dnr = dcterms:identifier (" i lydelse enligt …" cut off); date =
              rpubl:utfardandedatum, else rpubl:beslutsdatum, else dcterms:issued (not for
              propriksdagen, whose issued date is the database's); authority =
              rpubl:departement or dcterms:creator; type by the RDF class.

Every file is copied to a neutral temporary location, <tmp>/<dataset>/d<NNNNN>/<basename>,
so that folder names (category, year, month) do not leak into the result; the file's own
name is kept, as a user receiving the file would have it. --original-paths runs the
extractor on the files where they are instead (relative to the data folder), to see how
much folder names help. The SFS texts are always written to <tmp>/sfs/<YYYY>-<NNN>.txt.

Comparison rules (truth may list several accepted values; a document counts for a field only
when the truth has a value for it, "where one exists"):
  all text   Unicode NFC, whitespace runs collapsed to one space, trimmed, case-folded.
  title      equal, or one contains the other and the shorter is >= 80 % of the longer's length.
  year       exact (integer).
  date       exact ISO YYYY-MM-DD.
  dnr        equal after also removing a leading "Dnr"/"Diarienr"/"Diarienummer" label, dots
             right after letters ("Prop." -> "Prop", "Dir." -> "Dir") and all spaces, so
             "SFS 1998:899" = "SFS1998:899" and "prop. 2025/26:50" = "Prop. 2025/26:50".
  authority  equal, or the truth contains the extracted value or vice versa (the contained
             value must be at least 3 characters).
  type       equal, in diarium's vocabulary: the list in
             Sources/DiariumExtraction/Metadata/DocumentType.swift, read at run time (printed in
             the header), else the built-in VOCABULARY_FALLBACK (konsekvensbedömning,
             pul-bedömning, informationsklassning, riskanalys, registerförteckning, policy,
             riktlinje, protokoll, tjänsteskrivelse, beslut, avtal, direktiv, proposition, sou,
             ds, lag, förordning, pressmeddelande, rapport, e-post, övrigt). Each kind of
             document in the truth has a list of candidate terms (REGERINGEN_TYPES, SFS_TYPES,
             RDF_TYPES below); the first one the vocabulary has is the truth, övrigt if none.

Targets: year >= 95 %, dnr >= 90 %, title >= 90 %, authority >= 85 % (date and type: none).

Output: per dataset (and per regeringen category) field, correct, total, accuracy, target,
missing (no value extracted), not in file (mismatches whose truth value appears nowhere in the
file's raw text or name: a normalised substring search; dates also as "9 mars 2015"),
reachable (share of documents whose truth is in the file or was extracted: the ceiling for
extraction from content), from path (correct values diarium took from a folder or file
name), and the wall time of the extraction runs; then the overall table. --show-errors N prints N mismatches per field and dataset (file, truth, extracted and
where diarium took the value from); --json FILE writes all figures and every mismatch.
The binary is run as `<binary> extract --format json FILE…`, 200 files per call, two calls
at a time.
"""

from __future__ import annotations

import argparse
import concurrent.futures
import dataclasses
import glob
import hashlib
import html
import json
import math
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
import unicodedata

FIELDS = ["title", "authority", "type", "date", "year", "dnr"]
TARGETS = {"year": 95.0, "dnr": 90.0, "title": 90.0, "authority": 85.0}
CHUNK = 200
WORKERS = 2
# diarium's type vocabulary as given in the brief; replaced at run time by the list in
# Sources/DiariumExtraction/Metadata/DocumentType.swift when that file can be read (see load_vocabulary).
VOCABULARY_FALLBACK = [
    "konsekvensbedömning", "pul-bedömning", "informationsklassning", "riskanalys", "registerförteckning",
    "policy", "riktlinje", "protokoll", "tjänsteskrivelse", "beslut", "avtal", "direktiv", "proposition",
    "sou", "ds", "lag", "förordning", "pressmeddelande", "rapport", "e-post", "övrigt",
]
VOCABULARY: set[str] = set(VOCABULARY_FALLBACK)

# Kinds of document in the ground truth -> the terms they may have in diarium's vocabulary, most
# specific first; the first term the vocabulary has is the truth, and övrigt (the catch-all) when
# it has none of them. None: the tag says nothing about the kind of document.
REGERINGEN_TYPES = {
    "Kommittédirektiv": ["direktiv"],
    "Proposition": ["proposition"],
    "Statens offentliga utredningar": ["sou"],
    "Departementsserien och promemorior": ["ds"],  # only when the id is a Ds number, else DEPT_PM
    "Rapport": ["rapport"],
    "Skrivelse": ["skrivelse"],  # regeringens skrivelse (Skr.), not a tjänsteskrivelse
    "Lagrådsremiss": ["lagrådsremiss"],
    "Förordningsmotiv": ["förordningsmotiv"],
    "Faktapromemoria": ["faktapromemoria", "promemoria"],
    "Kommenterad dagordning": ["kommenterad dagordning", "dagordning"],
    "Tal": ["tal"],
    "Uttalande": ["uttalande"],
    "Debattartikel": ["debattartikel"],
    "Rättsliga dokument": None,
    "Webb-tv": None,
    "Sveriges internationella överenskommelser": None,
}
DEPT_PM = ["promemoria"]
SFS_TYPES = {"Lag": ["lag"], "Förordning": ["förordning"]}
RDF_TYPES = {
    "Proposition": ["proposition"],
    "Kommittedirektiv": ["direktiv"],
    "Utredningsbetankande": ["sou"],
    "Myndighetsforeskrift": ["föreskrift"],
    "AllmannaRad": ["allmänna råd", "föreskrift"],
}


def vocab_term(candidates: list[str] | None) -> str | None:
    """The first candidate term diarium's vocabulary has, else övrigt; None for None."""
    if candidates is None:
        return None
    return next((c for c in candidates if c in VOCABULARY), "övrigt")


def load_vocabulary(repo: str) -> str:
    """Reads `vocabulary = [...]` from DocumentType.swift into VOCABULARY; says where it came from."""
    global VOCABULARY
    path = os.path.join(repo, "Sources", "DiariumExtraction", "Metadata", "DocumentType.swift")
    try:
        src = open(path, encoding="utf-8").read()
        m = re.search(r"\bvocabulary\s*=\s*\[(.*?)\]", src, re.S)
        terms = re.findall(r'"([^"]+)"', m.group(1)) if m else []
    except OSError:
        terms = []
    if len(terms) >= 5 and "övrigt" in terms:
        VOCABULARY = set(terms)
        return f"{os.path.relpath(path, repo)} ({len(terms)} terms)"
    VOCABULARY = set(VOCABULARY_FALLBACK)
    return f"built-in list ({len(VOCABULARY_FALLBACK)} terms)"


# rinfo / lagen.nu organisation slugs -> names.
ORG_NAMES = {
    "arbetsmiljoeverket": "Arbetsmiljöverket",
    "bolagsverket": "Bolagsverket",
    "patentombudsnaemnden": "Patentombudsnämnden",
    "elsaekerhetsverket": "Elsäkerhetsverket",
    "finansinspektionen": "Finansinspektionen",
    "naturvaardsverket": "Naturvårdsverket",
    "riksgaeldskontoret": "Riksgäldskontoret",
    "socialstyrelsen": "Socialstyrelsen",
    "statens_jordbruksverk": "Statens jordbruksverk",
    "arbetsdepartementet": "Arbetsdepartementet",
    "arbetsmarknadsdepartementet": "Arbetsmarknadsdepartementet",
    "finansdepartementet": "Finansdepartementet",
    "forsvarsdepartementet": "Försvarsdepartementet",
    "justitiedepartementet": "Justitiedepartementet",
    "kommunikationsdepartementet": "Kommunikationsdepartementet",
    "naringsdepartementet": "Näringsdepartementet",
    "regeringskansliet": "Regeringskansliet",
    "socialdepartementet": "Socialdepartementet",
    "utbildningsdepartementet": "Utbildningsdepartementet",
    "utrikesdepartementet": "Utrikesdepartementet",
    "landsbygdsdepartementet": "Landsbygdsdepartementet",
}

RDF = "http://www.w3.org/1999/02/22-rdf-syntax-ns#"
DCT = "http://purl.org/dc/terms/"
RPUBL = "http://rinfo.lagrummet.se/ns/2008/11/rinfo/publ#"


# ---------------------------------------------------------------------------------------------
# Normalisation and comparison

def norm(s) -> str:
    if s is None:
        return ""
    s = unicodedata.normalize("NFC", str(s))
    return " ".join(s.split()).casefold()


def title_match(truth: str, got: str) -> bool:
    a, b = norm(truth), norm(got)
    if not a or not b:
        return False
    if a == b:
        return True
    short, long_ = (a, b) if len(a) <= len(b) else (b, a)
    return short in long_ and len(short) >= 0.8 * len(long_)


DNR_LABEL = re.compile(r"^(?:dnr|diarienr|diarienummer)\b[\s.:]*", re.IGNORECASE)


def dnr_norm(s) -> str:
    s = norm(s)
    s = DNR_LABEL.sub("", s)
    s = re.sub(r"(?<=[^\W\d_])\.", "", s)  # dots right after a letter: "prop." -> "prop"
    return re.sub(r"\s+", "", s)


def dnr_match(truth: str, got: str) -> bool:
    a, b = dnr_norm(truth), dnr_norm(got)
    return bool(a) and a == b


def authority_match(truth: str, got: str) -> bool:
    a, b = norm(truth), norm(got)
    if not a or not b:
        return False
    if a == b:
        return True
    short, long_ = (a, b) if len(a) <= len(b) else (b, a)
    return len(short) >= 3 and short in long_


def type_match(truth: str, got: str) -> bool:
    return bool(norm(truth)) and norm(truth) == norm(got)


def date_match(truth: str, got: str) -> bool:
    return bool(truth) and str(got or "").strip() == truth


def year_match(truth, got) -> bool:
    try:
        return got is not None and int(got) == int(truth)
    except (TypeError, ValueError):
        return False


MATCHERS = {"title": title_match, "authority": authority_match, "type": type_match,
            "date": date_match, "year": year_match, "dnr": dnr_match}


# ---------------------------------------------------------------------------------------------
# A small Turtle / N3 reader (enough for ferenda's and rinfo's files)

class Turtle:
    TOKEN = re.compile(r'''
        (?P<ws>\s+|\#[^\n]*)
      | (?P<iri><[^>]*>)
      | (?P<lit3>"""(?:[^"\\]|\\.|"(?!""))*""")
      | (?P<lit>"(?:[^"\\\n]|\\.)*")
      | (?P<lang>@[A-Za-z]+(?:-[A-Za-z0-9]+)*)
      | (?P<dtype>\^\^)
      | (?P<punct>[;,.\[\]()])
      | (?P<num>[+-]?\d+(?:\.\d+)?(?=[\s;,.\]\)]))
      | (?P<pname>[A-Za-z_][\w.-]*?:[\w.%-]*[\w%-]|[A-Za-z_][\w.-]*?:|:[\w.%-]*[\w%-]|:)
      | (?P<word>[A-Za-z]+)
    ''', re.VERBOSE)

    def __init__(self, text: str):
        self.prefixes: dict[str, str] = {}
        self.triples: list[tuple] = []
        self.tokens = self._tokenize(text)
        self.i = 0
        self.bnodes = 0
        self._parse()

    def _tokenize(self, text):
        out, pos = [], 0
        while pos < len(text):
            m = self.TOKEN.match(text, pos)
            if not m:
                raise ValueError(f"turtle: cannot read at {text[pos:pos + 30]!r}")
            pos = m.end()
            kind = m.lastgroup
            if kind != "ws":
                out.append((kind, m.group()))
        # '@prefix' is read as a lang tag token
        return out

    def _peek(self):
        return self.tokens[self.i] if self.i < len(self.tokens) else (None, None)

    def _next(self):
        t = self._peek()
        self.i += 1
        return t

    def _expect(self, value):
        k, v = self._next()
        if v != value:
            raise ValueError(f"turtle: expected {value!r}, got {v!r}")

    @staticmethod
    def _unescape(s: str) -> str:
        return re.sub(r'\\(u[0-9A-Fa-f]{4}|U[0-9A-Fa-f]{8}|.)',
                      lambda m: chr(int(m.group(1)[1:], 16)) if m.group(1)[0] in "uU" and len(m.group(1)) > 1
                      else {"n": "\n", "t": "\t", "r": "\r"}.get(m.group(1), m.group(1)), s)

    def _iri(self, kind, v):
        if kind == "iri":
            return ("iri", v[1:-1])
        if kind == "pname":
            p, _, local = v.partition(":")
            return ("iri", self.prefixes.get(p, p + ":") + local)
        if kind == "word" and v == "a":
            return ("iri", RDF + "type")
        raise ValueError(f"turtle: not an IRI: {v!r}")

    def _object(self):
        kind, v = self._next()
        if kind in ("lit", "lit3"):
            text = self._unescape(v[3:-3] if kind == "lit3" else v[1:-1])
            lang = dtype = None
            k2, v2 = self._peek()
            if k2 == "lang":
                self.i += 1
                lang = v2[1:]
            elif k2 == "dtype":
                self.i += 1
                dtype = self._iri(*self._next())[1]
            return ("lit", text, lang, dtype)
        if kind == "num":
            return ("lit", v, None, None)
        if kind == "word" and v in ("true", "false"):
            return ("lit", v, None, None)
        if v == "[":
            return self._bnode_list()
        if v == "(":
            items = []
            while self._peek()[1] != ")":
                items.append(self._object())
            self.i += 1
            return ("list", items)
        return self._iri(kind, v)

    def _bnode_list(self):
        self.bnodes += 1
        node = ("bnode", f"_:b{self.bnodes}")
        if self._peek()[1] == "]":
            self.i += 1
            return node
        self._pred_obj_list(node)
        self._expect("]")
        return node

    def _pred_obj_list(self, subject):
        while True:
            pred = self._iri(*self._next())
            while True:
                self.triples.append((subject, pred, self._object()))
                if self._peek()[1] == ",":
                    self.i += 1
                    continue
                break
            if self._peek()[1] == ";":
                while self._peek()[1] == ";":
                    self.i += 1
                if self._peek()[1] in (".", "]", None):
                    return
                continue
            return

    def _parse(self):
        while self.i < len(self.tokens):
            kind, v = self._peek()
            if kind == "lang" and v in ("@prefix", "@base"):
                self.i += 1
                _, p = self._next()
                _, iri = self._next()
                if v == "@prefix":
                    self.prefixes[p[:-1]] = iri[1:-1]
                self._expect(".")
                continue
            if kind == "word" and v.upper() == "PREFIX":
                self.i += 1
                _, p = self._next()
                _, iri = self._next()
                self.prefixes[p[:-1]] = iri[1:-1]
                continue
            self.i += 1
            subject = self._bnode_list() if v == "[" else self._iri(kind, v)
            if self._peek()[1] != ".":
                self._pred_obj_list(subject)
            self._expect(".")

    def subjects(self) -> dict:
        """subject IRI -> {predicate IRI: [objects]}"""
        out: dict = {}
        for s, p, o in self.triples:
            out.setdefault(s[1], {}).setdefault(p[1], []).append(o)
        return out


def lit(props: dict, pred: str):
    for o in props.get(pred, []):
        if o[0] == "lit":
            return o[1].strip()
    return None


def iris(props: dict, pred: str) -> list[str]:
    return [o[1] for o in props.get(pred, []) if o[0] == "iri"]


def org_name(iri: str) -> str | None:
    slug = iri.rstrip("/").rsplit("/", 1)[-1]
    if not slug:
        return None
    if slug in ORG_NAMES:
        return ORG_NAMES[slug]
    name = slug.replace("_", " ").replace("-", " ")
    for a, b in (("aa", "å"), ("ae", "ä"), ("oe", "ö")):
        name = name.replace(a, b)
    return name[:1].upper() + name[1:]


# ---------------------------------------------------------------------------------------------
# Ground truth

@dataclasses.dataclass
class Case:
    dataset: str
    group: str                      # category inside the dataset
    source: str                     # the file, relative to the data folder (or the JSON it came from)
    original: str | None            # absolute path of the original file (None: generated)
    basename: str                   # file name the extractor sees
    truth: dict                     # field -> list of accepted values (first is the primary one)
    notes: dict = dataclasses.field(default_factory=dict)  # field -> remark shown with errors
    content: str | None = None      # text to write instead of copying (SFS)
    run_path: str = ""              # path handed to the binary (relative to run_cwd)
    extracted: dict = dataclasses.field(default_factory=dict)


def add(truth: dict, field: str, *values):
    vals = [v for v in values if v not in (None, "")]
    seen = []
    for v in vals:
        if v not in seen:
            seen.append(v)
    if seen:
        truth.setdefault(field, [])
        truth[field].extend(v for v in seen if v not in truth[field])


def sample(paths: list[str], n: int) -> list[str]:
    paths = sorted(paths)
    if n <= 0 or len(paths) <= n:
        return paths
    k = math.ceil(len(paths) / n)
    return paths[::k]


def load_myndfskr(data: str) -> list[Case]:
    cases = []
    folder = os.path.join(data, "ferenda", "myndfskr")
    for n3 in sorted(glob.glob(os.path.join(folder, "*.n3"))):
        base = os.path.splitext(n3)[0]
        docs = [p for p in glob.glob(base + ".*") if not p.endswith(".n3")]
        if not docs:
            continue
        doc = sorted(docs)[0]
        subjects = Turtle(open(n3, encoding="utf-8").read()).subjects()
        main = next((props for s, props in subjects.items() if lit(props, DCT + "identifier")), None)
        if main is None:
            continue
        t: dict = {}
        add(t, "title", lit(main, DCT + "title"))
        add(t, "dnr", lit(main, DCT + "identifier"))
        d = lit(main, RPUBL + "beslutsdatum")
        add(t, "date", d)
        add(t, "year", int(d[:4]) if d else None)
        add(t, "authority", *[org_name(i) for i in iris(main, DCT + "publisher") + iris(main, RPUBL + "beslutadAv")])
        cls = [i.rsplit("#", 1)[-1] for i in iris(main, RDF + "type")]
        add(t, "type", *[vocab_term(RDF_TYPES[c]) for c in cls if c in RDF_TYPES])
        notes = {"date": "other dates: utkomFranTryck " + str(lit(main, RPUBL + "utkomFranTryck"))
                         + ", ikraft " + str(lit(main, RPUBL + "ikrafttradandedatum"))}
        cases.append(Case("myndfskr", "myndfskr", os.path.relpath(doc, data), doc, os.path.basename(doc), t, notes))
    return cases


def current_rubrik(rubrik: str) -> str:
    lines = [ln.strip() for ln in rubrik.replace("\r", "").split("\n")]
    lines = [ln for ln in lines if ln and not (ln.startswith("/") and ln.endswith("/"))]
    return lines[-1] if lines else rubrik.strip()


def load_sfs(data: str) -> list[Case]:
    cases = []
    for f in sorted(glob.glob(os.path.join(data, "sfs_rkrattsbaser_json", "*.json"))):
        d = json.load(open(f, encoding="utf-8"))
        full = d.get("fulltext") or {}
        text = full.get("forfattningstext")
        bet = d.get("beteckning")
        if not text or not bet:
            continue
        t: dict = {}
        title = current_rubrik(d.get("rubrik") or "")
        bare = " ".join(re.sub(r"\(\s*" + re.escape(bet) + r"\s*\)", " ", title).split())
        add(t, "title", title, bare)
        add(t, "dnr", "SFS " + bet)
        utf = (full.get("utfardadDateTime") or "")[:10]
        add(t, "date", utf or None)
        add(t, "year", int(utf[:4]) if utf else None)
        add(t, "authority", ((d.get("organisation") or {}).get("namn")))
        add(t, "type", vocab_term(SFS_TYPES.get(d.get("forfattningstypNamn"))))
        name = bet.replace(":", "-") + ".txt"
        cases.append(Case("sfs", d.get("forfattningstypNamn") or "sfs", os.path.relpath(f, data), None, name, t,
                          {"authority": "unreliable truth: today's ministry"}, content=text))
    return cases


MINISTRY = re.compile(r"departementet$|^Statsrådsberedningen$")


def load_regeringen(data: str, n: int) -> tuple[list[Case], list[Case]]:
    root = os.path.join(data, "regeringen_g0vse")
    codes = json.load(open(os.path.join(root, "api", "codes.json"), encoding="utf-8"))
    indexed, noindex = [], []
    index_files = sorted(glob.glob(os.path.join(root, "*.json")) + glob.glob(os.path.join(root, "rattsliga-dokument", "*.json")))
    for ix in index_files:
        category = os.path.relpath(ix, root)[:-5]
        records = {}
        for r in json.load(open(ix, encoding="utf-8")):
            p = os.path.join(root, (r.get("url") or "").strip("/") + ".md")
            records.setdefault(os.path.normpath(p), r)
        mds = [p for p in glob.glob(os.path.join(root, category, "**", "*.md"), recursive=True) if os.path.normpath(p) in records]
        for p in sample(mds, n):
            r = records[os.path.normpath(p)]
            t: dict = {}
            rid = " ".join((r.get("id") or "").split())
            title = " ".join((r.get("title") or "").split())
            stripped = title
            if rid and norm(title).endswith(norm(rid)):
                stripped = title[: len(title) - len(rid)].rstrip(" ,;:-–")
            add(t, "title", stripped, title)
            pub = (r.get("published") or "")[:10]
            add(t, "date", pub or None)
            add(t, "year", int(pub[:4]) if pub else None)
            names = [codes.get(str(c), "") for c in r.get("senders") or []]
            ministries = [x for x in names if MINISTRY.search(x)]
            add(t, "authority", *(ministries or [x for x in names if x in ("Regeringen", "Regeringskansliet")]))
            add(t, "dnr", DNR_LABEL.sub("", rid).strip() or None)
            types = []
            for c in r.get("types") or []:
                name = codes.get(str(c), "")
                cands = REGERINGEN_TYPES.get(name)
                if cands == ["ds"] and not re.match(r"\s*ds\b", rid, re.IGNORECASE):
                    cands = DEPT_PM
                mapped = vocab_term(cands)
                if mapped:
                    types.append(mapped)
            # a specific term wins over the catch-all
            specific = [x for x in types if x != "övrigt"]
            add(t, "type", *(specific or types))
            indexed.append(Case("regeringen", category, os.path.relpath(p, data), p, os.path.basename(p), t))
    for category in ("pressmeddelanden", "regeringsuppdrag", "remisser"):
        mds = glob.glob(os.path.join(root, category, "**", "*.md"), recursive=True)
        for p in sample(mds, n):
            rel = os.path.relpath(p, root).split(os.sep)
            t = {}
            if len(rel) >= 3 and re.fullmatch(r"\d{4}", rel[1]):
                add(t, "year", int(rel[1]))
            if category == "pressmeddelanden":
                add(t, "type", vocab_term(["pressmeddelande"]))
            noindex.append(Case("regeringen-noindex", category, os.path.relpath(p, data), p, os.path.basename(p), t))
    return indexed, noindex


def load_ferenda(data: str) -> list[Case]:
    cases = []
    repo = os.path.join(data, "ferenda", "repo")
    wanted = {"Proposition", "Kommittedirektiv", "Utredningsbetankande", "KonsolideradGrundforfattning"}
    for source in ("propregeringen", "proptrips", "propriksdagen", "dirregeringen", "dirtrips", "souregeringen", "sfs", "sfs.legacy"):
        for ttl in sorted(glob.glob(os.path.join(repo, source, "distilled", "**", "*.ttl"), recursive=True)):
            key = os.path.relpath(ttl, os.path.join(repo, source, "distilled"))[:-4]
            down = os.path.join(repo, source, "downloaded", key)
            doc = next((c for c in (down + "/index.html", down + "/index.xml", down + ".html") if os.path.isfile(c)), None)
            if not doc:
                continue
            try:
                subjects = Turtle(open(ttl, encoding="utf-8").read()).subjects()
            except ValueError as e:
                print(f"warning: {os.path.relpath(ttl, data)}: {e}", file=sys.stderr)
                continue
            main = None
            for s, props in subjects.items():
                cls = {i.rsplit("#", 1)[-1] for i in iris(props, RDF + "type")}
                if cls & wanted and lit(props, DCT + "title") and "#" not in s:
                    main = (cls & wanted).pop(), props
                    break
            if not main:
                continue
            cls, props = main
            t: dict = {}
            title = lit(props, DCT + "title")
            add(t, "title", title)
            ident = lit(props, DCT + "identifier") or ""
            add(t, "dnr", re.sub(r"\s+i lydelse enligt.*$", "", ident) or None)
            d = lit(props, RPUBL + "utfardandedatum") or lit(props, RPUBL + "beslutsdatum")
            if not d and source != "propriksdagen":
                d = lit(props, DCT + "issued")
            add(t, "date", d)
            add(t, "year", int(d[:4]) if d else None)
            add(t, "authority", *[org_name(i) for i in iris(props, RPUBL + "departement") + iris(props, DCT + "creator")])
            if cls == "KonsolideradGrundforfattning":
                head = norm(title.split("(")[0])
                typ = vocab_term(["förordning"]) if head.endswith("förordning") or head.startswith("förordning") else \
                      vocab_term(["lag"]) if re.search(r"(lag|balk)$", head) or head.startswith("lag") else None
            else:
                typ = vocab_term(RDF_TYPES.get(cls))
            add(t, "type", typ)
            cases.append(Case("ferenda", source, os.path.relpath(doc, data), doc, os.path.basename(doc), t))
    return cases


# ---------------------------------------------------------------------------------------------
# Running the extractor

def stage(cases: list[Case], tmp: str, data: str, original_paths: bool) -> None:
    """Puts every case's file where the extractor will read it and sets run_path (relative to tmp
    or, with original_paths, to data)."""
    for i, c in enumerate(cases):
        if c.content is not None:
            folder = os.path.join(tmp, c.dataset)
            os.makedirs(folder, exist_ok=True)
            target = os.path.join(folder, c.basename)
            with open(target, "w", encoding="utf-8", newline="") as f:
                f.write(c.content)
            c.run_path = os.path.relpath(target, tmp)
        elif original_paths:
            c.run_path = os.path.relpath(c.original, data)
        else:
            folder = os.path.join(tmp, c.dataset, f"d{i:05d}")
            os.makedirs(folder, exist_ok=True)
            target = os.path.join(folder, c.basename)
            shutil.copyfile(c.original, target)
            c.run_path = os.path.relpath(target, tmp)


def run_chunk(binary: str, cwd: str, paths: list[str]) -> tuple[dict, str]:
    out: dict = {}
    try:
        p = subprocess.run([binary, "extract", "--format", "json", *paths], cwd=cwd,
                           capture_output=True, text=True, encoding="utf-8", errors="replace", timeout=1800)
    except subprocess.TimeoutExpired:
        return out, "timeout"
    for line in p.stdout.splitlines():
        line = line.strip()
        if not line.startswith("{"):
            continue
        try:
            o = json.loads(line)
        except json.JSONDecodeError:
            continue
        if o.get("part", 0) == 0 and o.get("path") not in out:
            out[o.get("path")] = o
    problem = "" if p.returncode == 0 else f"exit {p.returncode}: {p.stderr.strip()[:300]}"
    return out, problem


def extract(binary: str, cases: list[Case], cwd: str) -> tuple[float, list[str]]:
    """Runs the extractor over the cases (CHUNK files per call, WORKERS calls at a time);
    returns the wall time and any problems."""
    paths = [c.run_path for c in cases]
    chunks = [paths[i:i + CHUNK] for i in range(0, len(paths), CHUNK)]
    results: dict = {}
    problems: list[str] = []
    start = time.monotonic()
    with concurrent.futures.ThreadPoolExecutor(max_workers=WORKERS) as pool:
        for out, problem in pool.map(lambda ch: run_chunk(binary, cwd, ch), chunks):
            results.update(out)
            if problem:
                problems.append(problem)
    missing = [p for p in paths if p not in results]
    if missing:  # a crash in a chunk: retry its files one by one to isolate the culprit
        for p in missing:
            out, problem = run_chunk(binary, cwd, [p])
            results.update(out)
            if p not in out:
                problems.append(f"{p}: no output ({problem or 'no JSON line'})")
    wall = time.monotonic() - start
    for c in cases:
        c.extracted = results.get(c.run_path) or {"error": "no output from the extractor"}
    return wall, problems


# ---------------------------------------------------------------------------------------------
# Is the truth in the file at all? (tells "diarium missed it" from "the file does not say it")

MONTHS = ["januari", "februari", "mars", "april", "maj", "juni", "juli", "augusti", "september",
          "oktober", "november", "december"]


def file_text(c: Case) -> str:
    if c.content is not None:
        raw = c.content
    else:
        try:
            b = open(c.original, "rb").read()
        except OSError:
            return ""
        try:
            raw = b.decode("utf-8")
        except UnicodeDecodeError:
            raw = b.decode("cp1252", errors="replace")
        if c.basename.lower().endswith((".html", ".htm", ".xml", ".xhtml")):
            raw = html.unescape(raw)
    return raw + "\n" + c.basename


def in_file(field: str, truth: list, text: str, cache: dict) -> bool | None:
    """Whether any accepted truth value appears in the file's raw text or name (None: not checked)."""
    if field == "type":
        return None
    if "norm" not in cache:
        cache["norm"] = norm(text)
    t = cache["norm"]
    for v in truth:
        if field in ("title", "authority"):
            if norm(v) and norm(v) in t:
                return True
        elif field == "dnr":
            if "dnr" not in cache:
                cache["dnr"] = re.sub(r"\s+", "", re.sub(r"(?<=[^\W\d_])\.", "", t))
            if dnr_norm(v) and dnr_norm(v) in cache["dnr"]:
                return True
        elif field == "year":
            if re.search(r"(?<!\d)%s(?!\d)" % int(v), t):
                return True
        elif field == "date":
            y, m, d = int(v[:4]), int(v[5:7]), int(v[8:10])
            if v in t or re.search(r"(?<!\d)0?%d %s %d(?!\d)" % (d, MONTHS[m - 1], y), t):
                return True
    return False


# ---------------------------------------------------------------------------------------------
# Scoring and reports

def score(cases: list[Case]) -> tuple[dict, dict]:
    """-> ({field: {correct, total, missing, from_path}}, {field: [mismatch, …]})"""
    stats = {f: {"correct": 0, "total": 0, "missing": 0, "from_path": 0, "not_in_file": 0} for f in FIELDS}
    errors: dict = {f: [] for f in FIELDS}
    for c in cases:
        text, cache = None, {}
        for f in FIELDS:
            truth = c.truth.get(f)
            if not truth:
                continue
            got = c.extracted.get(f)
            src = (c.extracted.get("sources") or {}).get(f)
            s = stats[f]
            s["total"] += 1
            if any(MATCHERS[f](t, got) for t in truth):
                s["correct"] += 1
                if src in ("folder", "file-name"):
                    s["from_path"] += 1
            else:
                if got in (None, ""):
                    s["missing"] += 1
                if text is None:
                    text = file_text(c)
                found = in_file(f, truth, text, cache)
                if found is False:
                    s["not_in_file"] += 1
                errors[f].append({"file": c.source, "group": c.group, "truth": truth[0] if len(truth) == 1 else truth,
                                  "extracted": got, "source": src, "in_file": found, "error": c.extracted.get("error"),
                                  "note": c.notes.get(f)})
    return stats, errors


def pct(correct: int, total: int) -> float | None:
    return round(100.0 * correct / total, 1) if total else None


def table(stats: dict, unreliable: set[str] = frozenset()) -> str:
    rows = [("field", "correct", "total", "accuracy", "target", "missing", "not in file", "reachable", "from path", "")]
    for f in FIELDS:
        s = stats[f]
        if not s["total"]:
            continue
        acc = pct(s["correct"], s["total"])
        target = TARGETS.get(f)
        status = "" if target is None else ("ok" if acc >= target else "BELOW")
        if f in unreliable:
            status += " (unreliable truth)"
        rows.append((f, str(s["correct"]), str(s["total"]), f"{acc:.1f} %", f"≥ {target:.0f} %" if target else "–",
                     str(s["missing"]), "–" if f == "type" else str(s["not_in_file"]),
                     "–" if f == "type" else f"{pct(s['total'] - s['not_in_file'], s['total']):.1f} %",
                     str(s["from_path"]), status.strip()))
    widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]))]
    lines = []
    for k, r in enumerate(rows):
        lines.append("  " + "  ".join(v.ljust(widths[i]) if i == 0 else v.rjust(widths[i]) if i < 9 else v
                                       for i, v in enumerate(r)).rstrip())
        if k == 0:
            lines.append("  " + "  ".join("-" * w for w in widths[:9]))
    return "\n".join(lines)


def group_matrix(cases: list[Case]) -> str:
    groups = sorted({c.group for c in cases})
    rows = [("category", "n") + tuple(FIELDS)]
    for g in groups:
        st, _ = score([c for c in cases if c.group == g])
        n = sum(1 for c in cases if c.group == g)
        rows.append((g, str(n)) + tuple(
            f"{pct(st[f]['correct'], st[f]['total']):.0f}%/{st[f]['total']}" if st[f]["total"] else "–" for f in FIELDS))
    widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]))]
    return "\n".join("  " + "  ".join(v.ljust(widths[i]) if i == 0 else v.rjust(widths[i]) for i, v in enumerate(r))
                     for r in rows)


def short(v, n=110) -> str:
    s = json.dumps(v, ensure_ascii=False) if not isinstance(v, str) else repr(v)
    return s if len(s) <= n else s[: n - 1] + "…"


def main() -> int:
    here = os.path.dirname(os.path.abspath(__file__))
    repo = os.path.dirname(here)
    ap = argparse.ArgumentParser(description="Measure diarium's metadata extraction against real ground truth.")
    ap.add_argument("--binary", default=os.path.join(repo, ".build", "release", "diarium"))
    ap.add_argument("--data", default=os.path.normpath(os.path.join(repo, "..", "shared", "data")))
    ap.add_argument("--sample", type=int, default=150, help="at most N files per regeringen category (default 150; 0 = all)")
    ap.add_argument("--show-errors", type=int, default=0, metavar="N", help="print N mismatches per field and dataset")
    ap.add_argument("--json", metavar="FILE", help="write the figures and every mismatch to FILE")
    ap.add_argument("--datasets", default="myndfskr,sfs,regeringen,regeringen-noindex,ferenda",
                    help="comma-separated subset of: myndfskr, sfs, regeringen, regeringen-noindex, ferenda")
    ap.add_argument("--original-paths", action="store_true",
                    help="extract the files where they are (folder names visible) instead of neutral copies")
    args = ap.parse_args()

    binary = os.path.abspath(args.binary)
    if not (os.path.isfile(binary) and os.access(binary, os.X_OK)):
        print(f"diarium binary not found: {binary}\nBuild it first:  swift build -c release --product diarium\n"
              f"(or pass --binary PATH)", file=sys.stderr)
        return 2
    data = os.path.abspath(args.data)
    if not os.path.isdir(data):
        print(f"data folder not found: {data} (pass --data DIR)", file=sys.stderr)
        return 0

    vocab_source = load_vocabulary(repo)
    wanted = [d.strip() for d in args.datasets.split(",") if d.strip()]
    datasets: dict[str, list[Case]] = {}
    for name in wanted:
        try:
            if name == "myndfskr":
                datasets[name] = load_myndfskr(data)
            elif name == "sfs":
                datasets[name] = load_sfs(data)
            elif name in ("regeringen", "regeringen-noindex"):
                if "regeringen" not in datasets and "regeringen-noindex" not in datasets:
                    a, b = load_regeringen(data, args.sample)
                    if "regeringen" in wanted:
                        datasets["regeringen"] = a
                    if "regeringen-noindex" in wanted:
                        datasets["regeringen-noindex"] = b
            elif name == "ferenda":
                datasets[name] = load_ferenda(data)
            else:
                print(f"unknown dataset {name!r}", file=sys.stderr)
        except (OSError, ValueError, KeyError) as e:
            print(f"warning: could not load {name}: {e}", file=sys.stderr)
    order = [d for d in ("myndfskr", "sfs", "regeringen", "regeringen-noindex", "ferenda") if d in datasets]

    st = os.stat(binary)
    digest = hashlib.sha256(open(binary, "rb").read()).hexdigest()[:16]
    built = time.strftime("%Y-%m-%d %H:%M:%S", time.localtime(st.st_mtime))
    print(f"binary {binary} (modified {built}, sha256 {digest}…); data {data}; sample {args.sample} per category;"
          f" {'original paths' if args.original_paths else 'neutral copies'}; type vocabulary from {vocab_source}")
    print("columns: missing = nothing extracted; not in file = mismatches whose truth appears nowhere in the file"
          " (raw text and name);\n  reachable = share of documents whose truth is in the file or was extracted"
          " (a ceiling for extraction from content); from path = correct values taken from a folder or file name")

    tmp = tempfile.mkdtemp(prefix="diarium-accuracy-")
    report: dict = {"binary": binary, "binary_sha256": digest, "binary_modified": built, "data": data,
                    "sample": args.sample, "original_paths": args.original_paths,
                    "type_vocabulary": sorted(VOCABULARY),
                    "targets": TARGETS, "datasets": {}}
    all_cases: list[Case] = []
    total_wall = 0.0
    try:
        for name in order:
            cases = datasets[name]
            if not cases:
                continue
            stage(cases, tmp, data, args.original_paths)
            cwd = data if args.original_paths and name != "sfs" else tmp  # SFS texts are always generated
            wall, problems = extract(binary, cases, cwd)
            total_wall += wall
            all_cases.extend(cases)
            stats, errors = score(cases)
            unreliable = {"authority"} if name == "sfs" else set()
            print(f"\n== {name}: {len(cases)} documents, extraction wall time {wall:.1f} s")
            print(table(stats, unreliable))
            if len({c.group for c in cases}) > 1 and name in ("regeringen", "regeringen-noindex", "ferenda"):
                print("\n  per category (accuracy/documents with truth):")
                print(group_matrix(cases))
            for p in problems[:10]:
                print(f"  problem: {p}")
            if args.show_errors:
                for f in FIELDS:
                    errs = errors[f]
                    if not errs:
                        continue
                    print(f"\n  {name} / {f}: {len(errs)} mismatches, {min(len(errs), args.show_errors)} of them"
                          f" (spread over the list):")
                    step = max(1, len(errs) // args.show_errors)
                    for e in errs[::step][: args.show_errors]:
                        print(f"    {e['file']}")
                        print(f"      truth:     {short(e['truth'])}")
                        print(f"      extracted: {short(e['extracted'])}  [{e['source']}]"
                              + ("  (truth not in the file)" if e["in_file"] is False else "")
                              + (f"  error: {e['error']}" if e['error'] else "")
                              + (f"  ({e['note']})" if e['note'] else ""))
            groups = {}
            for g in sorted({c.group for c in cases}):
                gs, _ = score([c for c in cases if c.group == g])
                groups[g] = {f: dict(gs[f], accuracy=pct(gs[f]["correct"], gs[f]["total"])) for f in FIELDS if gs[f]["total"]}
            report["datasets"][name] = {
                "documents": len(cases), "wall_seconds": round(wall, 2), "problems": problems,
                "fields": {f: dict(stats[f], accuracy=pct(stats[f]["correct"], stats[f]["total"]),
                                   reachable=pct(stats[f]["total"] - stats[f]["not_in_file"], stats[f]["total"]),
                                   target=TARGETS.get(f), unreliable=f in unreliable) for f in FIELDS if stats[f]["total"]},
                "groups": groups, "mismatches": errors,
            }
        if all_cases:
            stats, _ = score(all_cases)
            has_sfs = any(c.dataset == "sfs" for c in all_cases)
            print(f"\n== overall: {len(all_cases)} documents, extraction wall time {total_wall:.1f} s"
                  + (" (authority includes the sfs set, whose truth is unreliable)" if has_sfs else ""))
            print(table(stats))
            nosfs, _ = score([c for c in all_cases if c.dataset != "sfs"])
            if has_sfs and nosfs["authority"]["total"]:
                print(f"  authority without sfs: {nosfs['authority']['correct']}/{nosfs['authority']['total']} = "
                      f"{pct(nosfs['authority']['correct'], nosfs['authority']['total'])} %")
            report["overall"] = {"documents": len(all_cases), "wall_seconds": round(total_wall, 2),
                                 "fields": {f: dict(stats[f], accuracy=pct(stats[f]["correct"], stats[f]["total"]),
                                                    target=TARGETS.get(f)) for f in FIELDS if stats[f]["total"]},
                                 "authority_without_sfs": dict(nosfs["authority"], accuracy=pct(
                                     nosfs["authority"]["correct"], nosfs["authority"]["total"]))}
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    if args.json:
        with open(args.json, "w", encoding="utf-8") as f:
            json.dump(report, f, ensure_ascii=False, indent=1)
        print(f"\nfigures written to {args.json}")
    return 0


if __name__ == "__main__":
    try:
        sys.exit(main())
    except KeyboardInterrupt:
        sys.exit(130)
