#!/usr/bin/env python3
"""A hostile crowd for an HTTP server: N connections, each holding a
request it never finishes (no blank line). A connection the server closes
is opened again at once, so N stay held while this runs. Writes "N" to
READY once the first N are open, then runs until killed.
    hold_conns.py HOST PORT N READY"""
import resource
import selectors
import socket
import sys

host, port, n, ready = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), sys.argv[4]
soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
resource.setrlimit(resource.RLIMIT_NOFILE, (min(hard, max(soft, n + 64)), hard))
half = b"GET /metrics HTTP/1.1\r\nHost: x\r\n"
sel = selectors.DefaultSelector()


def hold():
    s = socket.socket()
    s.setblocking(False)
    try:
        s.connect((host, port))
    except BlockingIOError:
        pass
    sel.register(s, selectors.EVENT_WRITE, "connecting")


for _ in range(n):
    hold()
opened = 0
while True:
    for key, ev in sel.select(timeout=1):
        s = key.fileobj
        sel.unregister(s)
        if key.data == "connecting":
            err = s.getsockopt(socket.SOL_SOCKET, socket.SO_ERROR)
            if err:
                s.close()
                hold()
                continue
            try:
                s.send(half)
            except OSError:
                s.close()
                hold()
                continue
            sel.register(s, selectors.EVENT_READ, "held")
            opened += 1
            if opened == n:
                with open(ready, "w") as f:
                    f.write(f"{n}\n")
        else:
            # Readable: the server answered or closed it. Hold another.
            s.close()
            hold()
