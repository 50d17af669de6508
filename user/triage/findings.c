/* triage's analysis: per-process time accounting, then one finder per
 * kind of bottleneck, each adding a finding with its evidence and advice
 * when it costs enough; the findings are ranked by the time they cost. */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "lib/core/hist.h"
#include "lib/core/names.h"
#include "triage/findings.h"

/* ---- per-process accounting ---- */

static struct sre_triage_proc *proc_of(struct sre_triage_data *d, uint32_t pid, const char *comm)
{
	struct sre_triage_proc *p;

	for (size_t i = 0; i < d->nprocs; i++)
		if (d->procs[i].pid == pid)
			return &d->procs[i];
	p = realloc(d->procs, (d->nprocs + 1) * sizeof(*p));
	if (!p)
		return NULL;
	d->procs = p;
	p = &d->procs[d->nprocs++];
	memset(p, 0, sizeof(*p));
	p->pid = pid;
	snprintf(p->comm, sizeof(p->comm), "%s", comm);
	return p;
}

static uint64_t proc_busy(const struct sre_triage_proc *p)
{
	uint64_t t = p->on_ns;

	for (int r = 0; r < SRE_WAIT_NREASONS; r++)
		if (r != SRE_WAIT_IDLE)
			t += p->wait_ns[r];
	return t;
}

/* Merges biolat's per-process rows into one entry per disk and op. */
static void merge_disks(struct sre_triage_data *d)
{
	const struct sre_rows *rows = &d->disk[BIOLAT_PART_TOTAL];

	d->disks = calloc(rows->n ? rows->n : 1, sizeof(*d->disks));
	if (!d->disks)
		return;
	for (size_t i = 0; i < rows->n; i++) {
		const struct sre_row *r = &rows->rows[i];
		struct sre_triage_disk *k = NULL;

		for (size_t j = 0; j < d->ndisks && !k; j++)
			if (d->disks[j].dev == r->key1 && d->disks[j].op == (r->key2 & 0xff))
				k = &d->disks[j];
		if (!k) {
			k = &d->disks[d->ndisks++];
			k->dev = r->key1;
			k->op = r->key2 & 0xff;
		}
		k->count += r->count;
		k->bytes += r->bytes;
		k->total_ns += r->total_ns;
		hist_add(&k->hist, &r->hist);
	}
}

static void account(struct sre_triage_data *d)
{
	merge_disks(d);
	d->offcpu_reason = calloc(d->offcpu.n ? d->offcpu.n : 1, sizeof(*d->offcpu_reason));
	for (size_t i = 0; i < d->oncpu.n; i++) {
		const struct sre_stack_row *r = &d->oncpu.rows[i];
		struct sre_triage_proc *p = proc_of(d, r->tgid, r->comm);
		uint64_t ns = r->value * d->period_ns;

		d->on_ns += ns;
		if (p)
			p->on_ns += ns;
	}
	for (size_t i = 0; i < d->offcpu.n; i++) {
		const struct sre_stack_row *r = &d->offcpu.rows[i];
		enum sre_wait_reason why = sre_classify_wait(r->kframes, r->nk, r->uframes, r->nu);
		struct sre_triage_proc *p = proc_of(d, r->tgid, r->comm);

		if (d->offcpu_reason)
			d->offcpu_reason[i] = why;
		d->wait_ns[why] += r->value;
		if (p)
			p->wait_ns[why] += r->value;
	}
	d->busy_ns = d->on_ns;
	for (int r = 0; r < SRE_WAIT_NREASONS; r++)
		if (r != SRE_WAIT_IDLE)
			d->busy_ns += d->wait_ns[r];
}

/* ---- helpers for evidence ---- */

void sre_triage_human_ns(char *buf, size_t len, double ns)
{
	if (ns >= 1e9)
		snprintf(buf, len, "%.2f s", ns / 1e9);
	else if (ns >= 1e6)
		snprintf(buf, len, "%.2f ms", ns / 1e6);
	else if (ns >= 1e3)
		snprintf(buf, len, "%.1f us", ns / 1e3);
	else
		snprintf(buf, len, "%.0f ns", ns);
}

