// SPDX-License-Identifier: GPL-2.0
/* biolat: block I/O latency per disk and operation, split into queue time
 * (insert -> issue) and device time (issue -> complete). */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include <bpf/bpf_core_read.h>
#include "biolat.h"
#include "filter.bpf.h"
#include "events.bpf.h"

const volatile bool per_disk = false;
const volatile bool per_op = false;
const volatile bool per_process = false;
const volatile bool filter_disk = false;
const volatile __s64 slow_ns = -1;       /* >=0: event per request this slow */
/* Before 5.11 block_rq_insert/issue took (queue, request): userspace
 * counts the tracepoint's arguments in the kernel's BTF. */
const volatile bool rq_second_arg = false;
/* Requests allocated before this (the attach time) were in flight already. */
const volatile __u64 start_ns = 0;

__u32 current_gen = 0;

struct inflight {
	__u64 insert_ts;  /* 0: not seen (direct issue) */
	__u64 issue_ts;
	__u32 pid;
	char comm[TASK_COMM_LEN];
};

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, BIOLAT_INFLIGHT_MAX);
	__type(key, __u64);
	__type(value, struct inflight);
} inflight SEC(".maps");

/* Who submitted a request, by its first bio: requests are often issued
 * from another context (kblockd, a loop worker, the flush machinery),
 * and an empty preflush write never is. Recorded when the request is
 * allocated, in the submitter's context. */
struct submitter {
	__u64 ts;
	__u32 pid;
	char comm[TASK_COMM_LEN];
};

struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, BIOLAT_INFLIGHT_MAX);
	__type(key, __u64);
	__type(value, struct submitter);
} submitters SEC(".maps");

/* The last process that asked a disk for a cache flush: the flush
 * machinery's own request (no bio) is sent for it. */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, BIOLAT_DISKS_MAX * 4);
	__type(key, __u32);
	__type(value, struct submitter);
} flushers SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__uint(max_entries, BIOLAT_ROWS_MAX);
	__type(key, struct biolat_key);
	__type(value, struct biolat_stats);
} stats SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, BIOLAT_DISKS_MAX);
	__type(key, __u32);
	__type(value, __u8);
} wanted_disks SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 4 << 20);
} events SEC(".maps");

static const struct biolat_stats zero_stats;

struct request___pre517 {
	struct gendisk *rq_disk;
} __attribute__((preserve_access_index));

static __always_inline struct gendisk *rq_disk(struct request *rq)
{
	struct request___pre517 *old = (void *)rq;

	if (bpf_core_field_exists(old->rq_disk))
		return BPF_CORE_READ(old, rq_disk);
	return BPF_CORE_READ(rq, q, disk);
}

/* A disk as rows name it: major << 20 | minor; 0 for none. */
static __always_inline __u32 disk_dev(struct gendisk *d)
{
	if (!d)
		return 0;
	return ((__u32)BPF_CORE_READ(d, major) << 20) | (__u32)BPF_CORE_READ(d, first_minor);
}

static __always_inline __u32 rq_dev(struct request *rq)
{
	return disk_dev(rq_disk(rq));
}

static __always_inline bool preflush(__u32 flags)
{
	return flags & (1U << bpf_core_enum_value(enum req_flag_bits, __REQ_PREFLUSH));
}

/* The operation as /sys/block/X/stat counts it: a flush request that
 * carries a bio is an empty preflush write sent straight to the driver,
 * counted as a write; the flush machinery's own request has no bio. */
static __always_inline __u32 rq_op(struct request *rq)
{
	__u32 flags = BPF_CORE_READ(rq, cmd_flags);
	__u32 op = flags & 0xff, out;

	switch (op) {
	case 0: out = BIOLAT_OP_READ; break;
	case 1: out = BIOLAT_OP_WRITE; break;
	case 2: out = BPF_CORE_READ(rq, bio) ? BIOLAT_OP_WRITE | BIOLAT_OP_PREFLUSH : BIOLAT_OP_FLUSH; break;
	case 3: out = BIOLAT_OP_DISCARD; break;
	default: out = BIOLAT_OP_OTHER; break;
	}
	/* An empty write only asks for a flush (blk_insert_flush takes
	 * REQ_PREFLUSH off the request, so the size tells). */
	if (out == BIOLAT_OP_WRITE && !BPF_CORE_READ(rq, __data_len))
		out |= BIOLAT_OP_PREFLUSH;
	if (flags & (1U << bpf_core_enum_value(enum req_flag_bits, __REQ_SYNC)))
		out |= BIOLAT_OP_SYNC;
	return out;
}

static __always_inline bool disk_wanted(struct request *rq)
{
	__u32 dev;

	if (!filter_disk)
		return true;
	dev = rq_dev(rq);
	return bpf_map_lookup_elem(&wanted_disks, &dev) != NULL;
}

