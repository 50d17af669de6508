#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include "lib/sym/ksyms.h"
#include "lib/stacks/stackrows.h"

/* A row's frame arrays (its strings belong to the set). */
static void row_free(struct sre_stack_row *r)
{
	free(r->kframes);
	free(r->uframes);
	free(r->kips);
	free(r->uips);
	free(r->waker.kframes);
	free(r->waker.uframes);
}

void sre_stack_rows_drop_process(struct sre_stack_rows *rs, uint32_t tgid)
{
	size_t out = 0;

	for (size_t i = 0; i < rs->n; i++) {
		if (rs->rows[i].tgid == tgid)
			row_free(&rs->rows[i]);
		else
			rs->rows[out++] = rs->rows[i];
	}
	rs->n = out;
}

/* Names n frames of process tgid (gen); each frame's address too when
 * out_ips is given. */
static int name_frames(struct sre_stack_rows *rs, const struct sre_symbolizer *sym, uint32_t tgid, uint32_t gen,
		       bool kernel, const uint64_t *ips, int n, const char ***out, uint64_t **out_ips, int *nout)
{
	char name[256];

	*nout = 0;
	*out = calloc(n > 0 ? (size_t)n : 1, sizeof(**out));
	if (out_ips)
		*out_ips = calloc(n > 0 ? (size_t)n : 1, sizeof(**out_ips));
	if (!*out || (out_ips && !*out_ips))
		return -ENOMEM;
	for (int i = 0; i < n; i++) {
		const char *s;

		if (kernel) {
			sre_symbolizer_kernel_name(sym, ips[i], name, sizeof(name));
			/* The tracer's own frames are not the workload's. */
			if (ksyms_is_bpf(name))
				continue;
		} else {
			sre_symbolizer_user_name(sym, tgid, gen, ips[i], name, sizeof(name));
		}
		s = sre_intern(&rs->names, name);
		if (!s)
			return -ENOMEM;
		if (out_ips)
			(*out_ips)[*nout] = ips[i];
		(*out)[(*nout)++] = s;
	}
	return 0;
}

int sre_stack_rows_add(struct sre_stack_rows *rs, const struct sre_symbolizer *sym, const struct sre_stack_row *base,
		       const uint64_t *kips, int nk, const uint64_t *uips, int nu)
{
	struct sre_stack_row *r;
	int err;

	if (!rs->names_ready) {
		sre_interner_init(&rs->names);
		rs->names_ready = true;
	}
	if (rs->n == rs->cap) {
		size_t cap = rs->cap ? rs->cap * 2 : 256;
		struct sre_stack_row *n = realloc(rs->rows, cap * sizeof(*n));

		if (!n)
			return -ENOMEM;
		rs->rows = n;
		rs->cap = cap;
	}
	r = &rs->rows[rs->n];
	*r = *base;
	r->kframes = r->uframes = NULL;
	r->kips = r->uips = NULL;
	r->waker.kframes = r->waker.uframes = NULL;
	r->waker.nk = r->waker.nu = 0;
	err = name_frames(rs, sym, r->tgid, r->gen, true, kips, nk, &r->kframes, &r->kips, &r->nk);
	if (!err)
		err = name_frames(rs, sym, r->tgid, r->gen, false, uips, nu, &r->uframes, &r->uips, &r->nu);
	if (err) {
		row_free(r);
		return err;
	}
	rs->n++;
	return 0;
}

int sre_stack_rows_add_waker(struct sre_stack_rows *rs, const struct sre_symbolizer *sym, const uint64_t *kips, int nk,
			     const uint64_t *uips, int nu)
{
	struct sre_stack_waker *w;
	int err;

	if (!rs->n)
		return -EINVAL;
	w = &rs->rows[rs->n - 1].waker;
	err = name_frames(rs, sym, w->tgid, w->gen, true, kips, nk, &w->kframes, NULL, &w->nk);
	if (!err)
		err = name_frames(rs, sym, w->tgid, w->gen, false, uips, nu, &w->uframes, NULL, &w->nu);
	return err;
}

static int cmp_frames(const char **a, int na, const char **b, int nb)
{
	if (na != nb)
		return na < nb ? -1 : 1;
	for (int i = 0; i < na; i++) {
		int c = a[i] == b[i] ? 0 : strcmp(a[i], b[i]);

		if (c)
			return c;
	}
	return 0;
}

