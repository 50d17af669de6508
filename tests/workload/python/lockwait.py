"""Threads blocked on a threading.Lock that one holder keeps for 20 ms at
a time. Prints the seconds the waiters spent in lock.acquire(), summed,
as the workload measures it (tests/e2e/python.bats).
Usage: python3 lockwait.py SECONDS WAITERS"""
import sys
import threading
import time

lock = threading.Lock()
waited = []


def holder(end):
    while time.time() < end:
        with lock:
            time.sleep(0.02)
        time.sleep(0.0005)


def waiter(end):
    total = 0.0
    while time.time() < end:
        t = time.perf_counter()
        lock.acquire()
        total += time.perf_counter() - t
        lock.release()
        time.sleep(0.0005)
    waited.append(total)


if __name__ == "__main__":
    end = time.time() + float(sys.argv[1])
    threads = [threading.Thread(target=holder, args=(end,))]
    threads += [threading.Thread(target=waiter, args=(end,)) for _ in range(int(sys.argv[2]))]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    print("%.6f" % sum(waited))
