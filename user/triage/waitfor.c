#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include "lib/core/hashmap.h"
#include "lib/core/names.h"
#include "lib/sym/symbolizer.h"
#include "triage/waitfor.h"

bool sre_waker_is_thread(const struct sre_stack_waker *w)
{
	return (w->flags & SRE_WAKER_SEEN) &&
	       !(w->flags & (SRE_WAKER_IRQ | SRE_WAKER_IDLE | SRE_WAKER_KTHREAD)) && w->tgid;
}

static bool name_in(const char *name, const char *const *set)
{
	for (; *set; set++)
		if (!strcmp(name, *set))
			return true;
	return false;
}

enum sre_wait_reason sre_blocked_reason(uint32_t state, int syscall_nr)
{
	static const char *const disk[] = { "fsync", "fdatasync", "sync", "syncfs", "sync_file_range", "msync",
					    "io_getevents", "io_pgetevents", "io_uring_enter", NULL };
	static const char *const idle[] = { "epoll_wait", "epoll_pwait", "epoll_pwait2", "poll", "ppoll", "select",
					    "pselect6", "accept", "accept4", "wait4", "waitid", "pause",
					    "rt_sigtimedwait", "rt_sigsuspend", "recvfrom", "recvmsg", "recvmmsg",
					    "read", "readv", NULL };
	static const char *const lock[] = { "futex", "semop", "semtimedop", "flock", NULL };
	static const char *const sleep[] = { "nanosleep", "clock_nanosleep", NULL };
	static const char *const network[] = { "connect", "sendto", "sendmsg", "sendmmsg", NULL };
	const char *name = syscall_nr >= 0 ? sre_syscall_name(syscall_nr) : NULL;

	if (state == OFFCPU_STATE_PREEMPTED)
		return SRE_WAIT_RUNQ;
	if (name && name_in(name, disk))
		return SRE_WAIT_DISK;
	/* Uninterruptible sleep outside those: page cache and block I/O. */
	if (state == OFFCPU_STATE_UNINTERRUPTIBLE)
		return SRE_WAIT_DISK;
	if (!name)
		return SRE_WAIT_OTHER;
	if (name_in(name, idle))
		return SRE_WAIT_IDLE;
	if (name_in(name, lock))
		return SRE_WAIT_LOCK;
	if (name_in(name, sleep))
		return SRE_WAIT_SLEEP;
	if (name_in(name, network))
		return SRE_WAIT_NETWORK;
	return SRE_WAIT_OTHER;
}

void sre_wait_cost(const struct sre_stack_row *r, enum sre_wait_reason by_stack, bool same_service,
		   struct sre_wait_cost *c)
{
	const struct sre_stack_waker *w = &r->waker;

	*c = (struct sre_wait_cost){ .own = by_stack, .via = by_stack };
	/* The stack says it all: whoever (or whichever timeout) ended the
	 * wait, the thread was waiting for a CPU, or for the GIL. */
	if (by_stack == SRE_WAIT_RUNQ || by_stack == SRE_WAIT_GIL || !w->flags)
		return;
	if (w->flags & (SRE_WAKER_IRQ | SRE_WAKER_IDLE)) {
		/* Only a timeout (or a signal) ends a futex wait from an
		 * interrupt: a timed wait for work that expired. */
		if (by_stack == SRE_WAIT_LOCK)
			c->own = c->via = SRE_WAIT_IDLE;
		return;
	}
	if (!sre_waker_is_thread(w))
		return;
	/* A thread ends a join or a parent's wait for it on its way out. */
	if (w->flags & SRE_WAKER_EXITING) {
		c->own = c->via = SRE_WAIT_IDLE;
		return;
	}
	if (same_service) {
		c->own = c->via = SRE_WAIT_LOCK;
		c->contention = true;
	}
	/* Waiting for work (a client's next request) stays idle, whatever
	 * the client was doing meanwhile. */
	if (c->own == SRE_WAIT_IDLE || !w->blocked || !w->blocked_ns)
		return;
	c->via = sre_blocked_reason(SRE_WAKER_BLOCKED_STATE(w->blocked), SRE_WAKER_BLOCKED_SYSCALL(w->blocked));
	c->via_ns = w->blocked_ns < r->value ? w->blocked_ns : r->value;
}

