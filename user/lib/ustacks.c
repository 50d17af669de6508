#include <errno.h>
#include <stdlib.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include "runloop.h"
#include "stackopts.h"
#include "stackrows.h"
#include "ustacks.h"
#include "usyms.h"

void sre_ustack_sink_free(struct sre_ustack_sink *s)
{
	free(s->ids);
	s->ids = NULL;
	s->ids_cap = s->nids = 0;
}

void sre_ustack_sink_init(struct sre_ustack_sink *s, struct sre_symbolizer *sym)
{
	memset(s, 0, sizeof(*s));
	s->sym = sym;
	s->stacks_fd = s->counts_fd = s->fp_procs_fd = s->seen_fd = s->checks_fd = -1;
}

void sre_ustack_sink_setup(struct sre_ustack_sink *s, const struct sre_stack_opts *o, const struct bpf_object *obj,
			   bool counts_samples)
{
	bool copies = sre_stack_copies(o);

	s->stacks_fd = bpf_object__find_map_fd_by_name(obj, "stacks");
	s->seen_fd = bpf_object__find_map_fd_by_name(obj, "seen_procs");
	s->counts_fd = counts_samples ? bpf_object__find_map_fd_by_name(obj, "samples") : -1;
	s->checks_fd = counts_samples ? -1 : bpf_object__find_map_fd_by_name(obj, "copy_checks");
	s->fp_procs_fd = copies && o->unwind == SRE_UNWIND_AUTO ? bpf_object__find_map_fd_by_name(obj, "fp_procs") : -1;
	if (copies && s->sym->usyms)
		usyms_set_cfi(s->sym->usyms, true);
	/* Each copy has an id of its own: identical stacks meet in the report. */
	s->sym->merge_rows = copies;
	/* offcpu's rows hold copy ids. */
	if (copies && !counts_samples) {
		s->sym->map_ustack = sre_ustack_sink_stack_id;
		s->sym->map_ctx = s;
	}
}

uint32_t sre_ustack_ring_bytes(void)
{
	int ncpu = libbpf_num_possible_cpus();
	uint64_t want = (uint64_t)(ncpu > 0 ? ncpu : 1) * USTACK_RING_PER_CPU, bytes = USTACK_RING_MIN;

	/* A power of two, as ring buffers must be. */
	while (bytes < want && bytes < USTACK_RING_MAX)
		bytes *= 2;
	return (uint32_t)bytes;
}

static uint64_t now_ns(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (uint64_t)t.tv_sec * 1000000000ULL + (uint64_t)t.tv_nsec;
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
static void lost(struct sre_ustack_sink *s, enum sre_counter which)
{
	if (which < SRE_CNT_MAX)
		s->lost[which]++;
}

void sre_ustack_sink_add_losses(const struct sre_ustack_sink *s, uint64_t *cnt)
{
	for (int i = 0; i < SRE_CNT_MAX; i++)
		cnt[i] += s->lost[i];
}

/* ---- copy id -> content hash (offcpu) ---- */

static size_t id_slot(const struct sre_ustack_sink *s, uint64_t id)
{
	size_t i = (size_t)((id * 0x9e3779b97f4a7c15ULL) >> 20) & (s->ids_cap - 1);

	while (s->ids[i].id && s->ids[i].id != id)
		i = (i + 1) & (s->ids_cap - 1);
	return i;
}

static int ids_grow(struct sre_ustack_sink *s)
{
	size_t cap = s->ids_cap ? s->ids_cap * 2 : 4096;
	struct sre_copy_id *old = s->ids, *n = calloc(cap, sizeof(*n));
	size_t oldcap = s->ids_cap;

	if (!n)
		return -ENOMEM;
	s->ids = n;
	s->ids_cap = cap;
	for (size_t i = 0; i < oldcap; i++)
		if (old[i].id)
			s->ids[id_slot(s, old[i].id)] = old[i];
	free(old);
	return 0;
}

/* Remembers that copy id holds the stack stored under hash. */
static bool id_put(struct sre_ustack_sink *s, uint64_t id, uint64_t hash)
{
	size_t i;

	if ((s->nids + 1) * 2 > s->ids_cap && (s->nids >= SRE_USTACK_MAX_IDS || ids_grow(s)))
		return false;
	i = id_slot(s, id);
	if (!s->ids[i].id)
		s->nids++;
	s->ids[i] = (struct sre_copy_id){ id, hash };
	return true;
}

uint64_t sre_ustack_sink_stack_id(void *ctx, uint64_t id)
{
	const struct sre_ustack_sink *s = ctx;
	size_t i;

	if (!s->ids_cap || !(id >> 63))
		return id;
	i = id_slot(s, id);
	return s->ids[i].id ? s->ids[i].hash : id;
}

static bool still_current(const struct sre_ustack_sink *s, uint32_t tgid, uint32_t gen)
{
	uint32_t cur;

	return s->seen_fd >= 0 && !bpf_map_lookup_elem(s->seen_fd, &tgid, &cur) && cur == gen;
}

/* profile: one sample under (thread, kernel stack, unwound user stack). */
static void count_sample(struct sre_ustack_sink *s, const struct sre_ustack_event *e, uint64_t ustack)
{
	struct stack_key key = { .pid = e->pid, .tgid = e->tgid, .kstack = e->kstack, .ustack = ustack, .gen = e->gen };
	struct stack_value v = { 0 };

	memcpy(key.comm, e->comm, sizeof(key.comm));
	bpf_map_lookup_elem(s->counts_fd, &key, &v);
	v.value++;
	v.count++;
	if (bpf_map_update_elem(s->counts_fd, &key, &v, BPF_ANY))
		lost(s, SRE_CNT_MISSED);
}

/* A program with frame pointers: the kernel's walk [pc, ret(rbp), ...]
 * skips the frame that called into a library without them. The small
 * copy's CFI unwind has that frame; where its return addresses meet the
 * walk's (the innermost meeting point), the two are joined. No meeting
 * point: the walk if its second frame is code, else the CFI frames (the
 * walk started from an rbp the library used as a plain register). */
static int join_walk(struct sre_ustack_sink *s, const struct sre_ustack_event *e, uint64_t *ips, int n,
		     enum sre_unwind_end end)
{
	struct stack_trace fp;
	struct usym sym;
	int m;

	if (end == SRE_UNWIND_COMPLETE) {
		s->joins++;
		return n;
	}
	if (!e->fp_stack || bpf_map_lookup_elem(s->stacks_fd, &e->fp_stack, &fp) || fp.nr < 2 ||
	    fp.nr > STACK_MAX_DEPTH) {
		s->join_fallbacks++;
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
			return m;
		}
	}
	s->join_fallbacks++;
	if (usyms_resolve(s->sym->usyms, e->tgid, e->gen, fp.ips[1], &sym) || !sym.module)
		return n;
	for (uint32_t j = 0; j < fp.nr; j++)
		ips[j] = fp.ips[j];
	return (int)fp.nr;
}