double sre_triage_pct(uint64_t part, uint64_t whole)
{
	return whole ? 100.0 * (double)part / (double)whole : 0;
}

/* Frames of system libraries and libc internals: a lock or a syscall is
 * named after the first frame above them, the application's. */
static bool system_frame(const char *f)
{
	static const char *const prefixes[] = {
		"libc.so", "libpthread", "ld-linux", "libstdc++", "[unknown]", "[vdso]", "pthread_", "__pthread",
		"__lll_", "__futex", "futex", "__GI_", "_dl_", "syscall", "__libc", "clock_nanosleep", "__nanosleep",
		"nanosleep", "__clock_nanosleep", "start_thread", "clone", "__clone",
	};

	for (size_t i = 0; i < sizeof(prefixes) / sizeof(prefixes[0]); i++)
		if (!strncmp(f, prefixes[i], strlen(prefixes[i])))
			return true;
	return false;
}

static const char *app_frame(const struct sre_stack_row *r)
{
	for (int i = 0; i < r->nu; i++)
		if (!system_frame(r->uframes[i]))
			return r->uframes[i];
	return NULL;
}

/* The syscall with the largest total latency in pid (or anywhere: pid 0). */
static const struct sre_row *top_syscall(const struct sre_triage_data *d, uint32_t pid)
{
	const struct sre_row *best = NULL;

	for (size_t i = 0; i < d->syscalls.n; i++) {
		const struct sre_row *r = &d->syscalls.rows[i];

		if ((!pid || r->key1 == pid) && (!best || r->total_ns > best->total_ns))
			best = r;
	}
	return best;
}

static void add_finding(struct sre_triage_data *d, const char *kind, uint64_t weight, const char *advice,
			const char *title, const char *evidence)
{
	struct sre_triage_finding *f;

	/* On a quiet host every share is large; a finding must also cost
	 * min_share of one thread's wall time (floor_ns). */
	if (d->nfindings == SRE_TRIAGE_MAX_FINDINGS || weight < d->floor_ns)
		return;
	f = &d->findings[d->nfindings++];
	f->kind = kind;
	f->weight_ns = weight;
	f->advice = advice;
	snprintf(f->title, sizeof(f->title), "%s", title);
	snprintf(f->evidence, sizeof(f->evidence), "%s", evidence);
}

/* ---- findings ---- */

static int cmp_proc_on(const void *a, const void *b)
{
	const struct sre_triage_proc *x = a, *y = b;

	return x->on_ns == y->on_ns ? 0 : x->on_ns > y->on_ns ? -1 : 1;
}

struct named_ns {
	uint32_t pid;
	uint32_t tid;
	const char *name;
	const char *comm;
	uint64_t ns;
};

/* One group: same process and name. */
static int cmp_group(const struct named_ns *x, const struct named_ns *y)
{
	if (x->pid != y->pid)
		return x->pid < y->pid ? -1 : 1;
	return strcmp(x->name, y->name);
}

static int cmp_named(const void *a, const void *b)
{
	const struct named_ns *x = a, *y = b;
	int c = cmp_group(x, y);

	return c ? c : x->tid < y->tid ? -1 : x->tid > y->tid;
}

/* The largest sum of ns over runs of equal (pid, name) in v that span at
 * least min_threads threads, sorted in place; *best its first entry. */
static uint64_t largest_group(struct named_ns *v, size_t n, int min_threads, const struct named_ns **best)
{
	uint64_t top = 0;

	*best = NULL;
	if (n)
		qsort(v, n, sizeof(*v), cmp_named);
	for (size_t i = 0, j; i < n; i = j) {
		uint64_t sum = 0;
		int threads = 0;

		for (j = i; j < n && !cmp_group(&v[i], &v[j]); j++) {
			sum += v[j].ns;
			threads += j == i || v[j].tid != v[j - 1].tid;
		}
		if (sum > top && threads >= min_threads) {
			top = sum;
			*best = &v[i];
		}
	}
	return top;
}

