#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include "lib/core/json.h"
#include "lib/core/names.h"
#include "lib/fmt/flamegraph.h"
#include "lib/fmt/stackprint.h"

/* A row's frames: a sleeper's two stacks and a waker's (inlined calls
 * make more frames than addresses), with separators and names. */
static int row_frame_count(const struct sre_stack_row *r)
{
	return r->nk + r->nu + r->waker.nk + r->waker.nu + 6;
}

struct folded_line {
	char *stack;
	uint64_t value;
};

static int cmp_folded(const void *a, const void *b)
{
	return strcmp(((const struct folded_line *)a)->stack, ((const struct folded_line *)b)->stack);
}

static char *fold_row(const struct sre_stack_row *r)
{
	const char **frames = calloc((size_t)row_frame_count(r), sizeof(*frames));
	int n = frames ? sre_stack_row_frames(r, frames, row_frame_count(r)) : 0;
	char *buf = NULL;
	size_t len = 0;
	FILE *m = frames ? open_memstream(&buf, &len) : NULL;

	if (!m) {
		free(frames);
		return NULL;
	}
	for (int i = 0; i < n; i++) {
		if (i)
			fputc(';', m);
		/* Semicolons separate frames; a space is fine inside one (readers
		 * split the count off at the last space), and C++ names have them
		 * ("app::Index::lookupMany(int, unsigned int&) const"). */
		for (const char *p = frames[i]; *p; p++)
			fputc(*p == ';' || *p == '\n' || *p == '\r' ? '_' : *p, m);
	}
	fclose(m);
	free(frames);
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

/* The waker below the sleeper, as BCC's offwaketime prints it. */
static void print_waker_text(FILE *f, const struct sre_stack_waker *w)
{
	if (!w->flags)
		return;
	fprintf(f, "    --               woken by\n");
	for (int k = 0; k < w->nk; k++)
		fprintf(f, "    %s\n", w->kframes[k]);
	for (int u = 0; u < w->nu; u++)
		fprintf(f, "    %s\n", w->uframes[u]);
	if (w->flags & SRE_WAKER_IDLE)
		fprintf(f, "    -                [interrupt on an idle CPU]\n");
	else
		fprintf(f, "    -                %s (%u/%u)%s\n", w->comm, w->tgid, w->pid,
			w->flags & SRE_WAKER_IRQ ? " [in an interrupt]" : "");
}

/* A kernel thread (or the idle task) has no user stack by nature: none
 * is missing. Every kernel thread starts in kthread(). */
static bool kernel_thread(const struct sre_stack_row *r)
{
	if (!r->tgid)
		return true;
	for (int k = r->nk - 1; k >= 0 && k >= r->nk - 4; k--)
		if (!strcmp(r->kframes[k], "kthread"))
			return true;
	return false;
}

void sre_stack_rows_print_text(FILE *f, const struct sre_stack_rows *rs, uint64_t value_div, const char *unit)
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
		if (r->user_wanted && !r->nu && !kernel_thread(r))
			fprintf(f, "    [missing user stack]\n");
		fprintf(f, "    -                %s (%u/%u)\n", r->comm, r->tgid, r->pid);
		print_waker_text(f, &r->waker);
		/* A count of samples is its own count: "3 samples", "1 sample". */
		if (value_div == 1 && r->value == r->count)
			fprintf(f, "        %" PRIu64 " %.*s\n\n", r->value,
				(int)strlen(unit) - (r->value == 1 && unit[0] && unit[strlen(unit) - 1] == 's'), unit);
		else
			fprintf(f, "        %" PRIu64 " %s (%" PRIu64 " times)\n\n", r->value / value_div, unit, r->count);
	}
}

int sre_stack_rows_print_svg(FILE *f, const struct sre_stack_rows *rs, uint64_t value_div, const struct fg_options *o)
{
	struct fg_graph *g = fg_new();
	int err = g ? 0 : -ENOMEM;

	for (size_t i = 0; i < rs->n && !err; i++) {
		int max = row_frame_count(&rs->rows[i]);
		const char **frames = calloc((size_t)max, sizeof(*frames));

		if (!frames) {
			err = -ENOMEM;
			break;
		}
		err = fg_add(g, frames, sre_stack_row_frames(&rs->rows[i], frames, max),
			     (double)rs->rows[i].value / (double)value_div, false);
		free(frames);
	}
	if (!err)
		err = fg_render(g, o, f);
	fg_free(g);
	return err;
}

static const char *waker_state_name(uint32_t state)
{
	switch (state) {
	case 0: return "none";
	case OFFCPU_STATE_PREEMPTED: return "preempted";
	case OFFCPU_STATE_INTERRUPTIBLE: return "interruptible";
	case OFFCPU_STATE_UNINTERRUPTIBLE: return "uninterruptible";
	default: return "other";
	}
}

static void json_frames(struct sre_json *j, const char *key, const char **frames, int n)
{
	sre_json_array(j, key);
	for (int i = 0; i < n; i++)
		sre_json_string(j, NULL, frames[i]);
	sre_json_end(j);
}

void sre_stack_rows_json(struct sre_json *j, const struct sre_stack_rows *rs, const char *value_key)
{
	sre_json_array(j, "stacks");
	for (size_t i = 0; i < rs->n; i++) {
		const struct sre_stack_row *r = &rs->rows[i];

		sre_json_object(j, NULL);
		sre_json_uint(j, "pid", r->tgid);
		sre_json_uint(j, "tid", r->pid);
		sre_json_string(j, "comm", r->comm);
		sre_json_uint(j, value_key, r->value);
		sre_json_uint(j, "count", r->count);
		json_frames(j, "kernel", r->kframes, r->nk);
		json_frames(j, "user", r->uframes, r->nu);
		if (r->waker.flags) {
			sre_json_object(j, "waker");
			sre_json_uint(j, "pid", r->waker.tgid);
			sre_json_uint(j, "tid", r->waker.pid);
			sre_json_string(j, "comm", r->waker.comm);
			sre_json_bool(j, "interrupt", r->waker.flags & (SRE_WAKER_IRQ | SRE_WAKER_IDLE));
			sre_json_bool(j, "kernel_thread", r->waker.flags & SRE_WAKER_KTHREAD);
			/* The waker's own block that overlapped this wait. */
			sre_json_uint(j, "blocked_ns", r->waker.blocked_ns);
			sre_json_string(j, "blocked_state",
					waker_state_name(SRE_WAKER_BLOCKED_STATE(r->waker.blocked)));
			if (SRE_WAKER_BLOCKED_SYSCALL(r->waker.blocked) >= 0)
				sre_json_string(j, "blocked_syscall",
						sre_syscall_name(SRE_WAKER_BLOCKED_SYSCALL(r->waker.blocked)) ?: "?");
			json_frames(j, "kernel", r->waker.kframes, r->waker.nk);
			json_frames(j, "user", r->waker.uframes, r->waker.nu);
			sre_json_end(j);
		}
		sre_json_end(j);
	}
	sre_json_end(j);
}
