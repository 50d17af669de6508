#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include "lib/core/clock.h"
#include "lib/core/json.h"
#include "lib/bpf/stackmap.h"
#include "lib/bpf/stacksink.h"
#include "lib/stacks/stackopts.h"
#include "lib/sym/stacktop.h"
#include "lib/sym/symbolizer.h"
#include "lib/sym/usyms.h"

void sre_stack_sink_init(struct sre_stack_sink *s, struct sre_symbolizer *sym, const struct sre_stack_opts *o,
			  const struct bpf_object *obj, bool counts_samples)
{
	memset(s, 0, sizeof(*s));
	s->sym = sym;
	s->copies = sre_stack_copies(o);
	sre_procs_init(&s->procs, sym->usyms, obj, s->copies && o->unwind == SRE_UNWIND_MODE_AUTO);
	sre_procs_enable_python(&s->procs, sym->py, obj);
	s->stacks_fd = bpf_object__find_map_fd_by_name(obj, "stacks");
	s->counts_samples = counts_samples;
	s->checks_fd = counts_samples ? -1 : bpf_object__find_map_fd_by_name(obj, "copy_checks");
	/* Rows counted here (profile's unwound samples, rows spilled from a
	 * full kernel map), merged with the kernel's rows at report time:
	 * adding to BPF's map would race with BPF's own increments. */
	sre_map_init(&s->rows, sizeof(struct stack_key), sizeof(struct stack_value), NULL, NULL);
	s->rows.max = SRE_STACK_SINK_MAX_ROWS;
	sre_map_init(&s->stored, sizeof(uint64_t), 0, NULL, NULL);
	sre_stacktop_init(&s->top);
	sre_map_init(&s->copy_ids, sizeof(uint64_t), sizeof(uint64_t), NULL, NULL);
	s->copy_ids.max = SRE_STACK_SINK_MAX_IDS;
	if (s->copies && sym->usyms)
		usyms_set_cfi(sym->usyms, true);
}

void sre_stack_sink_free(struct sre_stack_sink *s)
{
	sre_map_free(&s->rows);
	sre_map_free(&s->stored);
	sre_procs_free(&s->procs);
	sre_stacktop_free(&s->top);
	sre_map_free(&s->copy_ids);
}

void sre_stack_sink_source(const struct sre_stack_sink *s, struct sre_stack_source *src)
{
	src->user_counts = &s->rows;
	src->copy_ids = s->counts_samples ? NULL : &s->copy_ids;
	/* Each copy has an id of its own: identical stacks meet in the report. */
	src->merge = s->copies;
}

/* The id BPF gives the same stack (bpf/stacks.bpf.h, store_stack). */
static uint64_t stack_hash(const struct stack_trace *st)
{
	uint64_t h = STACK_HASH_SEED ^ st->kind;

	for (uint32_t i = 0; i < st->nr; i++)
		h = stack_hash_mix(h, st->ips[i]);
	return h ? h : 1;
}

/* Kept here and added to the kernel's counters at report time: a
 * read-modify-write of the per-CPU counters would race with BPF. */
static void lost(struct sre_stack_sink *s, enum sre_counter which)
{
	if (which < SRE_CNT_MAX)
		s->lost[which]++;
}

void sre_stack_sink_add_losses(const struct sre_stack_sink *s, uint64_t *cnt)
{
	for (int i = 0; i < SRE_CNT_MAX; i++)
		cnt[i] += s->lost[i];
}

/* profile: one sample under (thread, kernel stack, unwound user stack). */
static void count_sample(struct sre_stack_sink *s, const struct sre_ustack_event *e, uint64_t ustack)
{
	struct stack_key key = { .pid = e->pid, .tgid = e->tgid, .kstack = e->kstack, .ustack = ustack,
				 .pystack = e->pystack, .gen = e->gen };
	struct stack_value *v;

	memcpy(key.comm, e->comm, sizeof(key.comm));
	v = sre_map_put(&s->rows, &key, NULL);
	if (!v) {
		lost(s, SRE_CNT_MISSED);
		return;
	}
	v->value++;
	v->count++;
}

/* A join's outcome counts toward moving its process to full copies
 * (procs.c), except a preemption's one-off join, which lands anywhere. */
static void judge_join(struct sre_stack_sink *s, const struct sre_ustack_event *e, bool joined)
{
	if (!(e->flags & USTACK_ONE_OFF))
		sre_procs_join_result(&s->procs, e->tgid, e->gen, joined);
}

/* A program with frame pointers: the kernel's walk [pc, ret(rbp), ...]
 * skips the frame that called into a library without them. The small
 * copy's CFI unwind has that frame; where its return addresses meet the
 * walk's (the innermost meeting point), the two are joined. No meeting
 * point: the walk if its second frame is code, else the CFI frames (the
 * walk started from an rbp the library used as a plain register).
 * *walked: the result ends where the walk ended; *failed: no meeting
 * point (the result is likely cut). */
static int join_walk(struct sre_stack_sink *s, const struct sre_ustack_event *e, uint64_t *ips, int n,
		     enum sre_unwind_end end, bool *walked, bool *failed)
{
	struct stack_trace fp;
	struct usym sym;
	int m;