bool sre_system_frame(const char *f)
{
	static const char *const prefixes[] = {
		"libc.so", "libpthread", "ld-linux", "libstdc++", "[unknown]", "[vdso]", "pthread_", "__pthread",
		"__lll_", "__futex", "futex", "__GI_", "_dl_", "syscall", "__libc", "clock_nanosleep", "__nanosleep",
		"nanosleep", "__clock_nanosleep", "start_thread", "clone", "__clone", "sem_", "__new_sem",
		"epoll_wait", "__epoll", "poll", "__poll", "select", "__select",
	};

	for (size_t i = 0; i < sizeof(prefixes) / sizeof(prefixes[0]); i++)
		if (!strncmp(f, prefixes[i], strlen(prefixes[i])))
			return true;
	return false;
}

/* Frame i of r's user stack is a system one. A call inlined into a
 * function (a "NAME (inlined)" frame) belongs to that function's file:
 * libc's lll_mutex_lock_optimized is libc's, whatever its name. */
static bool user_frame_is_system(const struct sre_stack_row *r, int i)
{
	for (int j = i; j < r->nu; j++)
		if (!sre_frame_is_inlined(r->uframes[j]))
			return sre_system_frame(r->uframes[j]);
	return sre_system_frame(r->uframes[i]);
}

int sre_row_syscall(const struct sre_stack_row *r)
{
	if (r->syscall >= 0)
		return r->syscall;
	for (int i = 0; i < r->nk; i++)
		if (!strncmp(r->kframes[i], "__x64_sys_", 10))
			return sre_syscall_number(r->kframes[i] + 10);
	return -1;
}

/* libc's wrapper of the syscall a thread blocked in ("fdatasync",
 * "__libc_pread64" for pread64): named after it, not the application. */
static bool syscall_wrapper(const struct sre_stack_row *r, const char *f)
{
	int nr = sre_row_syscall(r);
	const char *name = nr >= 0 ? sre_syscall_name(nr) : NULL;

	while (*f == '_')
		f++;
	if (!strncmp(f, "libc_", 5))
		f += 5;
	/* Exactly: "read" is not thread_main's wrapper. */
	return name && !strcmp(f, name);
}

const char *sre_app_frame(const struct sre_stack_row *r)
{
	const char *unnamed = NULL;

	/* A frame without a symbol (a static function in a stripped binary:
	 * "postgres+0x1e8647") only when no named one follows. */
	for (int i = 0; i < r->nu; i++) {
		if (user_frame_is_system(r, i) || syscall_wrapper(r, r->uframes[i]))
			continue;
		if (!strstr(r->uframes[i], "+0x"))
			return r->uframes[i];
		if (!unnamed)
			unnamed = r->uframes[i];
	}
	return unnamed;
}

/* Whether one word of identifier f is a lock word. Words split at
 * non-letters and at case changes: LWLockAcquire is LW Lock Acquire,
 * WaitEventSetWaitBlock has no lock word, std::mutex::lock has two. */
static bool has_lock_word(const char *f)
{
	static const char *const words[] = { "lock", "locks", "mutex", "rwlock", "sem", "semaphore", "spinlock",
					     "spin", NULL };
	char word[32];
	size_t n = 0;

	for (const char *p = f;; p++) {
		bool letter = isalpha((unsigned char)*p);
		/* A word ends before a non-letter, before an upper-case letter
		 * after a lower-case one (WaitLatch), and before the last
		 * capital of a run followed by a lower-case letter (LWLock). */
		bool cut = !letter || (n && isupper((unsigned char)*p) &&
				       (islower((unsigned char)p[-1]) || islower((unsigned char)p[1])));

		if (cut && n) {
			word[n] = '\0';
			if (name_in(word, words))
				return true;
			n = 0;
		}
		if (!*p)
			return false;
		if (letter && n < sizeof(word) - 1)
			word[n++] = (char)tolower((unsigned char)*p);
	}
}

const char *sre_lock_frame(const struct sre_stack_row *r)
{
	int i = 0;

	for (; i < r->nu; i++)
		if (!user_frame_is_system(r, i) && has_lock_word(r->uframes[i]))
			break;
	if (i == r->nu)
		return sre_app_frame(r);
	while (i + 1 < r->nu && !user_frame_is_system(r, i + 1) && has_lock_word(r->uframes[i + 1]))
		i++;
	return r->uframes[i];
}

