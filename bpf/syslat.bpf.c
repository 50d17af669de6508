// SPDX-License-Identifier: GPL-2.0
/* syslat: syscall latency histograms aggregated in the kernel. */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include <bpf/bpf_core_read.h>
#include "syslat.h"
#include "filter.bpf.h"
#include "events.bpf.h"
#include "taskslot.bpf.h"

const volatile bool per_process = false;
/* With per_process: rows by command name, not by process (triage), so a
 * storm of short-lived processes fills no map: rows are bounded by the
 * names and syscalls that occur, not by the processes. */
const volatile bool per_comm = false;
const volatile bool failures_only = false;
const volatile __s64 only_errno = 0;         /* >0: only calls failing with -only_errno */
const volatile bool filter_syscall = false;
const volatile __u8 syscall_wanted[SYSLAT_NR_MAX] = {};
const volatile __s64 slow_ns = -1;           /* >=0: emit an event per call this slow */
/* 0: every call is timed (exact counts). Else about this many calls per
 * CPU per jiffy are timed; at higher rates a call is timed with
 * probability 1/one_in and counts one_in times (unbiased). Timing costs
 * two clock reads, the largest part of a call's cost here (triage). */
const volatile __u32 timed_per_tick = 0;

/* Histogram shards (a power of two, SYSLAT_SHARDS_MAX at most). */
const volatile __u32 hist_shards = 1;

/* Report generation, advanced by userspace through the mmaped .bss at
 * every report so each row's maximum restarts per interval. */
__u32 current_gen = 0;

/* Which syscalls were counted since userspace last read them: a row is
 * stamped with touch_gen, which the reader advances at every read and
 * then looks up only rows stamped in the last two generations (a
 * program that read touch_gen just before the advance stamps the older
 * one). A read costs the rows that changed, not all rows times CPUs. */
__u32 touch_gen = 1;
__u32 touched[SYSLAT_NR_MAX];

struct syscall_start {
	__u64 ts;
	__u32 nr;
	__u32 weight; /* calls this one stands for */
};

/* This CPU's calls in the current jiffy, and the sampling they set for the next. */
struct sample_window {
	__u64 jiffy;
	__u32 calls;
	__u32 one_in;
};

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct sample_window);
} sample_windows SEC(".maps");

/* The weight of a call to time, or 0 to leave it untimed. The rate is
 * judged per jiffy (no clock read: jiffies are a plain load). */
static __always_inline __u32 sample_weight(void)
{
	struct sample_window *w;
	__u32 zero = 0;
	__u64 j;

	if (!timed_per_tick)
		return 1;
	w = bpf_map_lookup_elem(&sample_windows, &zero);
	if (!w)
		return 1;
	j = bpf_jiffies64();
	if (j != w->jiffy) {
		/* The last jiffy's rate sets the next one's sampling (a CPU
		 * idle for longer starts exact again). */
		w->one_in = j == w->jiffy + 1 && w->calls > timed_per_tick ? w->calls / timed_per_tick : 1;
		w->jiffy = j;
		w->calls = 0;
	}
	w->calls++;
	if (w->one_in > 1 && bpf_get_prandom_u32() % w->one_in)
		return 0;
	return w->one_in;
}

/* Per-task start time: task storage, no shared hash on the hot path
 * (where the kernel has it). */
SRE_TASK_SLOT_MAPS(starts, struct syscall_start);
static const struct syscall_start zero_start;

static __always_inline struct syscall_start *current_start(bool create)
{
	return task_slot(&starts, &starts_by_tid, task_storage ? bpf_get_current_task_btf() : NULL,
			 (__u32)bpf_get_current_pid_tgid(), create, &zero_start);
}

/* Default mode: the counters per CPU, no atomics (40 bytes a syscall). */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, SYSLAT_NR_MAX);
	__type(key, __u32);
	__type(value, struct syslat_counts);
} counts SEC(".maps");

/* ... and the histograms, a row per syscall that occurs and shard,
 * allocated when first used (max_entries: SYSLAT_NR_MAX x shards). */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__uint(max_entries, SYSLAT_NR_MAX);
	__type(key, struct syslat_hist_key);
	__type(value, struct syslat_hist);
} hists SEC(".maps");

static const struct syslat_hist zero_hist;

/* -P mode: shared rows keyed by process, updated atomically. */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__uint(max_entries, SYSLAT_PROC_MAX);
	__type(key, struct syslat_proc_key);
	__type(value, struct syslat_proc_val);
} proc_stats SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 1 << 20);
} events SEC(".maps");

static const struct syslat_proc_val zero_proc;

static __always_inline int on_enter(long id)
{
	struct syscall_start *s;
	__u32 weight;

	if (id < 0 || id >= SYSLAT_NR_MAX)
		return 0;
	if (filter_syscall && !syscall_wanted[id])
		return 0;
	/* The launcher's execve that succeeds is the command's first call (as
	 * strace -f counts it); the ones that fail, trying PATH, are not. */
	if (!current_wanted() && !((id == 59 /* execve */ || id == 322 /* execveat */) && current_before_exec()))
		return 0;
	weight = sample_weight();
	if (!weight)
		return 0;
	s = current_start(true);
	if (!s) {
		count_event(SRE_CNT_MISSED);
		return 0;
	}
	s->nr = id;
	s->weight = weight;
	s->ts = bpf_ktime_get_ns();
	return 0;
}

