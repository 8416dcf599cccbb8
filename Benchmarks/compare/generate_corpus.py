#!/usr/bin/env python3
"""Deterministic synthetic corpus of Swedish public documents for the benchmark.

Words are drawn with their real frequencies from wordfreq's Swedish list (large_sv, pinned by
the wordfreq version), document lengths are log-normal, half the files are plain text and half
HTML, each with a title, an authority, a date and a diarienummer placed the way Swedish
authorities write them. Only PCG64's raw uniform stream is used (no numpy sampling helpers whose
algorithms may change between numpy versions), so the same seed gives the same corpus.

usage: generate_corpus.py OUTDIR --docs N [--seed S]
"""
import argparse, hashlib, json, math, os, re, shutil, sys, time

import numpy as np
import wordfreq

SEED = 20240605
MEDIAN_WORDS = 180     # log-normal: median 180 words, sigma 1.0 -> mean ~300 words, p99 ~1,800
SIGMA = 1.0
MIN_WORDS, MAX_WORDS = 15, 30000

MUNICIPALITIES = ["Norrvika kommun", "Sundsvalls kommun", "Umeå kommun", "Västerås stad", "Örebro kommun",
                  "Linköpings kommun", "Lunds kommun", "Region Halland", "Region Jämtland Härjedalen",
                  "Gävle kommun", "Karlstads kommun", "Växjö kommun", "Kiruna kommun", "Falu kommun"]
# (name, abbreviation used in the diarienummer)
AUTHORITIES = [("Kommunstyrelsen", "KS"), ("Barn- och utbildningsnämnden", "BUN"), ("Gymnasienämnden", "GYN"),
               ("Socialnämnden", "SN"), ("Byggnadsnämnden", "BN"), ("Miljö- och hälsoskyddsnämnden", "MHN"),
               ("Kultur- och fritidsnämnden", "KFN"), ("Tekniska nämnden", "TN"), ("Vård- och omsorgsnämnden", "VON"),
               ("Överförmyndarnämnden", "ÖFN"), ("Valnämnden", "VN"), ("Revisionen", "REV"),
               ("Kommunfullmäktige", "KF"), ("Stadsbyggnadskontoret", "SBK"), ("Tekniska förvaltningen", "TF"),
               ("Socialförvaltningen", "SF"), ("Utbildningsförvaltningen", "UF"), ("Kommunledningskontoret", "KLK"),
               ("Räddningsnämnden", "RN"), ("Arbetsmarknadsnämnden", "AMN"), ("Regionstyrelsen", "RS"),
               ("Hälso- och sjukvårdsnämnden", "HSN"), ("Kollektivtrafiknämnden", "KTN"), ("Patientnämnden", "PN"),
               ("Skatteverket", "SKV"), ("Trafikverket", "TRV"), ("Naturvårdsverket", "NV"), ("Skolinspektionen", "SI"),
               ("Länsstyrelsen", "LST"), ("Försäkringskassan", "FK"), ("Integritetsskyddsmyndigheten", "IMY"),
               ("Myndigheten för digital förvaltning", "DIGG"), ("Finansdepartementet", "Fi"), ("Justitiedepartementet", "Ju"),
               ("Socialdepartementet", "S"), ("Infrastrukturdepartementet", "I"), ("Datainspektionen", "DI"),
               ("Riksrevisionen", "RiR"), ("Lantmäteriet", "LM"), ("Arbetsmiljöverket", "AV")]
DOC_TYPES = ["Protokoll", "Riskanalys", "Yttrande", "Beslut", "Remissvar", "Tjänsteskrivelse", "Policy", "Riktlinje",
             "Informationsklassning", "Delegationsbeslut", "Rapport", "Konsekvensbedömning", "Avtal", "Utredning",
             "Handlingsplan", "Verksamhetsplan", "Årsredovisning", "Internkontrollplan", "Promemoria", "Svar på motion"]
OFFICERS = ["Anna Lindqvist", "Erik Johansson", "Maria Karlsson", "Lars Nilsson", "Karin Svensson", "Johan Andersson",
            "Eva Persson", "Mikael Gustafsson", "Sara Olsson", "Henrik Sjöström", "Jonas Wallin", "Elin Berg"]
LETTERS = re.compile(r"^[a-zåäöéü]+$")


class Uniform:
    """Uniform [0,1) floats from PCG64, drawn in blocks."""
    def __init__(self, seed):
        self.g = np.random.Generator(np.random.PCG64(seed))
    def floats(self, n):
        return self.g.random(n)
    def one(self):
        return float(self.g.random())
    def normal(self):
        u1, u2 = self.g.random(2)
        return math.sqrt(-2.0 * math.log(1.0 - u1)) * math.cos(2.0 * math.pi * u2)
    def pick(self, seq):
        return seq[min(int(self.one() * len(seq)), len(seq) - 1)]


def vocabulary():
    table = wordfreq.get_frequency_dict("sv", wordlist="large")
    words = sorted((w for w in table if LETTERS.match(w)), key=lambda w: (-table[w], w))
    freqs = np.array([table[w] for w in words], dtype=np.float64)
    cdf = np.cumsum(freqs)
    cdf /= cdf[-1]
    return words, cdf