/* ---- cycles of the wait-for graph between threads ---- */

struct wait_graph {
	struct sre_map index;     /* struct wait_node -> node number */
	uint32_t n;
	uint32_t *edge_from, *edge_to; /* one per contention row */
	size_t nedges;
	uint32_t *first, *next;   /* adjacency: first edge of a node, next edge of an edge */
	/* Tarjan's strongly connected components, without recursion. */
	int32_t *order, *low;
	uint32_t *component, *stack, *calls, *call_edge;
	bool *on_stack;
};

/* A node: a thread waiting at one site, the lock function and its
 * caller. Runtimes wait in one generic primitive (a JVM's
 * PlatformMonitor::wait) for everything; the caller tells a VM thread
 * waiting for work from a thread waiting at a safepoint. */
struct wait_node {
	uint64_t tid;
	const char *fn, *caller;
};

/* The site a row waits at (frame names are interned: pointers compare). */
static void wait_site(const struct sre_stack_row *r, const char **fn, const char **caller)
{
	*fn = sre_lock_frame(r);
	*caller = NULL;
	for (int i = 0; *fn && i + 1 < r->nu; i++)
		if (r->uframes[i] == *fn) {
			*caller = r->uframes[i + 1];
			break;
		}
}

static int node_of(struct wait_graph *g, uint32_t tid, const char *fn, const char *caller, uint32_t *node)
{
	struct wait_node key = { .tid = tid, .fn = fn, .caller = caller };
	bool added;
	uint32_t *v = sre_map_put(&g->index, &key, &added);

	if (!v)
		return -ENOMEM;
	if (added)
		*v = g->n++;
	*node = *v;
	return 0;
}

static void strong_components(struct wait_graph *g)
{
	uint32_t sp = 0, cp = 0, comps = 0;
	int32_t counter = 0;

	for (uint32_t i = 0; i < g->n; i++)
		g->order[i] = -1;
	for (uint32_t root = 0; root < g->n; root++) {
		if (g->order[root] >= 0)
			continue;
		g->calls[cp] = root;
		g->call_edge[cp++] = g->first[root];
		g->order[root] = g->low[root] = counter++;
		g->stack[sp++] = root;
		g->on_stack[root] = true;
		while (cp) {
			uint32_t v = g->calls[cp - 1], e = g->call_edge[cp - 1];

			if (e != UINT32_MAX) {
				uint32_t w = g->edge_to[e];

				g->call_edge[cp - 1] = g->next[e];
				if (g->order[w] < 0) {
					g->order[w] = g->low[w] = counter++;
					g->stack[sp++] = w;
					g->on_stack[w] = true;
					g->calls[cp] = w;
					g->call_edge[cp++] = g->first[w];
				} else if (g->on_stack[w] && g->order[w] < g->low[v]) {
					g->low[v] = g->order[w];
				}
				continue;
			}
			/* v is done: close its component, pass its low up. */
			if (g->low[v] == g->order[v]) {
				uint32_t w;

				do {
					w = g->stack[--sp];
					g->on_stack[w] = false;
					g->component[w] = comps;
				} while (w != v);
				comps++;
			}
			cp--;
			if (cp && g->low[v] < g->low[g->calls[cp - 1]])
				g->low[g->calls[cp - 1]] = g->low[v];
		}
	}
}

/* Waits of each (sleeper, waker) pair: one wait alone, however long, is
 * no pattern (a JVM's threads woken once at start-up or exit). */
static int count_pairs(const struct sre_stack_rows *rs, const struct sre_wait_cost *costs, struct sre_map *pairs)
{
	for (size_t i = 0; i < rs->n; i++) {
		uint32_t key[2] = { rs->rows[i].pid, rs->rows[i].waker.pid };
		uint64_t *n;

		if (!costs[i].contention)
			continue;
		if (!(n = sre_map_put(pairs, key, NULL)))
			return -ENOMEM;
		*n += rs->rows[i].count;
	}
	return 0;
}

/* A single long wait is an event (a launcher thread waiting for the
 * program to end, woken once), not a pattern. */
#define ONE_OFF_NS 100000000ULL