/* offcpu reuses a copy only while its first return addresses are still
 * where this unwind found them (bpf/ustack.bpf.h, copy_still_valid). */
static void tell_checks(struct sre_ustack_sink *s, const struct sre_ustack_event *e, const uint64_t *ips,
			const uint64_t *slots, int n)
{
	struct sre_copy_check c = { 0 };
	uint64_t sp = e->regs[CFI_REG_RSP];

	if (s->checks_fd < 0)
		return;
	for (int i = 1; i < n && c.n < USTACK_CHECK_SLOTS; i++) {
		if (!slots[i] || slots[i] < sp)
			continue;
		c.off[c.n] = slots[i] - sp;
		c.val[c.n] = ips[i];
		c.n++;
	}
	bpf_map_update_elem(s->checks_fd, &e->id, &c, BPF_ANY);
}

static void on_copy(struct sre_ustack_sink *s, const struct sre_ustack_event *e, size_t len)
{
	struct usyms *u = s->sym->usyms;
	struct sre_unwind_input in = { .pid = e->tgid, .gen = e->gen, .stack = e->data, .len = e->len,
				       .fp_fallback = true };
	struct stack_trace st = { .kind = STACK_KIND_USER };
	enum sre_unwind_end end;
	uint64_t t0, id, ips[STACK_MAX_DEPTH], slots[STACK_MAX_DEPTH];

	if (len < offsetof(struct sre_ustack_event, data) || e->len > len - offsetof(struct sre_ustack_event, data))
		return;
	if (!u || s->stacks_fd < 0) {
		if (e->flags & USTACK_COUNT_SAMPLE)
			lost(s, SRE_CNT_MISSED);
		return;
	}
	/* Its announcement was dropped or came too late: read the maps now,
	 * if the pid is still that address space. */
	if (!usyms_has(u, e->tgid, e->gen) && (!still_current(s, e->tgid, e->gen) || usyms_capture(u, e->tgid, e->gen)))
		s->sym->procs_gone++;
	memcpy(in.regs, e->regs, sizeof(in.regs));
	in.ra_slots = slots;
	t0 = now_ns();
	st.nr = (uint32_t)sre_unwind(u, &in, ips, STACK_MAX_DEPTH, &end);
	/* A process met right after exec is captured before the loader has
	 * mapped its libraries: read its maps again, once, while it is still
	 * the same address space (BPF's generation for it is unchanged). */
	if (end == SRE_UNWIND_NO_MAPPING && usyms_captures(u, e->tgid, e->gen) < SRE_USTACK_MAX_CAPTURES &&
	    still_current(s, e->tgid, e->gen) && !usyms_capture(u, e->tgid, e->gen)) {
		s->recaptures++;
		st.nr = (uint32_t)sre_unwind(u, &in, ips, STACK_MAX_DEPTH, &end);
	}
	if (e->flags & USTACK_STORE_AS_ID)
		tell_checks(s, e, ips, slots, (int)st.nr);
	if (e->flags & USTACK_FP_JOIN)
		st.nr = (uint32_t)join_walk(s, e, ips, (int)st.nr, end);
	else
		s->ends[end]++;
	s->unwind_ns += now_ns() - t0;
	for (uint32_t i = 0; i < st.nr; i++)
		st.ips[i] = ips[i];
	s->copies++;
	s->copy_bytes += e->len;
	s->frames += st.nr;
	/* Stored by content, like the kernel's walks: identical stacks share
	 * one entry; a copy id (offcpu) is translated when rows are read. */
	id = stack_hash(&st);
	if (bpf_map_update_elem(s->stacks_fd, &id, &st, BPF_NOEXIST) && errno != EEXIST) {
		lost(s, SRE_CNT_STACK_LOST);
		id = 0;
	}
	if (e->flags & USTACK_STORE_AS_ID && !id_put(s, e->id, id))
		lost(s, SRE_CNT_STACK_LOST);
	if (e->flags & USTACK_COUNT_SAMPLE && s->counts_fd >= 0)
		count_sample(s, e, id);
}