static const char *hottest_leaf(const struct sre_triage_data *d, uint32_t pid, uint64_t *hot, uint64_t *samples)
{
	struct named_ns *v = calloc(d->oncpu.n ? d->oncpu.n : 1, sizeof(*v));
	const struct named_ns *best;
	const char *name = NULL;
	size_t n = 0;

	*hot = *samples = 0;
	if (!v)
		return NULL;
	for (size_t i = 0; i < d->oncpu.n; i++) {
		const struct sre_stack_row *r = &d->oncpu.rows[i];
		const char *leaf = r->nu ? r->uframes[0] : r->nk ? r->kframes[0] : NULL;

		if (r->tgid != pid || !leaf)
			continue;
		*samples += r->value;
		v[n++] = (struct named_ns){ .pid = pid, .name = leaf, .ns = r->value };
	}
	*hot = largest_group(v, n, 1, &best);
	if (best)
		name = best->name;
	free(v);
	return name;
}

static void find_cpu(struct sre_triage_data *d, const struct sre_triage_thresholds *th)
{
	qsort(d->procs, d->nprocs, sizeof(*d->procs), cmp_proc_on);
	for (size_t i = 0; i < d->nprocs && i < 2; i++) {
		const struct sre_triage_proc *p = &d->procs[i];
		const char *hot = NULL;
		uint64_t hot_samples = 0, samples = 0;
		char title[320], ev[640], on[32];

		if ((double)p->on_ns < th->min_share * (double)d->busy_ns)
			break;
		/* Hottest function: the innermost frame of each sample, summed by
		 * name (sorted, so each name is summed once). */
		hot = hottest_leaf(d, p->pid, &hot_samples, &samples);
		sre_triage_human_ns(on, sizeof(on), (double)p->on_ns);
		snprintf(title, sizeof(title), "%s (pid %u) on CPU %s, %.0f%% of busy thread time%s%s%s", p->comm,
			 p->pid, on, sre_triage_pct(p->on_ns, d->busy_ns), hot ? ": hottest function " : "",
			 hot ? hot : "", hot ? "()" : "");
		snprintf(ev, sizeof(ev), "%s() is the innermost frame in %.0f%% of the process's %" PRIu64
			 " samples (%.0f%% of its own time on CPU); see oncpu.svg",
			 hot ? hot : "?", sre_triage_pct(hot_samples, samples), samples,
			 sre_triage_pct(p->on_ns, proc_busy(p)));
		add_finding(d, "cpu", p->on_ns,
			    "CPU-bound: the flame graph oncpu.svg shows which path; make it cheaper (algorithm, "
			    "caching, fewer allocations or copies), or spread the work over more cores",
			    title, ev);
	}
}