static bool repeated(const struct sre_map *pairs, const struct sre_stack_row *r)
{
	uint32_t key[2] = { r->pid, r->waker.pid };
	const uint64_t *n = sre_map_get(pairs, key);

	return n && *n >= 2 && !(r->count == 1 && r->value >= ONE_OFF_NS);
}

int sre_wait_keep_cycles(const struct sre_stack_rows *rs, struct sre_wait_cost *costs)
{
	struct wait_graph g = { 0 };
	struct sre_map pairs;
	size_t *row_of;
	bool *in_graph;
	const char *fn, *caller;
	int err;

	sre_map_init(&g.index, sizeof(struct wait_node), sizeof(uint32_t), NULL, NULL);
	sre_map_init(&pairs, 2 * sizeof(uint32_t), sizeof(uint64_t), NULL, NULL);
	err = count_pairs(rs, costs, &pairs);
	in_graph = calloc(rs->n + 1, sizeof(*in_graph));
	if (!in_graph)
		err = -ENOMEM;
	g.edge_from = calloc(rs->n + 1, sizeof(uint32_t));
	g.edge_to = calloc(rs->n + 1, sizeof(uint32_t));
	row_of = calloc(rs->n + 1, sizeof(*row_of));
	if (!g.edge_from || !g.edge_to || !row_of)
		err = -ENOMEM;
	for (size_t i = 0; i < rs->n && !err; i++) {
		if (!costs[i].contention || !repeated(&pairs, &rs->rows[i]))
			continue;
		in_graph[i] = true;
		/* Both ends at the sleeper's wait site: a waker that never waits
		 * there itself closes no cycle. */
		wait_site(&rs->rows[i], &fn, &caller);
		err = node_of(&g, rs->rows[i].pid, fn, caller, &g.edge_from[g.nedges]);
		if (!err)
			err = node_of(&g, rs->rows[i].waker.pid, fn, caller, &g.edge_to[g.nedges]);
		row_of[g.nedges++] = i;
	}
	if (!err && g.n) {
		g.first = malloc(g.n * sizeof(uint32_t));
		g.next = malloc(g.nedges * sizeof(uint32_t));
		g.order = malloc(g.n * sizeof(int32_t));
		g.low = malloc(g.n * sizeof(int32_t));
		g.component = malloc(g.n * sizeof(uint32_t));
		g.stack = malloc(g.n * sizeof(uint32_t));
		g.calls = malloc(g.n * sizeof(uint32_t));
		g.call_edge = malloc(g.n * sizeof(uint32_t));
		g.on_stack = calloc(g.n, sizeof(bool));
		if (!g.first || !g.next || !g.order || !g.low || !g.component || !g.stack || !g.calls ||
		    !g.call_edge || !g.on_stack)
			err = -ENOMEM;
	}
	if (!err && g.n) {
		for (uint32_t v = 0; v < g.n; v++)
			g.first[v] = UINT32_MAX;
		for (size_t e = g.nedges; e-- > 0;) {
			g.next[e] = g.first[g.edge_from[e]];
			g.first[g.edge_from[e]] = (uint32_t)e;
		}
		strong_components(&g);
		/* An edge inside a component lies on a cycle: contention. */
		for (size_t e = 0; e < g.nedges; e++)
			in_graph[row_of[e]] = g.component[g.edge_from[e]] == g.component[g.edge_to[e]];
	}
	/* Every other wait a thread of the service ended: waiting for its work. */
	for (size_t i = 0; i < rs->n && !err; i++) {
		struct sre_wait_cost *c = &costs[i];

		if (!c->contention || in_graph[i])
			continue;
		c->contention = false;
		if (c->own == SRE_WAIT_LOCK)
			c->own = SRE_WAIT_IDLE;
		if (c->via == SRE_WAIT_LOCK)
			c->via = SRE_WAIT_IDLE;
	}
	sre_map_free(&g.index);
	sre_map_free(&pairs);
	free(in_graph);
	free(g.edge_from);
	free(g.edge_to);
	free(row_of);
	free(g.first);
	free(g.next);
	free(g.order);
	free(g.low);
	free(g.component);
	free(g.stack);
	free(g.calls);
	free(g.call_edge);
	free(g.on_stack);
	return err;
}