	*walked = false;
	*failed = false;
	if (end == SRE_UNWIND_END_COMPLETE) {
		s->joins++;
		return n;
	}
	if (!e->fp_stack || bpf_map_lookup_elem(s->stacks_fd, &e->fp_stack, &fp) || fp.nr < 2 ||
	    fp.nr > STACK_MAX_DEPTH) {
		*failed = true;
		s->join_fallbacks++;
		judge_join(s, e, false);
		return n;
	}
	for (int k = 1; k < n; k++) {
		for (uint32_t j = 1; j < fp.nr; j++) {
			if (ips[k] != fp.ips[j])
				continue;
			m = k + 1;
			for (uint32_t i = j + 1; i < fp.nr && m < STACK_MAX_DEPTH; i++)
				ips[m++] = fp.ips[i];
			s->joins++;
			judge_join(s, e, true);
			*walked = true;
			return m;
		}
	}
	*failed = true;
	s->join_fallbacks++;
	judge_join(s, e, false);
	if (usyms_resolve(s->sym->usyms, e->tgid, e->gen, fp.ips[1], &sym) || !sym.module)
		return n;
	for (uint32_t j = 0; j < fp.nr; j++)
		ips[j] = fp.ips[j];
	*walked = true;
	return (int)fp.nr;
}

/* offcpu reuses a copy only while its first return addresses are still
 * where this unwind found them (bpf/ustack.bpf.h, copy_still_valid). */
static void fill_checks(struct sre_copy_check *c, const struct sre_ustack_event *e, const uint64_t *ips,
			const uint64_t *slots, int n)
{
	uint64_t sp = e->regs[CFI_REG_RSP];

	for (int i = 1; i < n && c->n < USTACK_CHECK_SLOTS; i++) {
		if (!slots[i] || slots[i] < sp)
			continue;
		c->off[c->n] = slots[i] - sp;
		c->val[c->n] = ips[i];
		c->n++;
	}
}

/* Stored by content, like the kernel's walks: identical stacks share one
 * entry. Ids already stored are remembered, which saves a syscall for
 * every copy of a stack seen before. 0 when the map is full. */
static uint64_t store_unwound(struct sre_stack_sink *s, const struct stack_trace *st)
{
	uint64_t id = stack_hash(st);

	if (sre_map_get(&s->stored, &id))
		return id;
	if (bpf_map_update_elem(s->stacks_fd, &id, st, BPF_NOEXIST) && errno != EEXIST) {
		lost(s, SRE_CNT_STACK_LOST);
		return 0;
	}
	sre_map_put(&s->stored, &id, NULL);
	return id;
}

static void on_copy(struct sre_stack_sink *s, const struct sre_ustack_event *e, size_t len)
{
	struct usyms *u = s->sym->usyms;
	uint64_t *stored;
	struct sre_unwind_input in = { .pid = e->tgid, .gen = e->gen, .stack = e->data, .len = e->len,
				       .fp_fallback = true };
	struct stack_trace st = { .kind = STACK_KIND_USER };
	struct sre_copy_check checks = { 0 };
	enum sre_unwind_end end;
	bool walked, failed;
	uint64_t t0, id, ips[STACK_MAX_DEPTH], slots[STACK_MAX_DEPTH];

	if (len < offsetof(struct sre_ustack_event, data) || e->len > len - offsetof(struct sre_ustack_event, data))
		return;
	if (!u || s->stacks_fd < 0) {
		if (e->flags & USTACK_COUNT_SAMPLE)
			lost(s, SRE_CNT_MISSED);
		return;
	}
	/* Its announcement was dropped or came too late. */
	sre_procs_ensure(&s->procs, e->tgid, e->gen);
	memcpy(in.regs, e->regs, sizeof(in.regs));
	in.ra_slots = slots;
	t0 = sre_mono_now_ns();
	st.nr = (uint32_t)sre_unwind(u, &in, ips, STACK_MAX_DEPTH, &end);
	/* A process met right after exec is captured before the loader has
	 * mapped its libraries: read its maps again, once, while it is still
	 * the same address space (BPF's generation for it is unchanged). */
	if (end == SRE_UNWIND_END_NO_MAPPING && !sre_procs_recapture(&s->procs, e->tgid, e->gen))
		st.nr = (uint32_t)sre_unwind(u, &in, ips, STACK_MAX_DEPTH, &end);
	if (e->flags & USTACK_STORE_AS_ID)
		fill_checks(&checks, e, ips, slots, (int)st.nr);
	if (e->flags & USTACK_FP_JOIN) {
		st.nr = (uint32_t)join_walk(s, e, ips, (int)st.nr, end, &walked, &failed);
		/* Blocking there again copies again, so a process whose joins
		 * keep failing is moved to full copies (procs.c) instead of
		 * reusing a cut stack. */
		checks.cut = failed;
		/* The walk stops at main's return address; the start-up frames
		 * above it come from the top of the stack, so every chain of the
		 * program ends at _start. (A chain that ends where the copy ran
		 * out is mid-stack: nothing to look up.) */
		if (walked)
			st.nr = (uint32_t)sre_stacktop_complete(&s->top, u, e->tgid, e->gen, ips, (int)st.nr,
								STACK_MAX_DEPTH);
	} else {
		s->ends[end]++;
	}
	s->unwind_ns += sre_mono_now_ns() - t0;
	for (uint32_t i = 0; i < st.nr; i++)
		st.ips[i] = ips[i];
	s->copies_seen++;
	s->copy_bytes += e->len;
	s->frames += st.nr;
	id = store_unwound(s, &st);
	/* offcpu: BPF keys rows of blocks that end from now on by id itself
	 * (copy_checks); rows already keyed by the copy id are translated
	 * when read. */
	if (e->flags & USTACK_STORE_AS_ID) {
		stored = sre_map_put(&s->copy_ids, &e->id, NULL);
		if (stored)
			*stored = id;
		else
			lost(s, SRE_CNT_STACK_LOST);
		checks.stack_id = id;
		if (s->checks_fd >= 0)
			bpf_map_update_elem(s->checks_fd, &e->id, &checks, BPF_ANY);
	}
	if (e->flags & USTACK_COUNT_SAMPLE && s->counts_samples)
		count_sample(s, e, id);
}

