#!/usr/bin/env python3
"""usage: runnable-threads.py COMMAND [ARG…] — runs COMMAND and samples, every 10 ms, how many of its
threads are runnable (state R in /proc/PID/task/*/stat: running or waiting for a core); prints the
share of samples with 0, 1, 2, … runnable threads and a timeline (per second of wall time: the mean).
On a loaded machine this still shows where a pipeline leaves cores idle (one runnable thread while
the others wait), which wall and CPU seconds do not (docs/benchmarks.md, "Commits in the
background")."""
import os, sys, subprocess, tempfile, time, collections
# stderr to a file, not a pipe: a command that writes more than a pipe holds would block on it.
errfile = tempfile.TemporaryFile()
p = subprocess.Popen(sys.argv[1:], stdout=subprocess.DEVNULL, stderr=errfile)
t0 = time.time(); hist = collections.Counter(); timeline = collections.defaultdict(list)
while p.poll() is None:
    n = 0
    try:
        for tid in os.listdir(f"/proc/{p.pid}/task"):
            try:
                s = open(f"/proc/{p.pid}/task/{tid}/stat").read()
                st = s[s.rindex(")") + 2]
                if st == "R": n += 1
            except OSError: pass
    except OSError: break
    hist[n] += 1; timeline[int(time.time() - t0)].append(n)
    time.sleep(0.01)
errfile.seek(0)
err = errfile.read().decode(errors="replace")
total = sum(hist.values())
print("wall %.1f s, exit status %d" % (time.time() - t0, p.returncode))
for k in sorted(hist): print(f"runnable {k}: {100*hist[k]/total:.1f} %")
print("timeline (s: mean runnable):", " ".join(f"{s}:{sum(v)/len(v):.1f}" for s, v in sorted(timeline.items())))
print(err[-300:])