/* Same thread, same names, same frames. */
static int cmp_row_identity(const void *pa, const void *pb)
{
	const struct sre_stack_row *a = pa, *b = pb;
	int c;

	if (a->tgid != b->tgid)
		return a->tgid < b->tgid ? -1 : 1;
	if (a->pid != b->pid)
		return a->pid < b->pid ? -1 : 1;
	c = memcmp(a->comm, b->comm, sizeof(a->comm));
	if (!c)
		c = cmp_frames(a->kframes, a->nk, b->kframes, b->nk);
	if (!c)
		c = cmp_frames(a->uframes, a->nu, b->uframes, b->nu);
	if (!c && a->syscall != b->syscall)
		c = a->syscall < b->syscall ? -1 : 1;
	if (!c && a->waker.flags != b->waker.flags)
		c = a->waker.flags < b->waker.flags ? -1 : 1;
	if (!c && a->waker.blocked != b->waker.blocked)
		c = a->waker.blocked < b->waker.blocked ? -1 : 1;
	if (!c && a->waker.pid != b->waker.pid)
		c = a->waker.pid < b->waker.pid ? -1 : 1;
	if (!c)
		c = memcmp(a->waker.comm, b->waker.comm, sizeof(a->waker.comm));
	if (!c)
		c = cmp_frames(a->waker.kframes, a->waker.nk, b->waker.kframes, b->waker.nk);
	if (!c)
		c = cmp_frames(a->waker.uframes, a->waker.nu, b->waker.uframes, b->waker.nu);
	return c;
}

void sre_stack_rows_merge(struct sre_stack_rows *rs)
{
	size_t out = 0;

	if (rs->n < 2)
		return;
	qsort(rs->rows, rs->n, sizeof(*rs->rows), cmp_row_identity);
	for (size_t i = 1; i < rs->n; i++) {
		if (!cmp_row_identity(&rs->rows[out], &rs->rows[i])) {
			rs->rows[out].value += rs->rows[i].value;
			rs->rows[out].count += rs->rows[i].count;
			rs->rows[out].waker.blocked_ns += rs->rows[i].waker.blocked_ns;
			row_free(&rs->rows[i]);
		} else {
			rs->rows[++out] = rs->rows[i];
		}
	}
	rs->n = out + 1;
}

static int cmp_value(const void *a, const void *b)
{
	const struct sre_stack_row *x = a, *y = b;

	if (x->value != y->value)
		return x->value > y->value ? -1 : 1;
	return x->pid < y->pid ? -1 : x->pid > y->pid;
}

void sre_stack_rows_sort(struct sre_stack_rows *rs)
{
	if (rs->n)
		qsort(rs->rows, rs->n, sizeof(*rs->rows), cmp_value);
}

uint64_t sre_stack_rows_total(const struct sre_stack_rows *rs)
{
	uint64_t t = 0;

	for (size_t i = 0; i < rs->n; i++)
		t += rs->rows[i].value;
	return t;
}

void sre_stack_rows_free(struct sre_stack_rows *rs)
{
	for (size_t i = 0; i < rs->n; i++)
		row_free(&rs->rows[i]);
	free(rs->rows);
	if (rs->names_ready)
		sre_interner_free(&rs->names);
	memset(rs, 0, sizeof(*rs));
}

int sre_stack_row_frames(const struct sre_stack_row *r, const char **frames, int max)
{
	int n = 0;

	if (n < max)
		frames[n++] = r->comm;
	for (int i = r->nu - 1; i >= 0 && n < max; i--)
		frames[n++] = r->uframes[i];
	/* The separator only between two halves: an on-CPU sample in user mode
	 * has no kernel frames, a kernel thread no user frames. */
	if (r->nu && r->nk && n < max)
		frames[n++] = "-";
	for (int i = r->nk - 1; i >= 0 && n < max; i--)
		frames[n++] = r->kframes[i];
	if (!r->waker.flags)
		return n;
	if (n < max)
		frames[n++] = "--";
	for (int i = 0; i < r->waker.nk && n < max; i++)
		frames[n++] = r->waker.kframes[i];
	if (r->waker.nu && r->waker.nk && n < max)
		frames[n++] = "-";
	for (int i = 0; i < r->waker.nu && n < max; i++)
		frames[n++] = r->waker.uframes[i];
	if (n < max)
		frames[n++] = sre_stack_waker_name(&r->waker);
	return n;
}

const char *sre_stack_waker_name(const struct sre_stack_waker *w)
{
	/* An interrupt on an idle CPU has no task to name, nor one triage
	 * did not name (bpf/offcpu.bpf.c). */
	if ((w->flags & SRE_WAKER_IDLE) || ((w->flags & SRE_WAKER_IRQ) && !w->comm[0]))
		return "[interrupt]";
	return w->comm;
}