/* -P rows are shared between CPUs: atomic counters; the maximum may lose
 * a race to another CPU, so -P maxima are best effort. */
static __always_inline void record_per_process(__u32 nr, __u64 lat, bool failed, __u64 b, __u32 w)
{
	__u32 tgid = bpf_get_current_pid_tgid() >> 32;
	struct syslat_proc_key key = { .nr = nr };
	struct syslat_proc_val *v;

	if (per_comm)
		bpf_get_current_comm(key.comm, sizeof(key.comm));
	else
		key.pid = tgid;
	v = bpf_map_lookup_elem(&proc_stats, &key);
	if (!v) {
		bpf_map_update_elem(&proc_stats, &key, &zero_proc, BPF_NOEXIST);
		v = bpf_map_lookup_elem(&proc_stats, &key);
		if (!v) {
			count_event(SRE_CNT_MISSED);
			return;
		}
		bpf_get_current_comm(v->comm, sizeof(v->comm));
		v->pid = tgid;
	}
	__sync_fetch_and_add(&v->stats.count, w);
	__sync_fetch_and_add(&v->stats.total_ns, lat * w);
	if (failed)
		__sync_fetch_and_add(&v->stats.errors, w);
	__sync_fetch_and_add(&v->stats.hist[b], w);
	hist_max_update(&v->stats.max, lat, current_gen);
}

/* Default mode: this CPU's counters with plain increments, its shard's
 * histogram atomically (shared with the CPUs of the same shard). */
static __always_inline void record_syscall(__u32 nr, __u64 lat, bool failed, __u64 b, __u32 w)
{
	struct syslat_hist_key key = { .nr = nr, .shard = bpf_get_smp_processor_id() & (hist_shards - 1) };
	struct syslat_counts *c = bpf_map_lookup_elem(&counts, &nr);
	struct syslat_hist *h;

	if (!c || nr >= SYSLAT_NR_MAX)
		return;
	c->count += w;
	c->total_ns += lat * w;
	c->errors += failed ? w : 0;
	hist_max_update(&c->max, lat, current_gen);
	if (touched[nr] != touch_gen)
		touched[nr] = touch_gen;
	h = bpf_map_lookup_elem(&hists, &key);
	if (!h) {
		bpf_map_update_elem(&hists, &key, &zero_hist, BPF_NOEXIST);
		h = bpf_map_lookup_elem(&hists, &key);
		if (!h) {
			count_event(SRE_CNT_MISSED);
			return;
		}
	}
	if (b < HIST_BUCKETS)
		__sync_fetch_and_add(&h->b[b], w);
}

static __always_inline void emit_event(__u32 nr, __u64 lat, __u64 now, long ret)
{
	struct syslat_event *e = bpf_ringbuf_reserve(&events, sizeof(*e), 0);
	__u64 id;

	if (!e) {
		count_event(SRE_CNT_DROPS);
		return;
	}
	id = bpf_get_current_pid_tgid();
	e->ts_ns = now;
	e->lat_ns = lat;
	e->ret = ret;
	e->pid = id >> 32;
	e->tid = (__u32)id;
	e->nr = nr;
	bpf_get_current_comm(e->comm, sizeof(e->comm));
	submit_event(&events, e);
}

static __always_inline int on_exit(long ret)
{
	struct syscall_start *s;
	__u64 now, lat;
	__u32 nr, w;
	__u64 b; /* 64-bit: a 32-bit copy would lose the verifier's bound */
	bool failed;

	s = current_start(false);
	if (!s || !s->ts)
		return 0;
	/* An execve by the launcher that failed: it is still the launcher. */
	if (current_before_exec()) {
		s->ts = 0;
		return 0;
	}
	now = bpf_ktime_get_ns();
	lat = now - s->ts;
	nr = s->nr;
	w = s->weight;
	s->ts = 0;
	if (nr >= SYSLAT_NR_MAX)
		return 0;

	failed = ret < 0;
	if (failures_only && !failed)
		return 0;
	if (only_errno && ret != -only_errno)
		return 0;

	if (slow_ns >= 0) {
		count_event(SRE_CNT_EVENTS);
		if (lat >= (__u64)slow_ns)
			emit_event(nr, lat, now, ret);
		return 0;
	}

	b = hist_bucket(lat);
	/* Hide b's origin from clang so the bound check survives for the verifier. */
	asm volatile("" : "+r"(b));
	if (b >= HIST_BUCKETS)
		return 0;
	if (per_process) {
		record_per_process(nr, lat, failed, b, w);
		return 0;
	}

	record_syscall(nr, lat, failed, b, w);
	return 0;
}

SEC("tp_btf/sys_enter")
int BPF_PROG(sys_enter_btf, struct pt_regs *regs, long id)
{
	return on_enter(id);
}

SEC("tp_btf/sys_exit")
int BPF_PROG(sys_exit_btf, struct pt_regs *regs, long ret)
{
	return on_exit(ret);
}

char LICENSE[] SEC("license") = "GPL";
