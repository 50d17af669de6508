#!/usr/bin/env python3
"""CPU saturation with a known run-queue wait: N burners pinned to one CPU
for S seconds each. Prints the kernel's own count of the time they spent
runnable but waiting for that CPU: the second field of
/proc/PID/schedstat (run_delay, ns), read while each burner is a zombie
(waitid with WNOWAIT), so it covers the burner's whole life.
    runq.py BURNER N SECONDS OUT"""
import os
import sys

burner, n, seconds, out = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4]
cpu = min(os.sched_getaffinity(0))
pids = []
for _ in range(n):
    pid = os.fork()
    if pid == 0:
        os.sched_setaffinity(0, {cpu})
        os.execv(burner, [burner, seconds])
    pids.append(pid)
delay = 0
for pid in pids:
    os.waitid(os.P_PID, pid, os.WEXITED | os.WNOWAIT)
    with open(f"/proc/{pid}/schedstat") as f:
        delay += int(f.read().split()[1])
    os.waitpid(pid, 0)
with open(out, "w") as f:
    f.write(f"{delay}\n")
