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
	p->service = sre_service_of(d->services, pid, comm);
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

/* Whether w, a thread, belongs to the service of r's process (and is
 * not r's own thread). */
static bool woken_by_service(struct sre_triage_data *d, const struct sre_stack_row *r)
{
	const struct sre_stack_waker *w = &r->waker;

	return sre_waker_is_thread(w) && w->pid != r->pid &&
	       sre_service_of(d->services, w->tgid, w->comm) == sre_service_of(d->services, r->tgid, r->comm);
}

static void add_wait(struct sre_triage_data *d, struct sre_triage_proc *p, enum sre_wait_reason why, uint64_t ns)
{
	d->wait_ns[why] += ns;
	if (p)
		p->wait_ns[why] += ns;
}

static void account(struct sre_triage_data *d)
{
	merge_disks(d);
	d->offcpu_cost = calloc(d->offcpu.n ? d->offcpu.n : 1, sizeof(*d->offcpu_cost));
	for (size_t i = 0; i < d->oncpu.n; i++) {
		const struct sre_stack_row *r = &d->oncpu.rows[i];
		struct sre_triage_proc *p = proc_of(d, r->tgid, r->comm);
		uint64_t ns = r->value * d->period_ns;

		d->on_ns += ns;
		if (p)
			p->on_ns += ns;
	}
	for (size_t i = 0; i < d->offcpu.n && d->offcpu_cost; i++) {
		const struct sre_stack_row *r = &d->offcpu.rows[i];

		sre_wait_cost(r, sre_classify_wait(r->kframes, r->nk, r->uframes, r->nu, r->upy), woken_by_service(d, r),
			      &d->offcpu_cost[i]);
	}
	if (d->offcpu_cost)
		sre_wait_keep_cycles(&d->offcpu, d->offcpu_cost);
	for (size_t i = 0; i < d->offcpu.n && d->offcpu_cost; i++) {
		const struct sre_stack_row *r = &d->offcpu.rows[i];
		struct sre_wait_cost *c = &d->offcpu_cost[i];
		struct sre_triage_proc *p = proc_of(d, r->tgid, r->comm);

		add_wait(d, p, c->own, r->value - c->via_ns);
		add_wait(d, p, c->via, c->via_ns);
	}
	d->busy_ns = d->on_ns;
	for (int r = 0; r < SRE_WAIT_NREASONS; r++)
		if (r != SRE_WAIT_IDLE)
			d->busy_ns += d->wait_ns[r];
}

/* A service's busy time and its processes; *first is one of them (the
 * root when it was seen). */
static uint64_t service_busy(const struct sre_triage_data *d, uint32_t service, int *nprocs,
			     const struct sre_triage_proc **first)
{
	uint64_t t = 0;

	*nprocs = 0;
	*first = NULL;
	for (size_t i = 0; i < d->nprocs; i++) {
		const struct sre_triage_proc *p = &d->procs[i];

		if (p->service != service)
			continue;
		t += proc_busy(p);
		(*nprocs)++;
		if (!*first || p->pid == service)
			*first = p;
	}
	return t;
}

/* "postgres's thread time (16 processes, pid 812)" or "app's thread time (pid 9)". */
static void service_label(const struct sre_triage_data *d, uint32_t service, char *buf, size_t len, uint64_t *busy)
{
	const struct sre_triage_proc *p;
	int n;

	*busy = service_busy(d, service, &n, &p);
	if (n > 1)
		snprintf(buf, len, "%s's thread time (%d processes, pid %u)", p ? p->comm : "?", n, service);
	else
		snprintf(buf, len, "%s's thread time (pid %u)", p ? p->comm : "?", service);
}

struct syscall_wait {
	uint64_t idle_ns, busy_ns;
};

/* Syscall rows merged per service; a syscall whose off-CPU time in the
 * service was mostly idle (waiting for work: epoll, a client's next
 * request) is left out, as the time table leaves idle waits out; one
 * offcpu saw nothing of is judged by its name. */
