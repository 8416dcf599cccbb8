#!/usr/bin/env python3
"""Runs COMMAND and samples /proc/PID/smaps every 10 ms; prints the sample with the most
file-backed resident memory, by mapping, and the command's exit status (docs/benchmarks.md,
fourteenth session, mend14).

    python3 Benchmarks/merge-memory/smaps_peak.py diarium optimize --index IX
"""
import argparse, re, subprocess, sys, time

parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
parser.add_argument("command", nargs=argparse.REMAINDER)
args = parser.parse_args()
if not args.command:
    parser.error("give the command to run")

p = subprocess.Popen(args.command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
best = (0, {})
while p.poll() is None:
    try:
        with open(f"/proc/{p.pid}/smaps") as h:
            text = h.read()
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
status = p.wait()
print("peak file-backed KB", best[0])
for k, v in sorted(best[1].items(), key=lambda x: -x[1])[:12]:
    print(v, k)
print("exit status", status)
sys.exit(1 if status else 0)
