#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include "lib/sym/ksyms.h"
#include "lib/sym/python.h"
#include "lib/stacks/stackrows.h"

/* Between a row's native user frames and its Python frames in one list. */
#define PY_MARK UINT64_MAX

/* A list of frames as read: its addresses, and whose they are (user
 * addresses name differently in each address space). */
struct frames_key {
	const uint64_t *ips; /* the set's own copy once stored */
	uint32_t tgid, gen;  /* 0 for kernel frames */
	int n;
	int kernel;
};

/* Its names and addresses, the tracer's own frames left out. */
struct frames_val {
	const char **names;
	uint64_t *ips;
	int n;
	int py_first; /* 1 + index of the innermost Python frame; 0: none */
};

static uint64_t frames_hash(const void *p)
{
	const struct frames_key *k = p;
	uint64_t h = sre_hash_u64(((uint64_t)k->tgid << 32 | k->gen) ^ ((uint64_t)k->n << 1 | (uint64_t)k->kernel));

	return sre_hash_bytes(k->ips, (size_t)k->n * sizeof(*k->ips), h);
}

static bool frames_equal(const void *pa, const void *pb)
{
	const struct frames_key *a = pa, *b = pb;

	return a->tgid == b->tgid && a->gen == b->gen && a->n == b->n && a->kernel == b->kernel &&
	       !memcmp(a->ips, b->ips, (size_t)a->n * sizeof(*a->ips));
}

static void frames_free(struct sre_map *m)
{
	const void *key;
	void *val;

	for (size_t i = 0; sre_map_next(m, &i, &key, &val);) {
		free((void *)((const struct frames_key *)key)->ips);
		free(((struct frames_val *)val)->names);
		free(((struct frames_val *)val)->ips);
	}
	sre_map_free(m);
}

void sre_stack_rows_drop_process(struct sre_stack_rows *rs, uint32_t tgid)
{
	size_t out = 0;

	for (size_t i = 0; i < rs->n; i++)
		if (rs->rows[i].tgid != tgid)
			rs->rows[out++] = rs->rows[i];
	rs->n = out;
}

/* Room for one more frame in v (cap of them now). */
static int frames_grow(struct frames_val *v, int *cap)
{
	const char **names;
	uint64_t *ips;

	if (v->n < *cap)
		return 0;
	*cap *= 2;
	names = realloc(v->names, (size_t)*cap * sizeof(*v->names));
	if (names)
		v->names = names;
	ips = realloc(v->ips, (size_t)*cap * sizeof(*v->ips));
	if (ips)
		v->ips = ips;
	return names && ips ? 0 : -ENOMEM;
}

/* Adds name (for address ip) to v. */
static int add_name(struct sre_stack_rows *rs, struct frames_val *v, int *cap, const char *name, uint64_t ip)
{
	const char *s = sre_intern(&rs->names, name);

	if (!s || frames_grow(v, cap))
		return -ENOMEM;
	v->ips[v->n] = ip;
	v->names[v->n++] = s;
	return 0;
}

/* The Python frames from *next up to the first that began a C call of the
 * interpreter (or all of them, when last): what one C frame of the
 * interpreter ran. */
static int add_python_run(struct sre_stack_rows *rs, const struct sre_symbolizer *sym, const struct frames_key *k,
			  const uint64_t *py, int npy, int *next, bool last, struct frames_val *v, int *cap)
{
	char name[SRE_FRAME_NAME_MAX];
	int err = 0;

	while (*next < npy && !err) {
		uint64_t f = py[(*next)++];

		pysyms_name(sym->py, k->tgid, k->gen, f, name, sizeof(name));
		if (!v->py_first)
			v->py_first = v->n + 1;
		err = add_name(rs, v, cap, name, f);
		if (!last && (f & PY_FRAME_ENTRY))
			break;
	}
	return err;
}

/* Names n frames of process tgid (gen) into fresh arrays. A user frame
 * holding inlined calls becomes several, each with the frame's address.
 * User frames may be followed by PY_MARK and the interpreter's frames:
 * each C frame of the interpreter (PY_EVAL_FUNCTION) is replaced by the
 * Python frames it ran, as py-spy --native shows them; Python frames left
 * over (the native stack was cut) are the outermost. */
static int name_new_frames(struct sre_stack_rows *rs, const struct sre_symbolizer *sym, const struct frames_key *k,
			   struct frames_val *v)
{
	/* Not on the stack: 33 names of 4 KiB. Static, so not reentrant:
	 * every tool names its frames from one thread. */
	static char name[SRE_INLINE_MAX + 1][SRE_FRAME_NAME_MAX];
	int cap = k->n > 0 ? k->n : 1, n = k->n, npy = 0, next = 0, err = 0;
	const uint64_t *py = NULL;

