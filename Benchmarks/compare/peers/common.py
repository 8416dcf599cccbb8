"""Shared helpers of the peer drivers (plain Python, works under any python3)."""
import json, os, sys, time

here = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.dirname(here))


def docs(path):
    """Streams the extracted documents: (id, title, body, meta, year)."""
    with open(path, encoding="utf-8") as f:
        for i, line in enumerate(f):
            d = json.loads(line)
            text = d.get("text") or ""
            if not text:
                continue
            meta = " ".join(str(d.get(k) or "") for k in ("authority", "type", "dnr")).strip()
            yield i, d.get("title") or "", text, meta, int(d.get("year") or 0)


def report(**kv):
    print(json.dumps(kv), flush=True)


def warm_up(queries):
    """The first query of each class: run once, untimed, before the timed pass."""
    seen, out = set(), []
    for q in queries:
        if q["cls"] not in seen:
            seen.add(q["cls"]); out.append(q)
    return out


def run_batch(queries_path, out_path, run_one):
    """Runs one query of each class untimed, then every query once, timed, and writes JSON Lines
    {"cls", "ms", "total"}; `run_one(q)` returns the hit count or estimate."""
    qs = json.load(open(queries_path))
    for q in warm_up(qs):
        run_one(q)
    rows = []
    for q in qs:
        t0 = time.perf_counter()
        total = run_one(q)
        rows.append({"cls": q["cls"], "ms": (time.perf_counter() - t0) * 1000, "total": total})
    with open(out_path, "w") as f:
        for row in rows:
            f.write(json.dumps(row) + "\n")