static void service_syscalls(struct sre_triage_data *d)
{
	struct sre_map waits;

	sre_map_init(&waits, 2 * sizeof(uint32_t), sizeof(struct syscall_wait), NULL, NULL);
	for (size_t i = 0; i < d->offcpu.n && d->offcpu_cost; i++) {
		const struct sre_stack_row *r = &d->offcpu.rows[i];
		const struct sre_wait_cost *c = &d->offcpu_cost[i];
		int nr = sre_row_syscall(r);
		uint32_t key[2] = { sre_service_of(d->services, r->tgid, r->comm), (uint32_t)nr };
		struct syscall_wait *w;
		uint64_t idle = (c->own == SRE_WAIT_IDLE ? r->value - c->via_ns : 0) +
				(c->via == SRE_WAIT_IDLE ? c->via_ns : 0);

		if (nr < 0 || !(w = sre_map_put(&waits, key, NULL)))
			continue;
		w->idle_ns += idle;
		w->busy_ns += r->value - idle;
	}
	for (size_t i = 0; i < d->syscalls.n; i++) {
		const struct sre_row *r = &d->syscalls.rows[i];
		uint32_t key[2] = { sre_service_of(d->services, r->key1, r->comm), r->key2 };
		const struct syscall_wait *w = sre_map_get(&waits, key);
		struct sre_row *m = NULL;

		if (w ? w->idle_ns > w->busy_ns
		      : sre_blocked_reason(OFFCPU_STATE_INTERRUPTIBLE, (int)r->key2) == SRE_WAIT_IDLE) {
			d->idle_syscall_ns += r->total_ns;
			continue;
		}
		for (size_t j = 0; j < d->service_syscalls.n && !m; j++)
			if (d->service_syscalls.rows[j].key1 == key[0] && d->service_syscalls.rows[j].key2 == key[1])
				m = &d->service_syscalls.rows[j];
		if (!m && (m = sre_rows_add(&d->service_syscalls, key[0], key[1])))
			memcpy(m->comm, r->comm, sizeof(m->comm));
		if (!m)
			continue;
		m->count += r->count;
		m->errors += r->errors;
		m->total_ns += r->total_ns;
		if (r->max_ns > m->max_ns)
			m->max_ns = r->max_ns;
		hist_add(&m->hist, &r->hist);
	}
	sre_rows_sort_by_total(&d->service_syscalls);
	sre_map_free(&waits);
}

void sre_triage_service_name(const struct sre_triage_data *d, uint32_t service, const char *comm, char *buf,
			     size_t len)
{
	int n = 0;

	for (size_t i = 0; i < d->nprocs; i++)
		n += d->procs[i].service == service;
	if (n > 1)
		snprintf(buf, len, "%s (%d processes)", comm, n);
	else
		snprintf(buf, len, "%s (%u)", comm, service);
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

/* The innermost frame of each sample of pid, summed by name: for a
 * sample running Python, its innermost Python frame (the C frames below it
 * are the interpreter's helpers). *python: the hottest is a Python one. */
static const char *hottest_leaf(const struct sre_triage_data *d, uint32_t pid, uint64_t *hot, uint64_t *samples,
				bool *python)
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
		const char *leaf = r->upy ? r->uframes[r->upy - 1] : r->nu ? r->uframes[0] : r->nk ? r->kframes[0] : NULL;

		if (r->tgid != pid || !leaf)
			continue;
		*samples += r->value;
		v[n++] = (struct named_ns){ .pid = pid, .name = leaf, .ns = r->value };
	}
	*hot = largest_group(v, n, 1, &best);
	if (best)
		name = best->name;
	free(v);
	*python = false;
	for (size_t i = 0; name && i < d->oncpu.n && !*python; i++) {
		const struct sre_stack_row *r = &d->oncpu.rows[i];

		*python = r->tgid == pid && r->upy && r->uframes[r->upy - 1] == name;
	}
	return name;
}

