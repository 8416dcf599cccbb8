#!/usr/bin/env python3
"""Runs COMMAND and samples /proc/PID/smaps every 10 ms; prints the sample with the most
file-backed resident memory, by mapping (docs/benchmarks.md, fourteenth session, mend14).

    python3 Benchmarks/merge-memory/smaps_peak.py diarium optimize --index IX
"""
import re, subprocess, sys, time

p = subprocess.Popen(sys.argv[1:], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
best = (0, {})
while p.poll() is None:
    try:
        text = open(f"/proc/{p.pid}/smaps").read()
    except OSError:
        break
    maps, cur = {}, None
    for line in text.splitlines():
        m = re.match(r"^[0-9a-f]+-[0-9a-f]+ \S+ \S+ \S+ \S+\s*(.*)$", line)
        if m:
            cur = m.group(1) or "[anon]"
        elif line.startswith("Rss:"):
            maps[cur] = maps.get(cur, 0) + int(line.split()[1])
    total = sum(v for k, v in maps.items() if k.startswith("/"))
    if total > best[0]:
        best = (total, maps)
    time.sleep(0.01)
print("peak file-backed KB", best[0])
for k, v in sorted(best[1].items(), key=lambda x: -x[1])[:12]:
    print(v, k)
