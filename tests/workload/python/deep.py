"""A burner 100 Python calls deep: more frames than a stack keeps.
Usage: python3 deep.py SECONDS (tests/e2e/python.bats)."""
import sys
import time


def down(n, end):
    if n:
        return down(n - 1, end)
    s = 0
    while time.time() < end:
        for i in range(1000):
            s += i % 7
    return s


if __name__ == "__main__":
    down(100, time.time() + float(sys.argv[1]))