static void find_cpu(struct sre_triage_data *d, const struct sre_triage_thresholds *th)
{
	if (d->nprocs)
		qsort(d->procs, d->nprocs, sizeof(*d->procs), cmp_proc_on);
	for (size_t i = 0; i < d->nprocs && i < 2; i++) {
		const struct sre_triage_proc *p = &d->procs[i];
		const char *hot = NULL;
		bool python = false;
		uint64_t hot_samples = 0, samples = 0;
		char title[320], ev[640], on[32];

		if ((double)p->on_ns < th->min_share * (double)d->busy_ns)
			break;
		/* A share from a handful of samples is noise (one 10 ms sample
		 * of a process that ran 12 ms is "83% on CPU"). */
		if (d->period_ns && p->on_ns / d->period_ns < SRE_TRIAGE_MIN_CPU_SAMPLES)
			break;
		/* Hottest function: the innermost frame of each sample, summed by
		 * name (sorted, so each name is summed once). */
		hot = hottest_leaf(d, p->pid, &hot_samples, &samples, &python);
		sre_triage_human_ns(on, sizeof(on), (double)p->on_ns);
		/* Python frames carry their own "(file.py:line)". */
		snprintf(title, sizeof(title), "%s (pid %u) on CPU %s, %.0f%% of busy thread time%s%s%s", p->comm,
			 p->pid, on, sre_triage_pct(p->on_ns, d->busy_ns),
			 !hot ? "" : python ? ": hottest Python function " : ": hottest function ", hot ? hot : "",
			 hot && !python ? "()" : "");
		snprintf(ev, sizeof(ev), "%s%s is the innermost %sframe in %.0f%% of the process's %" PRIu64
			 " samples (%.0f%% of its own time on CPU); see oncpu.svg",
			 hot ? hot : "?", python ? "" : "()", python ? "Python " : "", sre_triage_pct(hot_samples, samples),
			 samples, sre_triage_pct(p->on_ns, proc_busy(p)));
		add_finding(d, "cpu", p->on_ns,
			    "CPU-bound: the flame graph oncpu.svg shows which path; make it cheaper (algorithm, "
			    "caching, fewer allocations or copies), or spread the work over more cores",
			    title, ev);
	}
}

/* Disk waits by service, syscall and application frame: the path the
 * waiting threads are on, not the device's busiest issuer (background
 * writeback, a loop device's worker). */
struct disk_path {
	uint32_t service;
	const char *syscall, *fn;
	uint64_t own_ns, via_ns, count;
};

static void disk_paths_add(struct disk_path *v, size_t *n, uint32_t service, const char *sys, const char *fn,
			   uint64_t own, uint64_t via, uint64_t count)
{
	for (size_t i = 0; i < *n; i++) {
		struct disk_path *p = &v[i];

		if (p->service == service && p->syscall == sys && p->fn == fn) {
			p->own_ns += own;
			p->via_ns += via;
			p->count += count;
			return;
		}
	}
	v[(*n)++] = (struct disk_path){ service, sys, fn, own, via, count };
}

/* The disk a service waits for: the one its processes sent the most
 * synchronous requests and flushes to (any process's, when none of
 * its own were traced: a flush a kernel thread sends for it). 0: none. */
static uint32_t sync_disk(struct sre_triage_data *d, uint32_t service)
{
	const struct sre_rows *rows = &d->disk[BIOLAT_PART_TOTAL];
	uint32_t best[2] = { 0 };
	uint64_t best_n[2] = { 0 };

	for (size_t i = 0; i < rows->n; i++) {
		const struct sre_row *r = &rows->rows[i];
		uint32_t op = r->key2 & 0xff;
		uint64_t n = 0;
		int own;

		if (!(op & BIOLAT_OP_SYNC) && (op & ~BIOLAT_OP_SYNC) != BIOLAT_OP_FLUSH)
			continue;
		own = sre_service_of(d->services, r->key2 >> 8, r->comm) == service;
		for (size_t j = 0; j < rows->n; j++)
			if (rows->rows[j].key1 == r->key1 && (rows->rows[j].key2 & 0xff) == op &&
			    (!own || sre_service_of(d->services, rows->rows[j].key2 >> 8, rows->rows[j].comm) == service))
				n += rows->rows[j].count;
		if (n > best_n[own]) {
			best_n[own] = n;
			best[own] = r->key1;
		}
	}
	return best[1] ? best[1] : best[0];
}

/* "loop0 flush 11076 p99 490 us, write sync 11079 p99 345 us" */
static void disk_ops(const struct sre_triage_data *d, uint32_t dev, char *buf, size_t len)
{
	char disk[32], p99[32], op[32];
	size_t at;

	biolat_disk_name(dev, disk, sizeof(disk));
	at = (size_t)snprintf(buf, len, "%s", disk);
	for (size_t i = 0; i < d->ndisks && at < len; i++) {
		const struct sre_triage_disk *k = &d->disks[i];

		if (k->dev != dev || !k->count)
			continue;
		sre_triage_human_ns(p99, sizeof(p99), hist_quantile(&k->hist, 0.99, 0));
		biolat_op_label(k->op, ' ', op, sizeof(op));
		at += (size_t)snprintf(buf + at, len - at, "%s %s %" PRIu64 " (%.0f/s) p99 %s",
				       at > strlen(disk) ? "," : "", op, k->count, (double)k->count / d->elapsed_s, p99);
	}
}