static void find_disk(struct sre_triage_data *d, const struct sre_triage_thresholds *th)
{
	const struct sre_rows *rows = &d->disk[BIOLAT_PART_TOTAL];
	struct sre_triage_disk best = { 0 };
	const struct sre_row *issuer = NULL, *sys;
	char title[320], ev[640], p99[32], p95[32], wait[32], disk[32], sp99[32];
	double p99_ns;

	for (size_t i = 0; i < d->ndisks; i++)
		if (d->disks[i].total_ns > best.total_ns)
			best = d->disks[i];
	p99_ns = best.count ? hist_quantile(&best.hist, 0.99, 0) : 0;
	if ((double)d->wait_ns[SRE_WAIT_DISK] < th->min_share * (double)d->busy_ns &&
	    !(best.count >= 10 && p99_ns >= (double)th->disk_p99_ns))
		return;
	for (size_t j = 0; j < rows->n; j++) {
		const struct sre_row *r = &rows->rows[j];

		if (r->key1 == best.dev && (r->key2 & 0xff) == best.op && (!issuer || r->total_ns > issuer->total_ns))
			issuer = r;
	}
	sre_triage_human_ns(wait, sizeof(wait), (double)d->wait_ns[SRE_WAIT_DISK]);
	if (!best.count) {
		snprintf(title, sizeof(title), "%.0f%% of busy thread time waiting on disk I/O (%s)",
			 sre_triage_pct(d->wait_ns[SRE_WAIT_DISK], d->busy_ns), wait);
		snprintf(ev, sizeof(ev), "no block requests were traced for it: page-cache or filesystem waits; "
					 "see offcpu.svg");
	} else {
		biolat_disk_name(best.dev, disk, sizeof(disk));
		sre_triage_human_ns(p99, sizeof(p99), p99_ns);
		sre_triage_human_ns(p95, sizeof(p95), hist_quantile(&best.hist, 0.95, 0));
		snprintf(title, sizeof(title), "%s p99 %s on %s from %s (pid %u): %.0f%% of busy thread time waiting on "
			 "disk I/O", biolat_op_name(best.op), p99, disk, issuer ? issuer->comm : "?",
			 issuer ? issuer->key2 >> 8 : 0, sre_triage_pct(d->wait_ns[SRE_WAIT_DISK], d->busy_ns));
		sys = issuer ? top_syscall(d, issuer->key2 >> 8) : NULL;
		if (sys)
			sre_triage_human_ns(sp99, sizeof(sp99), sre_row_quantile(sys, 0.99));
		snprintf(ev, sizeof(ev), "%s %s: %" PRIu64 " requests, %.0f IOPS, %.2f MB/s, p95 %s, p99 %s; threads "
			 "waited %s on disk; %s's costliest syscall: %s p99 %s over %" PRIu64 " calls",
			 disk, biolat_op_name(best.op), best.count, (double)best.count / d->elapsed_s,
			 (double)best.bytes / d->elapsed_s / 1e6, p95, p99, wait, issuer ? issuer->comm : "?",
			 sys ? (sre_syscall_name((int)sys->key2) ?: "?") : "?", sys ? sp99 : "?",
			 sys ? sys->count : 0);
	}
	/* A p99 over the limit stands whatever the waits came to. */
	add_finding(d, "disk",
		    best.count >= 10 && p99_ns >= (double)th->disk_p99_ns && d->wait_ns[SRE_WAIT_DISK] < d->floor_ns
			    ? d->floor_ns : d->wait_ns[SRE_WAIT_DISK],
		    "storage latency: check the device (iostat -x: await, aqu-sz, %util), its write cache and the "
		    "I/O scheduler; batch small synchronous writes, group fsyncs, or make them asynchronous",
		    title, ev);
}

static uint64_t proc_wait(const struct sre_triage_data *d, uint32_t pid, enum sre_wait_reason r)
{
	for (size_t i = 0; i < d->nprocs; i++)
		if (d->procs[i].pid == pid)
			return d->procs[i].wait_ns[r];
	return 0;
}

/* Loss per peer; returns true when one was a finding. */
static bool find_loss(struct sre_triage_data *d, const struct sre_triage_thresholds *th)
{
	bool any = false;

	for (size_t i = 0; i < d->nflows; i++) {
		struct sre_triage_flow peer = d->flows[i];
		char title[320], ev[640], wait[32];
		bool seen = false;
		double rate;
		uint64_t weight;

		/* Once per peer: the first flow to it gathers the others. */
		for (size_t j = 0; j < i && !seen; j++)
			seen = !strcmp(d->flows[j].raddr, peer.raddr) && d->flows[j].rport == peer.rport;
		if (seen)
			continue;
		for (size_t j = i + 1; j < d->nflows; j++) {
			const struct sre_triage_flow *o = &d->flows[j];

			if (!strcmp(o->raddr, peer.raddr) && o->rport == peer.rport) {
				peer.retrans_segs += o->retrans_segs;
				peer.segs_out += o->segs_out;
				peer.total_retrans += o->total_retrans;
			}
		}
		rate = peer.segs_out ? (double)peer.total_retrans / peer.segs_out : 0;
		if (rate < th->retrans_rate || peer.retrans_segs < 3)
			continue;
		weight = proc_wait(d, peer.pid, SRE_WAIT_NETWORK);
		sre_triage_human_ns(wait, sizeof(wait), (double)weight);
		snprintf(title, sizeof(title), "%.1f%% of segments to %s%s%s:%u retransmitted (%u of %u): packet loss on "
			 "the path", 100 * rate, strchr(peer.raddr, ':') ? "[" : "", peer.raddr,
			 strchr(peer.raddr, ':') ? "]" : "", peer.rport, peer.total_retrans, peer.segs_out);
		snprintf(ev, sizeof(ev), "%" PRIu64 " retransmitted segments traced; sender %s (pid %u) waited %s on "
			 "the network", peer.retrans_segs, peer.pid ? peer.comm : "?", peer.pid, wait);
		/* Rate-based: it stands even when nobody blocked long on it. */
		if (weight < d->floor_ns)
			weight = d->floor_ns;
		add_finding(d, "loss", weight,
			    "packet loss: check interface errors and drops on both ends (ip -s link, ethtool -S, nstat), "
			    "the peer's load, MTU mismatches and shaping or limits on the path; ss -ti shows the "
			    "socket's own retransmit counters", title, ev);
		any = true;
	}
	return any;
}