	v->n = 0;
	v->py_first = 0;
	v->names = calloc((size_t)cap, sizeof(*v->names));
	v->ips = calloc((size_t)cap, sizeof(*v->ips));
	if (!v->names || !v->ips)
		return -ENOMEM;
	for (int i = 0; !k->kernel && i < k->n; i++)
		if (k->ips[i] == PY_MARK) {
			n = i;
			py = k->ips + i + 1;
			npy = k->n - i - 1;
			break;
		}
	for (int i = 0; i < n && !err; i++) {
		int got = 1;

		if (k->kernel && k->ips[i] == SRE_FRAME_RUNNABLE) {
			memcpy(name[0], SRE_RUNNABLE_NAME, sizeof(SRE_RUNNABLE_NAME));
		} else if (k->kernel) {
			sre_symbolizer_kernel_name(sym, k->ips[i], name[0], sizeof(name[0]));
			/* The tracer's own frames are not the workload's. */
			if (ksyms_is_bpf(name[0]))
				continue;
		} else {
			got = sre_symbolizer_user_frames(sym, k->tgid, k->gen, k->ips[i], i == 0, name,
							 SRE_INLINE_MAX + 1);
		}
		if (next < npy && sym->py && !strcmp(name[got - 1], PY_EVAL_FUNCTION)) {
			for (int j = 0; j < got - 1 && !err; j++)
				err = add_name(rs, v, &cap, name[j], k->ips[i]);
			if (!err)
				err = add_python_run(rs, sym, k, py, npy, &next, false, v, &cap);
			continue;
		}
		for (int j = 0; j < got && !err; j++)
			err = add_name(rs, v, &cap, name[j], k->ips[i]);
	}
	if (!err && next < npy && sym->py)
		err = add_python_run(rs, sym, k, py, npy, &next, true, v, &cap);
	return err;
}

/* Names n frames of process tgid (gen), and each frame's address when
 * out_ips is given: the set's shared arrays for these frames. */
static int name_frames(struct sre_stack_rows *rs, const struct sre_symbolizer *sym, uint32_t tgid, uint32_t gen,
		       bool kernel, const uint64_t *ips, int n, const char ***out, uint64_t **out_ips, int *nout,
		       int *out_py)
{
	struct frames_key k = { .ips = ips, .tgid = kernel ? 0 : tgid, .gen = kernel ? 0 : gen, .n = n > 0 ? n : 0,
				.kernel = kernel };
	struct frames_val *v = sre_map_get(&rs->frames, &k), fresh;
	uint64_t *copy;
	bool added;
	int err;

	if (!v) {
		copy = malloc(k.n ? (size_t)k.n * sizeof(*copy) : 1);
		if (!copy)
			return -ENOMEM;
		memcpy(copy, ips, (size_t)k.n * sizeof(*copy));
		k.ips = copy;
		err = name_new_frames(rs, sym, &k, &fresh);
		if (!err && !(v = sre_map_put(&rs->frames, &k, &added)))
			err = -ENOMEM;
		if (err) {
			free(copy);
			free(fresh.names);
			free(fresh.ips);
			return err;
		}
		*v = fresh;
	}
	*out = v->names;
	if (out_ips)
		*out_ips = v->ips;
	if (out_py)
		*out_py = v->py_first;
	*nout = v->n;
	return 0;
}

int sre_stack_rows_add(struct sre_stack_rows *rs, const struct sre_symbolizer *sym, const struct sre_stack_row *base,
		       const uint64_t *kips, int nk, const uint64_t *uips, int nu)
{
	struct sre_stack_row *r;
	int err;

	if (!rs->names_ready) {
		sre_interner_init(&rs->names);
		sre_map_init(&rs->frames, sizeof(struct frames_key), sizeof(struct frames_val), frames_hash,
			     frames_equal);
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
	r->pyips = NULL;
	r->npy = 0;
	r->upy = 0;
	err = name_frames(rs, sym, r->tgid, r->gen, true, kips, nk, &r->kframes, &r->kips, &r->nk, NULL);
	if (!err && base->npy > 0) {
		/* One list, so rows with the same native and Python frames share
		 * their names: the native frames, a mark, the Python frames. */
		uint64_t both[2 * STACK_MAX_DEPTH + 1];
		int n = nu > 0 ? (nu < STACK_MAX_DEPTH ? nu : STACK_MAX_DEPTH) : 0;
		int npy = base->npy < STACK_MAX_DEPTH ? base->npy : STACK_MAX_DEPTH;

		memcpy(both, uips, (size_t)n * sizeof(*both));
		both[n] = PY_MARK;
		memcpy(both + n + 1, base->pyips, (size_t)npy * sizeof(*both));
		npy = pysyms_normalize(both + n + 1, npy);
		err = name_frames(rs, sym, r->tgid, r->gen, false, both, n + 1 + npy, &r->uframes, &r->uips, &r->nu,
				  &r->upy);
	} else if (!err) {
		err = name_frames(rs, sym, r->tgid, r->gen, false, uips, nu, &r->uframes, &r->uips, &r->nu, NULL);
	}
	if (err)
		return err;
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
	err = name_frames(rs, sym, w->tgid, w->gen, true, kips, nk, &w->kframes, NULL, &w->nk, NULL);
	if (!err)
		err = name_frames(rs, sym, w->tgid, w->gen, false, uips, nu, &w->uframes, NULL, &w->nu, NULL);
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
	free(rs->rows);
	if (rs->names_ready) {
		frames_free(&rs->frames);
		sre_interner_free(&rs->names);
	}
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