/* A row the full kernel map could not take: the same row, kept here. */
static void on_spilled_row(struct sre_stack_sink *s, const struct sre_row_event *e, size_t len)
{
	struct stack_value *v;

	if (len < sizeof(*e))
		return;
	v = sre_map_put(&s->rows, &e->key, NULL);
	if (!v) {
		lost(s, SRE_CNT_MISSED);
		return;
	}
	v->value += e->val.value;
	v->count += e->val.count;
	v->waker_blocked_ns += e->val.waker_blocked_ns;
	s->spilled++;
}

int sre_stack_sink_on_event(void *ctx, void *data, size_t len)
{
	struct sre_stack_sink *s = ctx;
	const struct sre_proc_event *pe = data;

	if (len < sizeof(*pe))
		return 0;
	if (pe->kind == SRE_PROC_USTACK) {
		on_copy(s, data, len);
		return 0;
	}
	if (pe->kind == SRE_PROC_ROW) {
		on_spilled_row(s, data, len);
		return 0;
	}
	sre_procs_on_event(&s->procs, data, len);
	return 0;
}

void sre_stack_sink_summary(const struct sre_stack_sink *s, const char *tool)
{
	uint64_t full = s->copies_seen - s->joins - s->join_fallbacks;

	sre_symbolizer_summary(s->sym, tool, s->procs.gone);
	if (!s->copies_seen && !s->procs.fp_procs)
		return;
	fprintf(stderr, "%s: dwarf unwinding: %" PRIu64 " stack copies (%.1f KiB each), %.1f frames and %.1f us each; "
			"%" PRIu64 " of %" PRIu64 " full copies complete (%.1f%%); %" PRIu64
			" processes with frame pointers: %" PRIu64 " small copies joined to their walks, %" PRIu64
			" left as walked; %" PRIu64 " maps read again; %" PRIu64 " processes moved to full copies",
		tool, s->copies_seen, s->copies_seen ? (double)s->copy_bytes / (double)s->copies_seen / 1024 : 0.0,
		s->copies_seen ? (double)s->frames / (double)s->copies_seen : 0.0,
		s->copies_seen ? (double)s->unwind_ns / (double)s->copies_seen / 1000 : 0.0, s->ends[SRE_UNWIND_END_COMPLETE],
		full, full ? 100.0 * (double)s->ends[SRE_UNWIND_END_COMPLETE] / (double)full : 0.0, s->procs.fp_procs,
		s->joins, s->join_fallbacks, s->procs.recaptures, s->procs.fp_to_copies);
	for (int i = 1; i < SRE_UNWIND_NENDS; i++)
		if (s->ends[i])
			fprintf(stderr, "; %" PRIu64 " ended: %s", s->ends[i], sre_unwind_end_names[i]);
	fputc('\n', stderr);
}

void sre_stack_sink_json(const struct sre_stack_sink *s, struct sre_json *j)
{
	if (!s->copies_seen)
		return;
	sre_json_object(j, "unwind");
	sre_json_uint(j, "copies", s->copies_seen);
	sre_json_uint(j, "copy_bytes", s->copy_bytes);
	sre_json_uint(j, "frames", s->frames);
	sre_json_uint(j, "unwind_ns", s->unwind_ns);
	sre_json_uint(j, "fp_processes", s->procs.fp_procs);
	sre_json_uint(j, "joined", s->joins);
	sre_json_uint(j, "join_fallbacks", s->join_fallbacks);
	sre_json_uint(j, "fp_to_copies", s->procs.fp_to_copies);
	sre_json_object(j, "ended");
	for (int i = 0; i < SRE_UNWIND_NENDS; i++)
		sre_json_uint(j, sre_unwind_end_keys[i], s->ends[i]);
	sre_json_end(j);
	sre_json_end(j);
}