/* Who submitted rq: recorded for its bio at allocation, or for its disk
 * when it is the flush machinery's own; NULL when none was (then the
 * context issuing it submitted it). */
static __always_inline struct submitter *submitter_of(struct request *rq)
{
	__u64 bio = (__u64)BPF_CORE_READ(rq, bio);
	__u32 dev;

	if (bio)
		return bpf_map_lookup_elem(&submitters, &bio);
	if ((BPF_CORE_READ(rq, cmd_flags) & 0xff) != 2 /* REQ_OP_FLUSH */)
		return NULL;
	dev = rq_dev(rq);
	return bpf_map_lookup_elem(&flushers, &dev);
}

static __always_inline void forget_submitter(struct request *rq)
{
	__u64 bio = (__u64)BPF_CORE_READ(rq, bio);

	if (bio)
		bpf_map_delete_elem(&submitters, &bio);
}

/* First sight of a request (insert, or issue when it bypassed the queue):
 * who submitted it. */
static __always_inline struct inflight *track(struct request *rq)
{
	__u64 key = (__u64)rq;
	struct inflight fresh = {}, *f;
	struct submitter *s;

	if (!disk_wanted(rq))
		return NULL;
	s = submitter_of(rq);
	if (s) {
		fresh.pid = s->pid;
		__builtin_memcpy(fresh.comm, s->comm, sizeof(fresh.comm));
	} else if (current_wanted()) {
		fresh.pid = bpf_get_current_pid_tgid() >> 32;
		bpf_get_current_comm(fresh.comm, sizeof(fresh.comm));
	} else {
		return NULL;
	}
	if (bpf_map_update_elem(&inflight, &key, &fresh, BPF_ANY)) {
		count_event(SRE_CNT_MISSED);
		return NULL;
	}
	f = bpf_map_lookup_elem(&inflight, &key);
	return f;
}

static __always_inline int on_insert(struct request *rq)
{
	struct inflight *f = track(rq);

	if (f)
		f->insert_ts = bpf_ktime_get_ns();
	return 0;
}

static __always_inline int on_issue(struct request *rq)
{
	__u64 key = (__u64)rq;
	struct inflight *f = bpf_map_lookup_elem(&inflight, &key);

	if (!f) {
		__u64 born = BPF_CORE_READ(rq, start_time_ns);

		/* Allocated before we started: in flight already, ignore it.
		 * (0: the queue keeps no timestamps; nothing to tell by.) */
		if (born && born < start_ns)
			return 0;
		f = track(rq);
		if (!f)
			return 0;
	}
	f->issue_ts = bpf_ktime_get_ns();
	return 0;
}

static __always_inline void add_hist(__u32 *hist, __u64 v)
{
	__u64 b = hist_bucket(v);

	/* Hide b's origin from clang so the bound check survives for the verifier. */
	asm volatile("" : "+r"(b));
	if (b < HIST_BUCKETS)
		__sync_fetch_and_add(&hist[b], 1);
}

static __always_inline void emit_event(struct request *rq, struct inflight *f, __u64 now, __u64 queue,
				       __u64 device, __u64 total, __u32 bytes, __u32 op, int error)
{
	struct biolat_event *e = bpf_ringbuf_reserve(&events, sizeof(*e), 0);
	struct gendisk *d;

	if (!e) {
		count_event(SRE_CNT_DROPS);
		return;
	}
	e->ts_ns = now;
	e->sector = BPF_CORE_READ(rq, __sector);
	e->queue_ns = queue;
	e->device_ns = device;
	e->total_ns = total;
	e->bytes = bytes;
	e->dev = rq_dev(rq);
	e->op = op;
	e->pid = f->pid;
	e->error = error;
	__builtin_memcpy(e->comm, f->comm, sizeof(e->comm));
	d = rq_disk(rq);
	e->disk[0] = 0;
	if (d)
		BPF_CORE_READ_STR_INTO(&e->disk, d, disk_name);
	submit_event(&events, e);
}