static void find_disk(struct sre_triage_data *d, const struct sre_triage_thresholds *th)
{
	struct disk_path *paths = calloc(d->offcpu.n ? d->offcpu.n : 1, sizeof(*paths)), best = { 0 };
	const struct sre_triage_disk *slow = NULL;
	uint32_t dev;
	char title[320], ev[640], own[32], via[32], ops[256] = "no block requests traced", label[96];
	double p99_ns = 0;
	uint64_t busy;
	size_t n = 0;

	for (size_t i = 0; i < d->ndisks; i++)
		if (d->disks[i].count >= 10 &&
		    hist_quantile(&d->disks[i].hist, 0.99, 0) > p99_ns) {
			p99_ns = hist_quantile(&d->disks[i].hist, 0.99, 0);
			slow = &d->disks[i];
		}
	if (!paths)
		return;
	for (size_t i = 0; i < d->offcpu.n && d->offcpu_cost; i++) {
		const struct sre_stack_row *r = &d->offcpu.rows[i];
		const struct sre_wait_cost *c = &d->offcpu_cost[i];
		uint64_t own = c->own == SRE_WAIT_DISK ? r->value - c->via_ns : 0;
		uint64_t by = c->via == SRE_WAIT_DISK ? c->via_ns : 0;

		/* Kernel threads' waits (jbd2, writeback) serve the others'. */
		if ((own || by) && r->nu)
			disk_paths_add(paths, &n, sre_service_of(d->services, r->tgid, r->comm), sre_syscall_name(sre_row_syscall(r)),
				       by ? sre_lock_frame(r) : sre_app_frame(r), own, by, r->count);
	}
	/* The path that touches the disk: the most direct waits (else the
	 * most waits behind one). Every wait of its service behind a thread
	 * that was blocked on disk meanwhile joins it: they wait for the
	 * same syncs. */
	for (size_t i = 0; i < n; i++)
		if (paths[i].own_ns > best.own_ns || (!best.own_ns && paths[i].via_ns > best.via_ns))
			best = paths[i];
	for (size_t i = 0; i < n && best.own_ns; i++)
		if (paths[i].service == best.service && !(paths[i].syscall == best.syscall && paths[i].fn == best.fn))
			best.via_ns += paths[i].via_ns;
	free(paths);
	if ((dev = sync_disk(d, best.service)))
		disk_ops(d, dev, ops, sizeof(ops));
	if ((double)(best.own_ns + best.via_ns) >= th->min_share * (double)d->busy_ns) {
		service_label(d, best.service, label, sizeof(label), &busy);
		sre_triage_human_ns(own, sizeof(own), (double)best.own_ns);
		sre_triage_human_ns(via, sizeof(via), (double)best.via_ns);
		snprintf(title, sizeof(title), "%.0f%% of %s waiting on disk I/O%s%s%s%s%s",
			 sre_triage_pct(best.own_ns + best.via_ns, busy), label, best.syscall ? " in " : "",
			 best.syscall ? best.syscall : "", best.syscall ? "()" : "", best.fn ? " under " : "",
			 best.fn ? best.fn : "");
		if (best.fn)
			strncat(title, "()", sizeof(title) - strlen(title) - 1);
		snprintf(ev, sizeof(ev), "%s in it (%" PRIu64 " waits), %s more waiting for a thread of the service "
			 "that was blocked on disk; %s; all disk waits: %.0f%% of busy thread time; see offcpu.svg",
			 own, best.count, via, ops, sre_triage_pct(d->wait_ns[SRE_WAIT_DISK], d->busy_ns));
		add_finding(d, "disk", best.own_ns + best.via_ns,
			    "synchronous storage latency on the waiting path: check the device (iostat -x: await, "
			    "aqu-sz, %util) and its write cache; batch or group the syncs (group commit), or "
			    "move them off the request path", title, ev);
		return;
	}
	/* A p99 over the limit stands whatever the waits came to. */
	if (!slow || p99_ns < (double)th->disk_p99_ns)
		return;
	disk_ops(d, slow->dev, ops, sizeof(ops));
	sre_triage_human_ns(own, sizeof(own), p99_ns);
	snprintf(title, sizeof(title), "%s p99 %s on a disk: slower than %.0f ms", biolat_op_name(slow->op), own,
		 (double)th->disk_p99_ns / 1e6);
	snprintf(ev, sizeof(ev), "%s; threads waited %.0f%% of busy thread time on disk", ops,
		 sre_triage_pct(d->wait_ns[SRE_WAIT_DISK], d->busy_ns));
	add_finding(d, "disk", d->wait_ns[SRE_WAIT_DISK] > d->floor_ns ? d->wait_ns[SRE_WAIT_DISK] : d->floor_ns,
		    "storage latency: check the device (iostat -x: await, aqu-sz, %util), its write cache and the "
		    "I/O scheduler", title, ev);
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

	for (size_t i = 0; i < d->offcpu.n && d->offcpu_cost; i++) {
		const struct sre_stack_row *r = &d->offcpu.rows[i];

		if ((!best || r->value > best->value) && d->offcpu_cost[i].own == why)
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
		 r && sre_app_frame(r) ? sre_app_frame(r) : "?", r && sre_app_frame(r) ? "()" : "",
		 r && r->nk > 1 ? r->kframes[1] : r && r->nk ? r->kframes[0] : "?");
	add_finding(d, "network", d->wait_ns[SRE_WAIT_NETWORK],
		    "the peer or service is slow to answer (or the window is full): measure its latency, check "
		    "connection pools and timeouts, and whether requests can be batched or pipelined",
		    title, ev);
}

