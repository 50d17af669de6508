#!/usr/bin/env python3
"""Checks the frames sretrace gave each sampled address of one binary
against addr2line -f -i -C (binutils), the independent reading of the same
DWARF.

usage: inline_check.py BINARY RAW [DEBUGFILE]

RAW is `go tool pprof -raw` of an sretrace -f pprof profile. sretrace makes
one pprof location per frame, innermost first, so the locations of one
address in a sample are that address's inlined calls and then its function.
A sample's first address is the sampled pc; later ones are return
addresses, which sretrace (like perf) looks up one byte back.

Prints one line per mismatch and a summary; exits 1 on any mismatch or
when no address had an inlined call (nothing was checked). DEBUGFILE:
where addr2line reads BINARY's DWARF when it is a separate file (a
stripped library and its -dbg file); ANY_INLINE=0 accepts none; OUTER=0
compares the inlined calls only (a library's function is named by its
symbol table, where an alias may be chosen over DWARF's name);
ADDR2LINE=llvm-addr2line-14 reads with LLVM's reader instead (for clang's
output), DEMANGLE=0 compares mangled names (sretrace --no-demangle), as
LLVM's demangler prints some names differently from c++filt."""
import os
import re
import subprocess
import sys

INLINED = " (inlined)"


def parse_raw(text):
    maps, locs, samples = {}, {}, []
    section = None
    for line in text.splitlines():
        if line.startswith(("Samples:", "Locations", "Mappings")):
            section = line.split()[0].rstrip(":")
            continue
        if section == "Samples":
            m = re.match(r"^\s+\d+\s+\d+: ([\d ]+)$", line)
            if m:
                samples.append([int(x) for x in m.group(1).split()])
        elif section == "Locations":
            m = re.match(r"^\s*(\d+): 0x([0-9a-f]+) M=(\d+) (.*?) :\d+ s=\d+(?:\((.*)\))?$", line)
            if m:
                locs[int(m.group(1))] = (int(m.group(2), 16), int(m.group(3)), m.group(5) or m.group(4))
        elif section == "Mappings":
            m = re.match(r"^(\d+): 0x([0-9a-f]+)/0x([0-9a-f]+)/0x([0-9a-f]+) (\S+)", line)
            if m:
                maps[int(m.group(1))] = (int(m.group(2), 16), int(m.group(4), 16), m.group(5))
    return maps, locs, samples


def load_segments(binary):
    out = subprocess.run(["readelf", "-lW", binary], capture_output=True, text=True, check=True).stdout
    segs = []
    for line in out.splitlines():
        f = line.split()
        if f and f[0] == "LOAD":
            segs.append((int(f[1], 16), int(f[2], 16), int(f[4], 16)))
    return segs


def plt_ranges(binary):
    """PLT sections: stubs without DWARF (their names are test_syms's)."""
    out = subprocess.run(["readelf", "-SW", binary], capture_output=True, text=True, check=True).stdout
    res = []
    for m in re.finditer(r"\]\s+(\.plt\S*)\s+\S+\s+([0-9a-f]+)\s+[0-9a-f]+\s+([0-9a-f]+)", out):
        res.append((int(m.group(2), 16), int(m.group(2), 16) + int(m.group(3), 16)))
    return res


def to_vaddr(segs, off):
    for o, v, size in segs:
        if o <= off < o + size:
            return off - o + v
    return None


def addr2line(binary, addrs):
    """Function names per address, innermost first."""
    demangle = ["-C"] if os.environ.get("DEMANGLE", "1") != "0" else []
    out = subprocess.run([os.environ.get("ADDR2LINE", "addr2line"), "-a", "-f", "-i"] + demangle + ["-e", binary] + ["0x%x" % a for a in addrs],
                         capture_output=True, text=True, check=True).stdout.splitlines()
    res, cur, i = {}, None, 0
    while i < len(out):
        if re.match(r"^0x[0-9a-f]+$", out[i]):
            cur = int(out[i], 16)
            res[cur] = []
            i += 1
            continue
        res[cur].append(out[i])
        i += 2  # the function, then its file:line
    return res


def plain_rust(name):
    """A name as addr2line prints it: sretrace demangles as c++filt does,
    which shows Rust's hashes (legacy ::h..., v0 crate[...]); addr2line
    leaves them out (binutils demangles non-verbose there)."""
    return re.sub(r"::h[0-9a-f]{16}(?=$|[^0-9a-zA-Z_])|\[[0-9a-f]{1,16}\](?=::)", "", name)


def no_clone(name):
    """A function GCC cloned (.isra.0, .constprop.0, .part.0, .cold) is
    named by its symbol, as perf names it: c++filt prints the suffix as
    " [clone .isra.0]", a C name keeps ".isra.0"; DWARF's name for it (what
    addr2line prints) has none."""
    name = re.sub(r" \[clone \.[^\]]+\]", "", name)
    return re.sub(r"(\.(isra|constprop|part|cold|lto_priv)(\.\d+)?)+$", "", name)


def main():
    binary, raw = sys.argv[1], sys.argv[2]
    dwarf = sys.argv[3] if len(sys.argv) > 3 else binary
    maps, locs, samples = parse_raw(open(raw).read())
    mod = os.path.basename(binary)
    ours = {}  # (vaddr looked up, address) -> names, innermost first
    segs = load_segments(binary)
    for sample in samples:
        groups = []
        for lid in sample:
            addr, mid, name = locs[lid]
            # An address's frames end at its function (not inlined); the
            # same address again is recursion.
            if groups and groups[-1][0] == addr and groups[-1][1] == mid and groups[-1][2][-1].endswith(INLINED):
                groups[-1][2].append(name)
            else:
                groups.append((addr, mid, [name]))
        # The sampled pc is the first user frame (kernel frames come first
        # in a sample taken in the kernel); the others are return addresses.
        user = [g for g in groups if g[1] in maps and not maps[g[1]][2].startswith("[kernel")]
        for i, (addr, mid, names) in enumerate(user):
            if maps[mid][2] != mod:
                continue
            start, pgoff, _ = maps[mid]
            vaddr = to_vaddr(segs, addr - start + pgoff)
            if vaddr is None:
                continue
            ours[(vaddr - (1 if i else 0), addr)] = names
    plts = plt_ranges(binary)
    truth = addr2line(dwarf, sorted({k[0] for k in ours}))
    bad = with_inlines = 0
    for (q, addr), names in sorted(ours.items()):
        got = [no_clone(plain_rust(n[: -len(INLINED)] if n.endswith(INLINED) else n)) for n in names]
        want = truth.get(q, [])
        if any(lo <= q < hi for lo, hi in plts):
            continue
        if os.environ.get("OUTER", "1") == "0":
            got, want = got[:-1], want[:-1]
        # sretrace keeps names up to 4095 bytes.
        same = len(got) == len(want) and all(w == g or (len(g) == 4095 and w.startswith(g)) for g, w in zip(got, want))
        with_inlines += len(names) > 1
        if not same:
            bad += 1
            print("0x%x: sretrace %s\n         addr2line %s" % (q, got, want))
    print("%d addresses of %s compared with addr2line, %d with inlined calls, %d differ" % (len(ours), mod, with_inlines, bad))
    need_inline = os.environ.get("ANY_INLINE", "1") != "0"
    sys.exit(1 if bad or not ours or (need_inline and not with_inlines) else 0)


main()