/* --unwind auto: a process built with frame pointers is walked by the
 * kernel from now on, which costs far less than a copy. */
static void classify(struct sre_ustack_sink *s, uint32_t tgid, uint32_t gen)
{
	if (s->fp_procs_fd < 0 || usyms_frame_pointers(s->sym->usyms, tgid, gen) != 1)
		return;
	if (!bpf_map_update_elem(s->fp_procs_fd, &tgid, &gen, BPF_ANY))
		s->fp_procs++;
}

int sre_ustack_sink_on_event(void *ctx, void *data, size_t len)
{
	struct sre_ustack_sink *s = ctx;
	const struct sre_proc_event *pe = data;

	if (len < sizeof(*pe))
		return 0;
	if (pe->kind == SRE_PROC_USTACK) {
		on_copy(s, data, len);
		return 0;
	}
	sre_symbolizer_on_proc_event(s->sym, data, len);
	if (pe->kind == SRE_PROC_NEW && s->sym->usyms)
		classify(s, pe->tgid, pe->gen);
	else if (pe->kind == SRE_PROC_GONE && s->fp_procs_fd >= 0)
		bpf_map_delete_elem(s->fp_procs_fd, &pe->tgid);
	return 0;
}

void sre_ustack_sink_summary(const struct sre_ustack_sink *s, const char *tool)
{
	uint64_t full = s->copies - s->joins - s->join_fallbacks;

	if (!s->copies && !s->fp_procs)
		return;
	fprintf(stderr, "%s: dwarf unwinding: %" PRIu64 " stack copies (%.1f KiB each), %.1f frames and %.1f us each; "
			"%" PRIu64 " of %" PRIu64 " full copies complete (%.1f%%); %" PRIu64
			" processes with frame pointers: %" PRIu64 " small copies joined to their walks, %" PRIu64
			" left as walked; %" PRIu64 " maps read again",
		tool, s->copies, s->copies ? (double)s->copy_bytes / (double)s->copies / 1024 : 0.0,
		s->copies ? (double)s->frames / (double)s->copies : 0.0,
		s->copies ? (double)s->unwind_ns / (double)s->copies / 1000 : 0.0, s->ends[SRE_UNWIND_COMPLETE], full,
		full ? 100.0 * (double)s->ends[SRE_UNWIND_COMPLETE] / (double)full : 0.0, s->fp_procs, s->joins,
		s->join_fallbacks, s->recaptures);
	for (int i = 1; i < SRE_UNWIND_NENDS; i++)
		if (s->ends[i])
			fprintf(stderr, "; %" PRIu64 " ended: %s", s->ends[i], sre_unwind_end_names[i]);
	fputc('\n', stderr);
}

void sre_ustack_sink_json(const struct sre_ustack_sink *s, char *buf, size_t len)
{
	int n;

	if (!len)
		return;
	buf[0] = 0;
	if (!s->copies)
		return;
	n = snprintf(buf, len, "\"unwind\":{\"copies\":%" PRIu64 ",\"copy_bytes\":%" PRIu64 ",\"frames\":%" PRIu64
			       ",\"unwind_ns\":%" PRIu64 ",\"fp_processes\":%" PRIu64 ",\"joined\":%" PRIu64
			       ",\"join_fallbacks\":%" PRIu64 ",\"ended\":{",
		     s->copies, s->copy_bytes, s->frames, s->unwind_ns, s->fp_procs, s->joins, s->join_fallbacks);
	for (int i = 0; i < SRE_UNWIND_NENDS && n > 0 && (size_t)n < len; i++)
		n += snprintf(buf + n, len - (size_t)n, "%s\"%s\":%" PRIu64, i ? "," : "", sre_unwind_end_keys[i],
			      s->ends[i]);
	if (n > 0 && (size_t)n < len)
		snprintf(buf + n, len - (size_t)n, "}},");
}
