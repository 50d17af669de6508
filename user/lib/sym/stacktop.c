#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include "lib/sym/stacktop.h"
#include "lib/sym/unwind.h"

/* Frames above main: _start, __libc_start_main, __libc_start_call_main,
 * with room for other C libraries' start-up. */
#define OUTER_MAX 8
/* Bytes read below the initial stack pointer: the start-up frames. */
#define TOP_BYTES 4096

struct outer_key {
	uint32_t pid, gen;
	uint64_t ret;
};

struct outer_frames {
	uint32_t n;
	uint32_t pad;
	uint64_t ips[OUTER_MAX];
};

void sre_stacktop_init(struct sre_stacktop *t)
{
	sre_map_init(&t->outer, sizeof(struct outer_key), sizeof(struct outer_frames), NULL, NULL);
	t->outer.max = 1u << 20;
	t->completed = 0;
}

void sre_stacktop_free(struct sre_stacktop *t)
{
	sre_map_free(&t->outer);
}

/* The initial stack pointer of pid's main thread: field 28 of its stat. */
static uint64_t start_stack(uint32_t pid)
{
	char path[64], buf[1024], *p;
	unsigned long long v = 0;
	ssize_t len;
	int fd, field = 2;

	snprintf(path, sizeof(path), "/proc/%u/stat", pid);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return 0;
	len = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (len <= 0)
		return 0;
	buf[len] = 0;
	/* The command name may hold spaces and parentheses: count after the last ')'. */
	p = strrchr(buf, ')');
	while (p && *p && field < 28) {
		p = strchr(p + 1, ' ');
		field++;
	}
	if (p && sscanf(p, " %llu", &v) != 1)
		v = 0;
	return v;
}

/* The frames beyond return address ret, unwound from where ret sits at the
 * top of pid's stack; none when it is not there. */
static void find_outer(const struct usyms *u, uint32_t pid, uint32_t gen, uint64_t ret, struct outer_frames *out)
{
	uint8_t top[TOP_BYTES];
	uint64_t sp0 = start_stack(pid), base, ips[OUTER_MAX + 1], v;
	struct sre_unwind_input in = { .pid = pid, .gen = gen };
	enum sre_unwind_end end;
	char path[64];
	int fd, n;

	out->n = 0;
	if (sp0 < TOP_BYTES)
		return;
	base = (sp0 - TOP_BYTES) & ~7ULL;
	snprintf(path, sizeof(path), "/proc/%u/mem", pid);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return;
	n = pread(fd, top, sizeof(top), (off_t)base) == (ssize_t)sizeof(top);
	close(fd);
	if (!n)
		return;
	for (size_t off = 0; off + 8 <= sizeof(top); off += 8) {
		memcpy(&v, top + off, sizeof(v));
		if (v != ret)
			continue;
		/* The caller's frame as it is after that return: the pc just
		 * before ret (inside the call), the stack just above it. */
		in.regs[CFI_REG_RA] = ret - 1;
		in.regs[CFI_REG_RSP] = base + off + 8;
		in.stack = top + off + 8;
		in.len = sizeof(top) - off - 8;
		n = sre_unwind(u, &in, ips, OUTER_MAX + 1, &end);
		if (end != SRE_UNWIND_END_COMPLETE || n < 2)
			continue;
		/* ips[0] is ret itself, already the walk's last frame. */
		out->n = (uint32_t)(n - 1);
		memcpy(out->ips, ips + 1, out->n * sizeof(*ips));
		return;
	}
}

int sre_stacktop_complete(struct sre_stacktop *t, const struct usyms *u, uint32_t pid, uint32_t gen, uint64_t *ips,
			  int n, int max)
{
	struct outer_key k = { .pid = pid, .gen = gen, .ret = n > 0 ? ips[n - 1] : 0 };
	struct outer_frames *o;
	bool added;

	if (n < 2 || n >= max)
		return n;
	o = sre_map_put(&t->outer, &k, &added);
	if (!o)
		return n;
	if (added)
		find_outer(u, pid, gen, k.ret, o);
	if (o->n)
		t->completed++;
	for (uint32_t i = 0; i < o->n && n < max; i++)
		ips[n++] = o->ips[i];
	return n;
}
