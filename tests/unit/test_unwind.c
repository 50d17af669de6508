/* DWARF unwinding against a chain whose truth is known: this test's own
 * call chain main -> unwind_chain_a -> _b -> _c (built -O2, which omits
 * frame pointers on x86-64), captured the way BPF captures a thread
 * (registers + a copy of the stack above rsp), then unwound from the
 * copy with the CFI of this binary and libc. Also a truncated copy, a
 * damaged pc, and the PLT-style CFA expression. */
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "check.h"
#include "lib/sym/cfi.h"
#include "lib/sym/unwind.h"
#include "lib/sym/usyms.h"

static uint64_t regs[CFI_NREGS];
static uint8_t copy[8192];
static size_t copied;
static uint64_t stack_top;
static volatile unsigned long sink;

/* Byte by byte, unchecked: the raw stack holds ASan's redzones, which the
 * BPF side reads as plain bytes too. */
__attribute__((no_sanitize_address)) static void copy_raw(uint8_t *dst, const volatile uint8_t *src, size_t n)
{
	for (size_t i = 0; i < n; i++)
		dst[i] = src[i];
}

/* Registers in DWARF order, then the stack above rsp: what the BPF side
 * copies. rip is taken in the same asm block as rsp so they agree. */
__attribute__((noinline, no_sanitize_address)) static void capture(void)
{
	__asm__ volatile("lea 0(%%rip), %%rax\n\t"
			 "mov %%rax, 128(%0)\n\t"
			 "mov %%rsp, 56(%0)\n\t"
			 "mov %%rbp, 48(%0)\n\t"
			 "mov %%rbx, 24(%0)\n\t"
			 "mov %%r12, 96(%0)\n\t"
			 "mov %%r13, 104(%0)\n\t"
			 "mov %%r14, 112(%0)\n\t"
			 "mov %%r15, 120(%0)\n\t"
			 :
			 : "r"(regs)
			 : "rax", "memory");
	/* Like the BPF side: no further than the stack's end. */
	copied = stack_top - regs[CFI_REG_RSP] < sizeof(copy) ? stack_top - regs[CFI_REG_RSP] : sizeof(copy);
	copy_raw(copy, (const volatile uint8_t *)(uintptr_t)regs[CFI_REG_RSP], copied);
}

static uint64_t main_stack_end(void)
{
	char line[512];
	uint64_t lo, hi = 0;
	FILE *f = fopen("/proc/self/maps", "r");

	while (f && fgets(line, sizeof(line), f))
		if (strstr(line, "[stack]") && sscanf(line, "%" SCNx64 "-%" SCNx64, &lo, &hi) == 2)
			break;
	if (f)
		fclose(f);
	return hi;
}

/* Work after each call keeps them from being tail calls. */
__attribute__((noinline)) unsigned long unwind_chain_c(unsigned long x)
{
	capture();
	return sink + x * 3;
}

__attribute__((noinline)) unsigned long unwind_chain_b(unsigned long x)
{
	return unwind_chain_c(x + 1) * 5;
}

__attribute__((noinline)) unsigned long unwind_chain_a(unsigned long x)
{
	return unwind_chain_b(x ^ 7) + 11;
}

static const char *name_of(struct usyms *u, uint64_t ip)
{
	struct usym s;

	if (usyms_resolve(u, (uint32_t)getpid(), 1, ip, &s) || !s.name)
		return "?";
	return s.name;
}

static int find(struct usyms *u, const uint64_t *ips, int n, const char *fn)
{
	for (int i = 0; i < n; i++)
		if (!strcmp(name_of(u, ips[i]), fn))
			return i;
	return -1;
}

