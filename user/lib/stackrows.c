#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <bpf/bpf.h>
#include "flamegraph.h"
#include "json.h"
#include "ksyms.h"
#include "stackrows.h"
#include "usyms.h"

/* Frame names repeat, often back to back: reuse a recent copy when there is one. */
static const char *intern(struct sre_stack_rows *rs, const char *s)
{
	for (size_t i = rs->nstrings; i > 0 && i + 64 > rs->nstrings; i--)
		if (!strcmp(rs->strings[i - 1], s))
			return rs->strings[i - 1];
	if (rs->nstrings == rs->capstrings) {
		size_t cap = rs->capstrings ? rs->capstrings * 2 : 256;
		char **n = realloc(rs->strings, cap * sizeof(*n));

		if (!n)
			return NULL;
		rs->strings = n;
		rs->capstrings = cap;
	}
	rs->strings[rs->nstrings] = strdup(s);
	return rs->strings[rs->nstrings] ? rs->strings[rs->nstrings++] : NULL;
}

/* A row's frame arrays (its strings belong to the set). */
static void row_free(struct sre_stack_row *r)
{
	free(r->kframes);
	free(r->uframes);
	free(r->kips);
	free(r->uips);
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

static void kernel_name(const struct sre_symbolizer *sym, uint64_t ip, char *buf, size_t len)
{
	uint64_t off;
	const char *name = sym->ksyms ? ksyms_lookup(sym->ksyms, ip, &off) : NULL;

	if (name)
		snprintf(buf, len, "%s", name);
	else
		snprintf(buf, len, "0x%" PRIx64, ip);
}

static void user_name(const struct sre_symbolizer *sym, uint32_t tgid, uint32_t gen, uint64_t ip, char *buf,
		      size_t len)
{
	struct usym u;

	if (sym->usyms && !usyms_resolve(sym->usyms, tgid, gen, ip, &u)) {
		if (u.name) {
			snprintf(buf, len, "%s", u.name);
			return;
		}
		if (u.module) {
			snprintf(buf, len, "%s+0x%" PRIx64, u.module, u.module_offset);
			return;
		}
	}
	snprintf(buf, len, "[unknown]");
}

static int read_frames(struct sre_stack_rows *rs, const struct sre_symbolizer *sym, int fd, uint64_t id,
		       uint32_t tgid, uint32_t gen, bool kernel, const char ***out, uint64_t **ips, int *n)
{
	struct stack_trace st;
	char name[256];

	*out = NULL;
	*ips = NULL;
	*n = 0;
	if (!id || bpf_map_lookup_elem(fd, &id, &st))
		return 0;
	if (st.nr > STACK_MAX_DEPTH)
		st.nr = STACK_MAX_DEPTH;
	*out = calloc(st.nr ? st.nr : 1, sizeof(**out));
	*ips = calloc(st.nr ? st.nr : 1, sizeof(**ips));
	if (!*out || !*ips)
		return -ENOMEM;
	for (uint32_t i = 0; i < st.nr; i++) {
		const char *s;

		if (kernel) {
			kernel_name(sym, st.ips[i], name, sizeof(name));
			/* The tracer's own frames are not the workload's. */
			if (ksyms_is_bpf(name))
				continue;
		} else {
			user_name(sym, tgid, gen, st.ips[i], name, sizeof(name));
		}
		s = intern(rs, name);
		if (!s)
			return -ENOMEM;
		(*ips)[*n] = st.ips[i];
		(*out)[(*n)++] = s;
	}
	return 0;
}

int sre_stack_rows_add(struct sre_stack_rows *rs, const struct sre_symbolizer *sym, int stacks_fd,
		       const struct sre_stack_row *base, uint64_t kstack, uint64_t ustack)
{
	struct sre_stack_row *r;
	int err;

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
	err = read_frames(rs, sym, stacks_fd, kstack, base->tgid, base->gen, true, &r->kframes, &r->kips, &r->nk);
	if (!err)
		err = read_frames(rs, sym, stacks_fd, ustack, base->tgid, base->gen, false, &r->uframes, &r->uips,
				  &r->nu);
	if (err) {
		row_free(r);
		return err;
	}
	rs->n++;
	return 0;
}

void sre_symbolizer_init(struct sre_symbolizer *sym, bool kernel, bool user)
{
	memset(sym, 0, sizeof(*sym));
	sym->kernel_wanted = kernel;
	if (user)
		sym->usyms = usyms_new();
}

void sre_symbolizer_free(struct sre_symbolizer *sym)
{
	if (sym->ksyms)
		ksyms_free(sym->ksyms);
	if (sym->usyms)
		usyms_free(sym->usyms);
	memset(sym, 0, sizeof(*sym));
}

int sre_symbolizer_on_proc_event(void *ctx, void *data, size_t len)
{
	struct sre_symbolizer *sym = ctx;
	const struct sre_proc_event *e = data;

	if (len < sizeof(*e) || !sym->usyms)
		return 0;
	if (e->kind == SRE_PROC_GONE)
		usyms_forget(sym->usyms, e->tgid, e->gen);
	else if (usyms_capture(sym->usyms, e->tgid, e->gen))
		sym->procs_gone++;
	return 0;
}

void sre_symbolizer_summary(const struct sre_symbolizer *sym, const char *tool)
{
	uint64_t named, module_only, unknown;

	if (!sym->usyms)
		return;
	usyms_stats(sym->usyms, &named, &module_only, &unknown);
	fprintf(stderr, "%s: user frames: %" PRIu64 " named, %" PRIu64 " module+offset, %" PRIu64
			" unknown; %" PRIu64 " processes gone before their maps were read, %" PRIu64
			" ended ones dropped (cap)\n",
		tool, named, module_only, unknown, sym->procs_gone, usyms_evicted(sym->usyms));
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
	return c;
}

static void merge_same_rows(struct sre_stack_rows *rs)
{
	size_t out = 0;

	if (rs->n < 2)
		return;
	qsort(rs->rows, rs->n, sizeof(*rs->rows), cmp_row_identity);
	for (size_t i = 1; i < rs->n; i++) {
		if (!cmp_row_identity(&rs->rows[out], &rs->rows[i])) {
			rs->rows[out].value += rs->rows[i].value;
			rs->rows[out].count += rs->rows[i].count;
			row_free(&rs->rows[i]);
		} else {
			rs->rows[++out] = rs->rows[i];
		}
	}
	rs->n = out + 1;
}

int sre_stack_rows_collect(struct sre_stack_rows *rs, struct sre_symbolizer *sym, int counts_fd,
			   int stacks_fd, bool user_wanted, bool kernel_wanted)
{
	struct stack_key key, cur, *prev = NULL;
	struct stack_value val;
	int err;

	if (sym->kernel_wanted && !sym->ksyms)
		sym->ksyms = ksyms_load();
	while (!bpf_map_get_next_key(counts_fd, prev, &key)) {
		struct sre_stack_row base = { 0 };

		cur = key;
		prev = &cur;
		if (bpf_map_lookup_elem(counts_fd, &cur, &val))
			continue;
		/* Announced too late, or the announcement was dropped: last try. */
		if (sym->usyms && cur.ustack && !usyms_has(sym->usyms, cur.tgid, cur.gen))
			usyms_capture(sym->usyms, cur.tgid, cur.gen);
		base.pid = cur.pid;
		base.tgid = cur.tgid;
		base.gen = cur.gen;
		memcpy(base.comm, cur.comm, sizeof(base.comm));
		base.value = val.value;
		base.count = val.count;
		base.user_wanted = user_wanted;
		base.kernel_wanted = kernel_wanted;
		err = sre_stack_rows_add(rs, sym, stacks_fd, &base, cur.kstack,
					 sym->map_ustack ? sym->map_ustack(sym->map_ctx, cur.ustack) : cur.ustack);
		if (err)
			return err;
	}
	if (sym->merge_rows)
		merge_same_rows(rs);
	sre_stack_rows_sort(rs);
	return 0;
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
	for (size_t i = 0; i < rs->nstrings; i++)
		free(rs->strings[i]);
	free(rs->rows);
	free(rs->strings);
	memset(rs, 0, sizeof(*rs));
}

struct folded_line {
	char *stack;
	uint64_t value;
};

static int cmp_folded(const void *a, const void *b)
{
	return strcmp(((const struct folded_line *)a)->stack, ((const struct folded_line *)b)->stack);
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
	return n;
}

static char *fold_row(const struct sre_stack_row *r)
{
	const char *frames[2 * STACK_MAX_DEPTH + 2];
	int n = sre_stack_row_frames(r, frames, 2 * STACK_MAX_DEPTH + 2);
	char *buf = NULL;
	size_t len = 0;
	FILE *m = open_memstream(&buf, &len);

	if (!m)
		return NULL;
	for (int i = 0; i < n; i++) {
		if (i)
			fputc(';', m);
		/* Semicolons and spaces are the format's own separators. */
		for (const char *p = frames[i]; *p; p++)
			fputc(*p == ';' || *p == ' ' || *p == '\n' ? '_' : *p, m);
	}
	fclose(m);
	return buf;
}

int sre_stack_rows_print_folded(FILE *f, const struct sre_stack_rows *rs, uint64_t value_div)
{
	struct folded_line *lines = calloc(rs->n ? rs->n : 1, sizeof(*lines));
	size_t n = 0;

	if (!lines)
		return -ENOMEM;
	for (size_t i = 0; i < rs->n; i++) {
		lines[n].stack = fold_row(&rs->rows[i]);
		if (!lines[n].stack)
			continue;
		lines[n++].value = rs->rows[i].value;
	}
	qsort(lines, n, sizeof(*lines), cmp_folded);
	for (size_t i = 0; i < n; i++) {
		uint64_t v = lines[i].value;

		while (i + 1 < n && !strcmp(lines[i].stack, lines[i + 1].stack))
			v += lines[++i].value;
		/* Round to the nearest unit so many short blocks are not lost. */
		v = (v + value_div / 2) / value_div;
		if (v)
			fprintf(f, "%s %" PRIu64 "\n", lines[i].stack, v);
	}
	for (size_t i = 0; i < n; i++)
		free(lines[i].stack);
	free(lines);
	return 0;
}

void sre_stack_rows_print_text(FILE *f, const struct sre_stack_rows *rs, uint64_t value_div,
			       const char *unit)
{
	for (size_t i = 0; i < rs->n; i++) {
		const struct sre_stack_row *r = &rs->rows[i];

		for (int k = 0; k < r->nk; k++)
			fprintf(f, "    %s\n", r->kframes[k]);
		if (r->kernel_wanted && !r->nk)
			fprintf(f, "    [missing kernel stack]\n");
		if (r->kernel_wanted && r->user_wanted)
			fprintf(f, "    --\n");
		for (int u = 0; u < r->nu; u++)
			fprintf(f, "    %s\n", r->uframes[u]);
		if (r->user_wanted && !r->nu)
			fprintf(f, "    [missing user stack]\n");
		fprintf(f, "    -                %s (%u/%u)\n", r->comm, r->tgid, r->pid);
		fprintf(f, "        %" PRIu64 " %s (%" PRIu64 " times)\n\n", r->value / value_div, unit, r->count);
	}
}

static void json_frames(FILE *f, const char **frames, int n)
{
	fputc('[', f);
	for (int i = 0; i < n; i++) {
		if (i)
			fputc(',', f);
		sre_json_str(f, frames[i]);
	}
	fputc(']', f);
}

void sre_stack_rows_print_json(FILE *f, const struct sre_stack_rows *rs, const char *value_key)
{
	fputs("\"stacks\":[", f);
	for (size_t i = 0; i < rs->n; i++) {
		const struct sre_stack_row *r = &rs->rows[i];

		fprintf(f, "%s{\"pid\":%u,\"tid\":%u,\"comm\":", i ? "," : "", r->tgid, r->pid);
		sre_json_str(f, r->comm);
		fprintf(f, ",\"%s\":%" PRIu64 ",\"count\":%" PRIu64 ",\"kernel\":", value_key, r->value, r->count);
		json_frames(f, r->kframes, r->nk);
		fputs(",\"user\":", f);
		json_frames(f, r->uframes, r->nu);
		fputc('}', f);
	}
	fputc(']', f);
}

int sre_stack_rows_print_svg(FILE *f, const struct sre_stack_rows *rs, uint64_t value_div, const struct fg_options *o)
{
	const char *frames[2 * STACK_MAX_DEPTH + 2];
	struct fg_graph *g = fg_new();
	int err = g ? 0 : -ENOMEM;

	for (size_t i = 0; i < rs->n && !err; i++) {
		int n = sre_stack_row_frames(&rs->rows[i], frames, 2 * STACK_MAX_DEPTH + 2);

		err = fg_add(g, frames, n, (double)rs->rows[i].value / (double)value_div, false);
	}
	if (!err)
		err = fg_render(g, o, f);
	fg_free(g);
	return err;
}

void sre_stack_rows_print_report_json(FILE *f, const char *tool, const char *value_key, const char *count_key,
				      const struct sre_stack_rows *rs, const uint64_t *cnt, const char *extra)
{
	fprintf(f, "{\"tool\":\"%s\",\"%s\":%" PRIu64 ",\"%s\":%" PRIu64 ",\"drops\":%" PRIu64
		   ",\"missed\":%" PRIu64 ",\"lost_stacks\":%" PRIu64 ",\"copy_drops\":%" PRIu64 ",%s",
		tool, value_key, sre_stack_rows_total(rs), count_key, cnt[SRE_CNT_EVENTS], cnt[SRE_CNT_DROPS],
		cnt[SRE_CNT_MISSED], cnt[SRE_CNT_STACK_LOST], cnt[SRE_CNT_COPY_DROPS], extra);
	sre_stack_rows_print_json(f, rs, value_key);
	fputs("}\n", f);
}