/* The row of reason why with the most time, optionally in pid. */
static const struct sre_stack_row *top_wait_row(const struct sre_triage_data *d, enum sre_wait_reason why)
{
	const struct sre_stack_row *best = NULL;

	for (size_t i = 0; i < d->offcpu.n && d->offcpu_reason; i++) {
		const struct sre_stack_row *r = &d->offcpu.rows[i];

		if ((!best || r->value > best->value) && d->offcpu_reason[i] == why)
			best = r;
	}
	return best;
}

static void find_network(struct sre_triage_data *d, const struct sre_triage_thresholds *th)
{
	const struct sre_stack_row *r;
	char title[320], ev[640], wait[32];

	if ((double)d->wait_ns[SRE_WAIT_NETWORK] < th->min_share * (double)d->busy_ns)
		return;
	r = top_wait_row(d, SRE_WAIT_NETWORK);
	sre_triage_human_ns(wait, sizeof(wait), (double)d->wait_ns[SRE_WAIT_NETWORK]);
	snprintf(title, sizeof(title), "%.0f%% of busy thread time (%s) waiting on the network, most in %s (pid %u)",
		 sre_triage_pct(d->wait_ns[SRE_WAIT_NETWORK], d->busy_ns), wait, r ? r->comm : "?", r ? r->tgid : 0);
	snprintf(ev, sizeof(ev), "largest wait: in %s%s, kernel %s",
		 r && app_frame(r) ? app_frame(r) : "?", r && app_frame(r) ? "()" : "",
		 r && r->nk > 1 ? r->kframes[1] : r && r->nk ? r->kframes[0] : "?");
	add_finding(d, "network", d->wait_ns[SRE_WAIT_NETWORK],
		    "the peer or service is slow to answer (or the window is full): measure its latency, check "
		    "connection pools and timeouts, and whether requests can be batched or pipelined",
		    title, ev);
}

static void find_lock(struct sre_triage_data *d, const struct sre_triage_thresholds *th)
{
	const char *best_fn = NULL;
	uint32_t best_pid = 0;
	uint64_t best;
	const char *comm = "?";
	char title[320], ev[640], wait[32];
	struct named_ns *waits;
	const struct named_ns *group = NULL;
	size_t n = 0;

	if ((double)d->wait_ns[SRE_WAIT_LOCK] < th->min_share * (double)d->busy_ns)
		return;
	/* Group lock waits by process and the application frame above libc.
	 * Contention needs two threads waiting there: one thread alone in
	 * futex under a frame is a join or a handoff as often as a lock (with
	 * Debian's libc, pthread_join's own frame has no symbol, so a join
	 * looks like main() waiting in futex). No application frame: the time
	 * counts as lock/futex, but there is no lock to name. */
	waits = calloc(d->offcpu.n ? d->offcpu.n : 1, sizeof(*waits));
	for (size_t i = 0; waits && d->offcpu_reason && i < d->offcpu.n; i++) {
		const struct sre_stack_row *r = &d->offcpu.rows[i];
		const char *fn = app_frame(r);

		if (d->offcpu_reason[i] == SRE_WAIT_LOCK && fn)
			waits[n++] = (struct named_ns){ .pid = r->tgid, .tid = r->pid, .name = fn, .comm = r->comm,
							.ns = r->value };
	}
	best = waits ? largest_group(waits, n, 2, &group) : 0;
	if (group) {
		best_fn = group->name;
		best_pid = group->pid;
		comm = group->comm;
	}
	for (size_t i = 0; i < d->nprocs && best_fn; i++) {
		if (d->procs[i].pid != best_pid)
			continue;
		sre_triage_human_ns(wait, sizeof(wait), (double)best);
		snprintf(title, sizeof(title), "%.0f%% of %s's thread time (pid %u) blocked in futex under %s(): lock "
			 "contention", sre_triage_pct(best, proc_busy(&d->procs[i])), comm, best_pid, best_fn);
		snprintf(ev, sizeof(ev), "%s of lock waits under %s(); all lock/futex waits: %.0f%% of busy thread time; "
			 "see offcpu.svg", wait, best_fn, sre_triage_pct(d->wait_ns[SRE_WAIT_LOCK], d->busy_ns));
		add_finding(d, "lock", best,
			    "lock contention: shorten the critical section (no I/O or sleeps while holding it), split "
			    "the lock by shard, or use per-thread or lock-free structures",
			    title, ev);
	}
	free(waits);
}