def sentences(words, idx, u):
    """Turns a sequence of word ids into sentences and paragraphs."""
    out, para, i, n = [], [], 0, len(idx)
    while i < n:
        k = 6 + int(u.one() * 16)
        sent = [words[j] for j in idx[i:i + k]]
        i += k
        if len(sent) > 6 and u.one() < 0.4:
            c = 2 + int(u.one() * (len(sent) - 4))
            sent[c] += ","
        sent[0] = sent[0][:1].upper() + sent[0][1:]
        para.append(" ".join(sent) + ".")
        if len(para) >= 3 + int(u.one() * 5):
            out.append(" ".join(para)); para = []
    if para:
        out.append(" ".join(para))
    return out


def esc(s):
    return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace('"', "&quot;")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("outdir")
    ap.add_argument("--docs", type=int, required=True)
    ap.add_argument("--seed", type=int, default=SEED)
    a = ap.parse_args()
    params = {"docs": a.docs, "seed": a.seed, "median": MEDIAN_WORDS, "sigma": SIGMA, "version": 4,
              "wordfreq": wordfreq.__version__ if hasattr(wordfreq, "__version__") else "?"}
    stamp = a.outdir.rstrip("/") + ".complete.json"   # beside the corpus, not in it
    if os.path.exists(stamp) and json.load(open(stamp)).get("params") == params:
        print(f"corpus {a.outdir} already generated ({a.docs} documents)", file=sys.stderr)
        return
    if os.path.exists(stamp):
        os.remove(stamp)
    if os.path.exists(a.outdir):
        shutil.rmtree(a.outdir)
    os.makedirs(a.outdir)
    t0 = time.time()
    words, cdf = vocabulary()
    u = Uniform(a.seed)
    total_bytes = 0
    made_dirs = set()
    for d in range(a.docs):
        muni = u.pick(MUNICIPALITIES)
        auth, abbr = u.pick(AUTHORITIES)
        year = 2010 + int(u.one() * 15)
        month, day = 1 + int(u.one() * 12), 1 + int(u.one() * 28)
        date = f"{year:04d}-{month:02d}-{day:02d}"
        dnr = f"{abbr} {year}/{1 + int(u.one() * 2400)}"
        dtype = u.pick(DOC_TYPES)
        n = int(round(MEDIAN_WORDS * math.exp(SIGMA * u.normal())))
        n = max(MIN_WORDS, min(MAX_WORDS, n))
        idx = np.searchsorted(cdf, u.floats(n + 4), side="right")
        idx = np.minimum(idx, len(words) - 1)
        title_words = " ".join(words[j] for j in idx[:4][:2 + int(u.one() * 3)])
        title = f"{dtype} – {title_words}"
        officer = u.pick(OFFICERS)
        paras = sentences(words, idx[4:], u)
        folder = os.path.join(a.outdir, auth, str(year))
        if folder not in made_dirs:
            os.makedirs(folder, exist_ok=True); made_dirs.add(folder)
        if d % 2 == 0:
            body = "\n\n".join(paras)
            text = (f"{muni.upper()}\n{auth}\n\n{title}\n\nDiarienummer: {dnr}\nDatum: {date}\n"
                    f"Handläggare: {officer}\n\n{body}\n")
            path = os.path.join(folder, f"dok{d:07d}.txt")
        else:
            body = "\n".join(f"<p>{esc(p)}</p>" for p in paras)
            text = (f'<!DOCTYPE html>\n<html lang="sv">\n<head>\n<meta charset="utf-8">\n<title>{esc(title)}</title>\n'
                    f'<meta name="DC.title" content="{esc(title)}">\n<meta name="DC.date" content="{date}">\n'
                    f'<meta name="DC.creator" content="{esc(auth)}, {esc(muni)}">\n<meta name="DC.identifier" content="{esc(dnr)}">\n'
                    f'<meta name="DC.language" content="sv">\n</head>\n<body>\n<table class="huvud">\n'
                    f'<tr><td>{esc(auth)}</td><td>Dnr {esc(dnr)}</td></tr>\n<tr><td>Handläggare: {esc(officer)}</td>'
                    f'<td>Datum {date}</td></tr>\n</table>\n<h1>{esc(title)}</h1>\n{body}\n</body>\n</html>\n')
            path = os.path.join(folder, f"dok{d:07d}.html")
        data = text.encode("utf-8")
        total_bytes += len(data)
        with open(path, "wb") as f:
            f.write(data)
        if d and d % 100000 == 0:
            print(f"  {d} documents, {total_bytes / 1e6:.0f} MB, {time.time() - t0:.0f} s", file=sys.stderr)
    json.dump({"params": params, "bytes": total_bytes, "seconds": round(time.time() - t0, 1)}, open(stamp, "w"))
    print(f"generated {a.docs} documents, {total_bytes / 1e6:.1f} MB in {time.time() - t0:.1f} s -> {a.outdir}", file=sys.stderr)


if __name__ == "__main__":
    main()