/* Lock waits by service and lock function: one group's total, threads,
 * whether another thread of the service ended any of them, and what
 * the wakers were themselves blocked on meanwhile. */
struct lock_group {
	uint32_t service;
	const char *fn;
	uint64_t ns, via_ns[SRE_WAIT_NREASONS], count;
	int threads;
	bool woken_by_service;
};

static int cmp_lock_wait(const void *a, const void *b)
{
	const struct named_ns *x = a, *y = b;
	int c = cmp_group(x, y);

	return c ? c : x->tid < y->tid ? -1 : x->tid > y->tid;
}

static void find_lock(struct sre_triage_data *d, const struct sre_triage_thresholds *th)
{
	struct named_ns *waits = calloc(d->offcpu.n ? d->offcpu.n : 1, sizeof(*waits));
	struct lock_group best = { 0 }, second = { 0 };
	char title[320], ev[640], wait[32], holders[160] = "", next[120] = "", label[96];
	uint64_t busy;
	size_t n = 0;

	if (!waits || !d->offcpu_cost || (double)d->wait_ns[SRE_WAIT_LOCK] < th->min_share * (double)d->busy_ns) {
		free(waits);
		return;
	}
	/* Each row's own lock time under its lock function; the row's index
	 * rides in .comm's place to reach its cost again. */
	for (size_t i = 0; i < d->offcpu.n; i++) {
		const struct sre_stack_row *r = &d->offcpu.rows[i];
		const char *fn = sre_lock_frame(r);

		if (d->offcpu_cost[i].own == SRE_WAIT_LOCK && fn)
			waits[n++] = (struct named_ns){ .pid = sre_service_of(d->services, r->tgid, r->comm), .tid = r->pid,
							.name = fn, .comm = (const char *)(uintptr_t)i,
							.ns = r->value - d->offcpu_cost[i].via_ns };
	}
	if (n)
		qsort(waits, n, sizeof(*waits), cmp_lock_wait);
	for (size_t i = 0, j; i < n; i = j) {
		struct lock_group g = { .service = waits[i].pid, .fn = waits[i].name };

		for (j = i; j < n && !cmp_group(&waits[i], &waits[j]); j++) {
			size_t row = (size_t)(uintptr_t)waits[j].comm;
			const struct sre_wait_cost *c = &d->offcpu_cost[row];

			g.ns += waits[j].ns;
			g.count += d->offcpu.rows[row].count;
			g.threads += j == i || waits[j].tid != waits[j - 1].tid;
			g.woken_by_service |= c->contention;
			if (c->via != SRE_WAIT_LOCK)
				g.via_ns[c->via] += c->via_ns;
		}
		/* Contention needs proof: another thread of the service ended
		 * the wait, or (without wakers) two threads wait there. One
		 * thread alone in futex is a join or a handoff as often. */
		if (!g.woken_by_service && g.threads < 2)
			continue;
		if (g.ns > best.ns) {
			second = best;
			best = g;
		} else if (g.ns > second.ns) {
			second = g;
		}
	}
	free(waits);
	if (!best.fn)
		return;
	for (int r = 0; r < SRE_WAIT_NREASONS; r++) {
		char t[32];
		size_t len = strlen(holders);

		if (!best.via_ns[r] || best.via_ns[r] * 20 < best.ns)
			continue;
		sre_triage_human_ns(t, sizeof(t), (double)best.via_ns[r]);
		snprintf(holders + len, sizeof(holders) - len, "%s%s on %s", len ? ", " : "; the wakers were blocked ",
			 t, sre_wait_reason_name((enum sre_wait_reason)r));
	}
	if (*holders)
		strncat(holders, " meanwhile (counted there)", sizeof(holders) - strlen(holders) - 1);
	if (second.fn) {
		sre_triage_human_ns(wait, sizeof(wait), (double)second.ns);
		snprintf(next, sizeof(next), "; next: under %s() %s", second.fn, wait);
	}
	service_label(d, best.service, label, sizeof(label), &busy);
	sre_triage_human_ns(wait, sizeof(wait), (double)best.ns);
	snprintf(title, sizeof(title), "%.0f%% of %s waiting for %s under %s(): lock contention",
		 sre_triage_pct(best.ns, busy), label,
		 best.woken_by_service ? "another thread or process of it" : "other threads", best.fn);
	snprintf(ev, sizeof(ev), "%s of lock waits under %s() by %d threads (%" PRIu64 " waits)%s%s; all lock "
		 "contention: %.0f%% of busy thread time; see offcpu.svg", wait, best.fn, best.threads, best.count,
		 holders, next, sre_triage_pct(d->wait_ns[SRE_WAIT_LOCK], d->busy_ns));
	add_finding(d, "lock", best.ns,
		    "lock contention: shorten the critical section (no I/O or sleeps while holding it), split "
		    "the lock by shard, or use per-thread or lock-free structures; for a database, rows or "
		    "counters many sessions update at once", title, ev);
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

/* Python threads waiting to take the interpreter lock (the GIL): only
 * one runs Python at a time, so CPU-bound threads queue here. */
static void find_gil(struct sre_triage_data *d, const struct sre_triage_thresholds *th)
{
	const struct sre_stack_row *r;
	char title[320], ev[640], wait[32];

	if ((double)d->wait_ns[SRE_WAIT_GIL] < th->min_share * (double)d->busy_ns)
		return;
	r = top_wait_row(d, SRE_WAIT_GIL);
	sre_triage_human_ns(wait, sizeof(wait), (double)d->wait_ns[SRE_WAIT_GIL]);
	snprintf(title, sizeof(title), "%.0f%% of busy thread time (%s) waiting for Python's GIL, most in %s (pid %u)",
		 sre_triage_pct(d->wait_ns[SRE_WAIT_GIL], d->busy_ns), wait, r ? r->comm : "?", r ? r->tgid : 0);
	snprintf(ev, sizeof(ev), "largest wait: in %s, while another thread ran Python; see offcpu.svg",
		 r && r->upy ? r->uframes[r->upy - 1] : "?");
	add_finding(d, "gil", d->wait_ns[SRE_WAIT_GIL],
		    "CPU-bound Python threads take turns on one interpreter lock: use processes "
		    "(multiprocessing, several workers), or move the hot loop into code that releases the GIL "
		    "(NumPy, a C extension), or run fewer threads",
		    title, ev);
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
		 r && sre_app_frame(r) ? sre_app_frame(r) : "-");
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
	service_syscalls(d);
	find_cpu(d, th);
	find_disk(d, th);
	if (!find_loss(d, th))
		find_network(d, th);
	find_lock(d, th);
	find_runq(d, th);
	find_gil(d, th);
	find_other(d, th);
	qsort(d->findings, (size_t)d->nfindings, sizeof(d->findings[0]), cmp_finding);
}

void sre_triage_data_free(struct sre_triage_data *d)
{
	sre_rows_free(&d->syscalls);
	sre_rows_free(&d->service_syscalls);
	for (int p = 0; p < BIOLAT_NPARTS; p++)
		sre_rows_free(&d->disk[p]);
	free(d->flows);
	free(d->procs);
	free(d->disks);
	free(d->offcpu_cost);
	sre_stack_rows_free(&d->offcpu);
	sre_stack_rows_free(&d->oncpu);
}
