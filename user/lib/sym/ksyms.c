#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "lib/core/sorted.h"
#include "lib/sym/ksyms.h"

struct ksym {
	uint64_t addr;
	uint32_t name;	/* offset into the arena, which moves while it grows */
	uint32_t seq;	/* file order, so aliases resolve the same way every run */
};

struct ksyms {
	struct ksym *syms;
	size_t n, cap;
	char *names;
	size_t names_len, names_cap;
};

/* Large reads: /proc/kallsyms is several MB and each read() walks the
 * kernel's tables, so fewer calls is most of the load time. */
#define KSYMS_CHUNK (1 << 20)

static int hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* One line, "ffffffff81000000 T name\t[module]" without the newline.
 * Lines we don't understand are skipped rather than failing the load. */
static int add_line(struct ksyms *k, const char *p, const char *end)
{
	uint64_t addr = 0;
	const char *name;
	size_t len = 0;
	char type;
	int d;

	for (; p < end && (d = hexval(*p)) >= 0; p++)
		addr = addr << 4 | (uint64_t)d;
	if (end - p < 4 || p[0] != ' ' || p[2] != ' ')
		return 0;
	type = p[1];
	if (type != 't' && type != 'T' && type != 'w' && type != 'W')
		return 0;
	/* kptr_restrict shows every address as zero: nothing to look up. */
	if (!addr)
		return 0;
	name = p + 3;
	while (name + len < end && name[len] != '\t' && name[len] != ' ')
		len++;
	if (!len)
		return 0;

	if (k->n == k->cap) {
		size_t cap = k->cap ? k->cap * 2 : 65536;
		struct ksym *n = realloc(k->syms, cap * sizeof(*n));

		if (!n)
			return -ENOMEM;
		k->syms = n;
		k->cap = cap;
	}
	if (k->names_len + len + 1 > k->names_cap) {
		size_t cap = k->names_cap ? k->names_cap * 2 : 4 << 20;
		char *n;

		if (cap > UINT32_MAX)
			return -E2BIG;
		n = realloc(k->names, cap);
		if (!n)
			return -ENOMEM;
		k->names = n;
		k->names_cap = cap;
	}
	memcpy(k->names + k->names_len, name, len);
	k->names[k->names_len + len] = 0;
	k->syms[k->n].addr = addr;
	k->syms[k->n].name = (uint32_t)k->names_len;
	k->syms[k->n].seq = (uint32_t)k->n;
	k->n++;
	k->names_len += len + 1;
	return 0;
}

static int cmp_ksym(const void *a, const void *b)
{
	const struct ksym *x = a, *y = b;

	if (x->addr != y->addr)
		return x->addr < y->addr ? -1 : 1;
	return x->seq < y->seq ? -1 : x->seq > y->seq;
}

static int read_all(struct ksyms *k, int fd)
{
	char *buf = malloc(KSYMS_CHUNK), *start, *nl;
	bool skipping = false;
	size_t have = 0;
	ssize_t r;
	int err = 0;

	if (!buf)
		return -ENOMEM;
	for (;;) {
		r = read(fd, buf + have, KSYMS_CHUNK - have);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0) {
			err = -errno;
			break;
		}
		if (!r) {
			if (have && !skipping)
				err = add_line(k, buf, buf + have);
			break;
		}
		have += (size_t)r;
		start = buf;
		while (!err && (nl = memchr(start, '\n', have - (size_t)(start - buf)))) {
			if (!skipping)
				err = add_line(k, start, nl);
			skipping = false;
			start = nl + 1;
		}
		if (err)
			break;
		have -= (size_t)(start - buf);
		memmove(buf, start, have);
		/* A line longer than the buffer is not a symbol: drop it. */
		if (have == KSYMS_CHUNK) {
			have = 0;
			skipping = true;
		}
	}
	free(buf);
	return err;
}

struct ksyms *ksyms_load(void)
{
	struct ksyms *k = calloc(1, sizeof(*k));
	size_t out = 0;
	int fd, err;

	if (!k)
		return NULL;
	fd = open("/proc/kallsyms", O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		err = -errno;
		goto fail;
	}
	err = read_all(k, fd);
	close(fd);
	if (err)
		goto fail;
	if (k->n)
		qsort(k->syms, k->n, sizeof(*k->syms), cmp_ksym);
	/* Keep one name per address so lookup is a plain upper bound. */
	for (size_t i = 0; i < k->n; i++)
		if (!out || k->syms[i].addr != k->syms[out - 1].addr)
			k->syms[out++] = k->syms[i];
	k->n = out;
	return k;
fail:
	ksyms_free(k);
	errno = -err;
	return NULL;
}

const char *ksyms_lookup(const struct ksyms *k, uint64_t addr, uint64_t *offset)
{
	size_t lo;

	if (!k)
		return NULL;
	lo = SRE_COUNT_LE(k->syms, k->n, addr, addr);
	if (!lo)
		return NULL;
	if (offset)
		*offset = addr - k->syms[lo - 1].addr;
	return k->names + k->syms[lo - 1].name;
}

size_t ksyms_count(const struct ksyms *k)
{
	return k ? k->n : 0;
}

void ksyms_free(struct ksyms *k)
{
	if (!k)
		return;
	free(k->syms);
	free(k->names);
	free(k);
}

bool ksyms_is_bpf(const char *name)
{
	/* bpf_trace_run<N>: the tracepoint calling a program (a waker's stack);
	 * __traceiter_<event>, __bpf_trace_<event>: the tracepoint's own
	 * iterator, which the unwinder includes in some walks from a tp_btf
	 * program and not in others (two rows for one waker). */
	return name && (!strncmp(name, "bpf_prog_", 9) || !strncmp(name, "bpf_trampoline_", 15) ||
			!strncmp(name, "bpf_trace_run", 13) || !strncmp(name, "__traceiter_", 12) ||
			!strncmp(name, "__bpf_trace_", 12));
}