static void test_chain(struct usyms *u)
{
	struct sre_unwind_input in = { .pid = (uint32_t)getpid(), .gen = 1, .stack = copy, .len = copied };
	uint64_t ips[64];
	enum sre_unwind_end end;
	int n, c, b, a, m;

	memcpy(in.regs, regs, sizeof(regs));
	n = sre_unwind(u, &in, ips, 64, &end);
	c = find(u, ips, n, "unwind_chain_c");
	b = find(u, ips, n, "unwind_chain_b");
	a = find(u, ips, n, "unwind_chain_a");
	m = find(u, ips, n, "main");
	CHECK(!strcmp(name_of(u, ips[0]), "capture"), "innermost frame is %s", name_of(u, ips[0]));
	CHECK(c == 1 && b == 2 && a == 3 && m == 4, "chain at %d %d %d %d of %d frames", c, b, a, m, n);
	CHECK(end == SRE_UNWIND_END_COMPLETE, "unwind ended: %s", sre_unwind_end_names[end]);
	/* Beyond main: libc's start code, then nothing. */
	CHECK(n >= 6 && n <= 8, "%d frames", n);

	/* 16 bytes cannot hold the callers' frames: stops, says why. */
	in.len = 16;
	n = sre_unwind(u, &in, ips, 64, &end);
	CHECK(n >= 1 && n < 4 && end == SRE_UNWIND_END_PAST_COPY, "short copy: %d frames, %s", n,
	      sre_unwind_end_names[end]);

	/* A pc in no mapping. */
	in.len = copied;
	in.regs[CFI_REG_RA] = 0x10;
	n = sre_unwind(u, &in, ips, 64, &end);
	CHECK(n == 1 && end == SRE_UNWIND_END_NO_MAPPING, "bad pc: %d frames, %s", n, sre_unwind_end_names[end]);

	/* Room for three frames only. */
	memcpy(in.regs, regs, sizeof(regs));
	n = sre_unwind(u, &in, ips, 3, &end);
	CHECK(n == 3 && end == SRE_UNWIND_END_DEPTH, "depth: %d, %s", n, sre_unwind_end_names[end]);
}

static bool no_read(void *ctx, uint64_t addr, uint64_t *val)
{
	(void)ctx;
	(void)addr;
	(void)val;
	return false;
}

/* The CFA expression of glibc's PLT entries: rsp + 8, plus 8 more once
 * past the push in the entry (pc & 15 >= 11). */
static void test_plt_expression(void)
{
	static const uint8_t plt[] = { 0x77, 0x08, 0x80, 0x00, 0x3f, 0x1a, 0x3b, 0x2a, 0x33, 0x24, 0x22 };
	uint64_t r[CFI_NREGS] = { 0 }, out = 0;
	bool known[CFI_NREGS];

	for (int i = 0; i < CFI_NREGS; i++)
		known[i] = true;
	r[CFI_REG_RSP] = 0x1000;
	r[CFI_REG_RA] = 0x4005;
	CHECK(!cfi_eval_expr(plt, sizeof(plt), r, known, false, 0, no_read, NULL, &out) && out == 0x1008,
	      "plt early: %#" PRIx64, out);
	r[CFI_REG_RA] = 0x400c;
	CHECK(!cfi_eval_expr(plt, sizeof(plt), r, known, false, 0, no_read, NULL, &out) && out == 0x1010,
	      "plt late: %#" PRIx64, out);
	/* deref of memory we do not have fails instead of inventing a value */
	CHECK(cfi_eval_expr((const uint8_t[]){ 0x76, 0x00, 0x06 }, 3, r, known, false, 0, no_read, NULL, &out),
	      "deref without memory");
	/* an unknown opcode, a stack underflow */
	CHECK(cfi_eval_expr((const uint8_t[]){ 0xe0 }, 1, r, known, false, 0, no_read, NULL, &out), "unknown op");
	CHECK(cfi_eval_expr((const uint8_t[]){ 0x22 }, 1, r, known, false, 0, no_read, NULL, &out), "underflow");
}

/* A synthetic .eh_frame at 0x1000: one CIE (CFA = rsp + 8, return address
 * at CFA - 8, FDE pointers pc-relative sdata4) and one FDE for
 * [0x5000, 0x5100) with the given instructions. Returns its length. */