static __always_inline int on_complete(struct request *rq, int error, unsigned int nr_bytes)
{
	__u64 key = (__u64)rq, now, queue, device, total;
	struct biolat_key k = {};
	struct biolat_stats *st;
	struct inflight *f, unissued = {};
	__u32 op, gen = current_gen;

	f = bpf_map_lookup_elem(&inflight, &key);
	op = rq_op(rq);
	now = bpf_ktime_get_ns();
	/* The bio's submitter is read once more below, then forgotten: its
	 * address will serve another bio, maybe one not wanted. */
	if (!f || !f->issue_ts) {
		/* An empty preflush write the flush machinery completes
		 * without sending it: a write to the kernel's counters,
		 * waiting from allocation, never on the device. */
		struct submitter *s = (op & BIOLAT_OP_PREFLUSH) && disk_wanted(rq) ? submitter_of(rq) : NULL;

		if (!s || (f && !f->insert_ts)) {
			if (f)
				bpf_map_delete_elem(&inflight, &key);
			return 0;
		}
		if (!f) {
			f = &unissued;
			f->pid = s->pid;
			__builtin_memcpy(f->comm, s->comm, sizeof(f->comm));
			f->insert_ts = s->ts;
		}
		f->issue_ts = now;
	}
	forget_submitter(rq);
	device = now - f->issue_ts;
	queue = f->insert_ts ? f->issue_ts - f->insert_ts : 0;
	total = now - (f->insert_ts ? f->insert_ts : f->issue_ts);
	count_event(SRE_CNT_EVENTS);

	if (slow_ns >= 0) {
		if (total >= (__u64)slow_ns)
			emit_event(rq, f, now, queue, device, total, nr_bytes, op, error);
		bpf_map_delete_elem(&inflight, &key);
		return 0;
	}

	k.dev = per_disk ? rq_dev(rq) : 0;
	k.op = per_op ? op : BIOLAT_OP_ALL;
	k.pid = per_process ? f->pid : 0;
	st = bpf_map_lookup_elem(&stats, &k);
	if (!st) {
		bpf_map_update_elem(&stats, &k, &zero_stats, BPF_NOEXIST);
		st = bpf_map_lookup_elem(&stats, &k);
		if (!st) {
			count_event(SRE_CNT_MISSED);
			bpf_map_delete_elem(&inflight, &key);
			return 0;
		}
		__builtin_memcpy(st->comm, f->comm, sizeof(st->comm));
	}
	__sync_fetch_and_add(&st->count, 1);
	__sync_fetch_and_add(&st->bytes, nr_bytes);
	if (error)
		__sync_fetch_and_add(&st->errors, 1);
	__sync_fetch_and_add(&st->total_ns, total);
	__sync_fetch_and_add(&st->queue_ns, queue);
	__sync_fetch_and_add(&st->device_ns, device);
	/* Maxima may lose a race between CPUs completing at the same instant. */
	hist_max_update(&st->max_total, total, gen);
	hist_max_update(&st->max_queue, queue, gen);
	hist_max_update(&st->max_device, device, gen);
	add_hist(st->hist_total, total);
	add_hist(st->hist_queue, queue);
	add_hist(st->hist_device, device);
	add_hist(st->hist_size, nr_bytes);
	bpf_map_delete_elem(&inflight, &key);
	return 0;
}

struct bio___pre512 {
	struct gendisk *bi_disk;
} __attribute__((preserve_access_index));

static __always_inline __u32 bio_dev(struct bio *bio)
{
	struct bio___pre512 *old = (void *)bio;

	if (bpf_core_field_exists(old->bi_disk))
		return disk_dev(BPF_CORE_READ(old, bi_disk));
	return disk_dev(BPF_CORE_READ(bio, bi_bdev, bd_disk));
}

/* A request is allocated for a bio, in its submitter's context (before
 * 5.11 the bio is the second argument, as for insert and issue). */
SEC("tp_btf/block_getrq")
int BPF_PROG(rq_alloc_btf)
{
	struct bio *bio = (struct bio *)ctx[rq_second_arg ? 1 : 0];
	struct submitter s = {};
	__u64 key = (__u64)bio;
	__u32 dev;

	if (!current_wanted())
		return 0;
	s.ts = bpf_ktime_get_ns();
	s.pid = bpf_get_current_pid_tgid() >> 32;
	bpf_get_current_comm(s.comm, sizeof(s.comm));
	bpf_map_update_elem(&submitters, &key, &s, BPF_ANY);
	if (preflush(BPF_CORE_READ(bio, bi_opf))) {
		dev = bio_dev(bio);
		bpf_map_update_elem(&flushers, &dev, &s, BPF_ANY);
	}
	return 0;
}

/* tp_btf args are a u64 array: pick the request by position. */
SEC("tp_btf/block_rq_insert")
int BPF_PROG(rq_insert_btf)
{
	return on_insert((struct request *)ctx[rq_second_arg ? 1 : 0]);
}

SEC("tp_btf/block_rq_issue")
int BPF_PROG(rq_issue_btf)
{
	return on_issue((struct request *)ctx[rq_second_arg ? 1 : 0]);
}

SEC("tp_btf/block_rq_complete")
int BPF_PROG(rq_complete_btf, struct request *rq, int error, unsigned int nr_bytes)
{
	return on_complete(rq, error, nr_bytes);
}

char LICENSE[] SEC("license") = "GPL";