static void find_runq(struct sre_triage_data *d, const struct sre_triage_thresholds *th)
{
	char title[320], ev[640], wait[32];

	if ((double)d->wait_ns[SRE_WAIT_RUNQ] < th->min_share * (double)d->busy_ns)
		return;
	sre_triage_human_ns(wait, sizeof(wait), (double)d->wait_ns[SRE_WAIT_RUNQ]);
	snprintf(title, sizeof(title), "%.0f%% of busy thread time runnable but waiting for a CPU: CPU saturation",
		 sre_triage_pct(d->wait_ns[SRE_WAIT_RUNQ], d->busy_ns));
	snprintf(ev, sizeof(ev), "%s preempted while runnable; %d CPUs, %.2f CPU-seconds on CPU in %.1f s", wait,
		 d->ncpu, (double)d->on_ns / 1e9, d->elapsed_s);
	add_finding(d, "cpu wait", d->wait_ns[SRE_WAIT_RUNQ],
		    "more runnable threads than CPUs: add CPUs, run fewer threads, or push batch work down "
		    "(nice, cgroup cpu.weight)", title, ev);
}

static void find_other(struct sre_triage_data *d, const struct sre_triage_thresholds *th)
{
	const struct sre_stack_row *r;
	char title[320], ev[640];

	if ((double)d->wait_ns[SRE_WAIT_OTHER] < 2 * th->min_share * (double)d->busy_ns)
		return;
	r = top_wait_row(d, SRE_WAIT_OTHER);
	snprintf(title, sizeof(title), "%.0f%% of busy thread time off CPU for other reasons, most in %s (pid %u)",
		 sre_triage_pct(d->wait_ns[SRE_WAIT_OTHER], d->busy_ns), r ? r->comm : "?", r ? r->tgid : 0);
	snprintf(ev, sizeof(ev), "largest: kernel %s, user %s", r && r->nk ? r->kframes[0] : "-",
		 r && app_frame(r) ? app_frame(r) : "-");
	add_finding(d, "other", d->wait_ns[SRE_WAIT_OTHER],
		    "read offcpu.svg from the widest tower down to see what these threads wait for", title, ev);
}

static int cmp_finding(const void *a, const void *b)
{
	const struct sre_triage_finding *x = a, *y = b;

	return x->weight_ns == y->weight_ns ? 0 : x->weight_ns > y->weight_ns ? -1 : 1;
}

void sre_triage_analyze(struct sre_triage_data *d, const struct sre_triage_thresholds *th)
{
	d->floor_ns = (uint64_t)(th->min_share * d->elapsed_s * 1e9);
	account(d);
	find_cpu(d, th);
	find_disk(d, th);
	if (!find_loss(d, th))
		find_network(d, th);
	find_lock(d, th);
	find_runq(d, th);
	find_other(d, th);
	qsort(d->findings, (size_t)d->nfindings, sizeof(d->findings[0]), cmp_finding);
}

void sre_triage_data_free(struct sre_triage_data *d)
{
	sre_rows_free(&d->syscalls);
	for (int p = 0; p < BIOLAT_NPARTS; p++)
		sre_rows_free(&d->disk[p]);
	free(d->flows);
	free(d->procs);
	free(d->disks);
	free(d->offcpu_reason);
	sre_stack_rows_free(&d->offcpu);
	sre_stack_rows_free(&d->oncpu);
}