static size_t make_eh_frame(uint8_t *buf, const uint8_t *insns, size_t n)
{
	static const uint8_t cie[] = { 0x14, 0, 0, 0, 0, 0, 0, 0, 1, 'z', 'R', 0, 1, 0x78, 16, 1, 0x1b,
				       0x0c, 7, 8, 0x90, 1, 0, 0 };
	size_t o = sizeof(cie), fde = o, body;
	int32_t v;

	memcpy(buf, cie, sizeof(cie));
	o += 4;			/* length, below */
	v = (int32_t)o;		/* CIE pointer: back to offset 0 */
	memcpy(buf + o, &v, 4);
	o += 4;
	v = (int32_t)(0x5000 - (0x1000 + o));
	memcpy(buf + o, &v, 4);
	o += 4;
	v = 0x100;
	memcpy(buf + o, &v, 4);
	o += 4;
	buf[o++] = 0; /* augmentation data length */
	memcpy(buf + o, insns, n);
	o += n;
	while ((o - fde) % 4)
		buf[o++] = 0;
	body = o - fde - 4;
	v = (int32_t)body;
	memcpy(buf + fde, &v, 4);
	memset(buf + o, 0, 4); /* terminator */
	return o + 4;
}

/* Damaged or hostile CFI fails a lookup, fast, instead of stalling. */
static void test_hostile_cfi(void)
{
	static uint8_t buf[1 << 17], insns[1 << 16];
	struct cfi_table *t;
	struct cfi_row row;
	size_t len, n;

	/* Sane: push rbp at 0x5001 moves the CFA to rsp + 16. */
	len = make_eh_frame(buf, (const uint8_t[]){ 0x41, 0x0e, 16, 0x86, 2 }, 5);
	t = cfi_table_from_bytes(buf, len, 0x1000);
	CHECK(t && cfi_table_fdes(t) == 1, "synthetic table");
	CHECK(t && !cfi_find(t, 0x5000, &row) && row.cfa_reg == 7 && row.cfa_off == 8, "row at entry");
	CHECK(t && !cfi_find(t, 0x5010, &row) && row.cfa_off == 16 && row.regs[6].kind == CFI_OFFSET &&
		      row.regs[6].off == -16, "row after push");
	CHECK(t && cfi_find(t, 0x5100, &row) == -ENOENT, "past the FDE");
	cfi_table_free(t);

	/* 20 000 remember/restore pairs: each copies a whole row. */
	for (n = 0; n + 2 <= 40000; n += 2) {
		insns[n] = 0x0a;
		insns[n + 1] = 0x0b;
	}
	len = make_eh_frame(buf, insns, n);
	t = cfi_table_from_bytes(buf, len, 0x1000);
	CHECK(t && cfi_find(t, 0x5000, &row) == -EINVAL, "op budget");
	cfi_table_free(t);

	/* A CFA register number that would wrap onto rsp in a byte (263). */
	len = make_eh_frame(buf, (const uint8_t[]){ 0x0c, 0x87, 0x02, 8 }, 4);
	t = cfi_table_from_bytes(buf, len, 0x1000);
	CHECK(t && cfi_find(t, 0x5000, &row) == -EINVAL, "register 263");
	cfi_table_free(t);
}

int main(void)
{
	struct usyms *u = usyms_new();

	if (!u)
		return 1;
	usyms_set_cfi(u, true);
	CHECK(!usyms_capture(u, (uint32_t)getpid(), 1), "capture self");
	stack_top = main_stack_end();
	CHECK(stack_top != 0, "no [stack] in /proc/self/maps");
	sink = unwind_chain_a(3);
	test_chain(u);
	test_plt_expression();
	test_hostile_cfi();
	usyms_free(u);
	if (failures)
		fprintf(stderr, "test_unwind: %d failures\n", failures);
	return failures != 0;
}
