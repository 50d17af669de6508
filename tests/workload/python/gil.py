"""Threads that all want the GIL: pure-Python CPU loops in several
threads, so at any moment all but one wait to take it. Prints the seconds
the threads were not on CPU (wall time minus thread CPU time), summed: the
most the GIL can have cost them.
Usage: python3 gil.py SECONDS THREADS (tests/e2e/python.bats)."""
import sys
import threading
import time


off_cpu = []


def spin(end):
    n = 0
    wall, cpu = time.perf_counter(), time.thread_time()
    while time.time() < end:
        for i in range(1000):
            n += i * i % 3
    off_cpu.append((time.perf_counter() - wall) - (time.thread_time() - cpu))
    return n


if __name__ == "__main__":
    end = time.time() + float(sys.argv[1])
    threads = [threading.Thread(target=spin, args=(end,)) for _ in range(int(sys.argv[2]))]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    print("%.6f" % sum(off_cpu))
