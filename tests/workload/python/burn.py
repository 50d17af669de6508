"""CPU burner with a known call chain: <module> -> a -> b -> hot.
Usage: python3 burn.py SECONDS (tests/e2e/python.bats)."""
import sys
import time


def hot(n):
    s = 0
    for i in range(n):
        s += i * i % 7
    return s


def b(n):
    return hot(n)


def a(n):
    return b(n)


if __name__ == "__main__":
    end = time.time() + float(sys.argv[1])
    while time.time() < end:
        a(20000)
