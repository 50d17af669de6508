/* Who ends a wait: the cost rules, the lock function's name, cycles of
 * the wait-for graph, and services from a /proc tree of our own. */
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "check.h"
#include "lib/core/names.h"
#include "triage/services.h"
#include "triage/waitfor.h"

#define N(a) ((int)(sizeof(a) / sizeof((a)[0])))

static struct sre_stack_row row(uint32_t pid, const char **u, int nu, uint32_t waker_pid, uint32_t flags)
{
	struct sre_stack_row r = { .pid = pid, .tgid = 100, .value = 1000, .count = 10, .syscall = -1,
				   .uframes = u, .nu = nu };

	r.waker.pid = waker_pid;
	r.waker.tgid = 100;
	r.waker.flags = flags;
	return r;
}

static void lock_names(void)
{
	const char *pg_latch[] = { "epoll_wait", "WaitEventSetWait", "WaitLatch", "ProcSleep", "postgres+0x45d95d",
				   "LockAcquireExtended", "XactLockTableWait", "heap_update", "main" };
	const char *pg_lw[] = { "libc.so.6+0x85e96", "PGSemaphoreLock", "LWLockAcquire", "ProcSleep", "main" };
	const char *block[] = { "epoll_wait", "WaitEventSetWaitBlock", "ServerLoop", "main" };
	const char *cxx[] = { "__lll_lock_wait", "std::mutex::lock", "Cache::get", "worker" };
	const char *none[] = { "libc.so.6+0x1234", "pthread_mutex_lock" };
	const char *unnamed[] = { "fdatasync", "app+0x1e8647", "XLogFlush", "main" };
	/* With libc6-dbg, calls inlined into libc's functions are frames too. */
	const char *inl[] = { "__lll_lock_wait", "lll_mutex_lock_optimized (inlined)", "___pthread_mutex_lock",
			      "std::unique_lock<std::mutex>::lock() (inlined)", "app_lock", "main" };
	struct sre_stack_row r;

	r = row(1, pg_latch, N(pg_latch), 2, SRE_WAKER_SEEN);
	CHECK(!strcmp(sre_lock_frame(&r), "XactLockTableWait"), "latch wait: %s", sre_lock_frame(&r));
	r = row(1, pg_lw, N(pg_lw), 2, SRE_WAKER_SEEN);
	CHECK(!strcmp(sre_lock_frame(&r), "LWLockAcquire"), "LWLock: %s", sre_lock_frame(&r));
	/* "Block" holds no lock word: the innermost application frame. */
	r = row(1, block, N(block), 2, SRE_WAKER_SEEN);
	CHECK(!strcmp(sre_lock_frame(&r), "WaitEventSetWaitBlock"), "Block: %s", sre_lock_frame(&r));
	r = row(1, cxx, N(cxx), 2, SRE_WAKER_SEEN);
	CHECK(!strcmp(sre_lock_frame(&r), "std::mutex::lock"), "C++: %s", sre_lock_frame(&r));
	r = row(1, inl, N(inl), 2, SRE_WAKER_SEEN);
	CHECK(!strcmp(sre_lock_frame(&r), "app_lock"), "inlined: %s", sre_lock_frame(&r));
	r = row(1, none, N(none), 2, SRE_WAKER_SEEN);
	CHECK(!sre_lock_frame(&r), "only libc: %s", sre_lock_frame(&r));
	/* The syscall's wrapper and unnamed frames give way to a named one. */
	r = row(1, unnamed, N(unnamed), 2, SRE_WAKER_SEEN);
	r.syscall = sre_syscall_number("fdatasync");
	CHECK(!strcmp(sre_app_frame(&r), "XLogFlush"), "app frame: %s", sre_app_frame(&r));
	{
		/* A wrapper is its syscall's name, not a name that holds it. */
		const char *rd[] = { "__libc_read", "thread_main", "main" };

		r = row(1, rd, N(rd), 2, SRE_WAKER_SEEN);
		r.syscall = sre_syscall_number("read");
		CHECK(!strcmp(sre_app_frame(&r), "thread_main"), "read wrapper: %s", sre_app_frame(&r));
	}
}

static void costs(void)
{
	const char *u[] = { "app_lock", "worker" };
	struct sre_stack_row r = row(1, u, N(u), 2, SRE_WAKER_SEEN);
	struct sre_wait_cost c;

	/* Another thread of the service: contention, whatever the stack said. */
	sre_wait_cost(&r, SRE_WAIT_IDLE, true, &c);
	CHECK(c.own == SRE_WAIT_LOCK && c.contention && !c.via_ns, "peer wake: %d %d", c.own, c.contention);
	/* Another service's thread (a client): the stack's reason stays. */
	sre_wait_cost(&r, SRE_WAIT_IDLE, false, &c);
	CHECK(c.own == SRE_WAIT_IDLE && !c.contention, "client wake: %d", c.own);
	/* A futex a timer interrupt ended: a timed wait that expired. */
	r.waker.flags = SRE_WAKER_SEEN | SRE_WAKER_IRQ;
	sre_wait_cost(&r, SRE_WAIT_LOCK, true, &c);
	CHECK(c.own == SRE_WAIT_IDLE, "timeout: %d", c.own);
	/* A thread on its way out: a join. */
	r.waker.flags = SRE_WAKER_SEEN | SRE_WAKER_EXITING;
	sre_wait_cost(&r, SRE_WAIT_LOCK, true, &c);
	CHECK(c.own == SRE_WAIT_IDLE && !c.contention, "join: %d", c.own);
	/* The holder blocked in fdatasync for 400 of the 1000 ns. */
	r.waker.flags = SRE_WAKER_SEEN;
	r.waker.blocked = SRE_WAKER_BLOCKED(OFFCPU_STATE_UNINTERRUPTIBLE, sre_syscall_number("fdatasync") + 1);
	r.waker.blocked_ns = 400;
	sre_wait_cost(&r, SRE_WAIT_LOCK, true, &c);
	CHECK(c.own == SRE_WAIT_LOCK && c.via == SRE_WAIT_DISK && c.via_ns == 400, "cascade: %d %d %lu", c.own, c.via,
	      (unsigned long)c.via_ns);
	/* Never more than the wait itself. */
	r.waker.blocked_ns = 5000;
	sre_wait_cost(&r, SRE_WAIT_LOCK, true, &c);
	CHECK(c.via_ns == r.value, "cascade bound: %lu", (unsigned long)c.via_ns);
	/* A preempted holder: the waiters wait for a CPU too. */
	r.waker.blocked = SRE_WAKER_BLOCKED(OFFCPU_STATE_PREEMPTED, 0);
	sre_wait_cost(&r, SRE_WAIT_LOCK, true, &c);
	CHECK(c.via == SRE_WAIT_RUNQ, "preempted holder: %d", c.via);
	CHECK(sre_blocked_reason(OFFCPU_STATE_INTERRUPTIBLE, sre_syscall_number("epoll_wait")) == SRE_WAIT_IDLE,
	      "epoll is idle");
	CHECK(sre_blocked_reason(OFFCPU_STATE_INTERRUPTIBLE, sre_syscall_number("futex")) == SRE_WAIT_LOCK,
	      "futex is a lock");
}

static void cycles(void)
{
	const char *u[] = { "app_lock", "worker" };
	/* 1 <-> 2 wait for each other (contention); 3 waits for 1 often,
	 * but 1 never for 3 (a handoff); 4 waits for 5 once each way
	 * (start-up and exit: single waits are no pattern); 6 waits for 7
	 * briefly at start-up and once for 5 s, 7 for 6 often: the long one
	 * alone is an event. */
	struct sre_stack_row rows[] = {
		row(1, u, N(u), 2, SRE_WAKER_SEEN), row(2, u, N(u), 1, SRE_WAKER_SEEN),
		row(3, u, N(u), 1, SRE_WAKER_SEEN), row(4, u, N(u), 5, SRE_WAKER_SEEN),
		row(5, u, N(u), 4, SRE_WAKER_SEEN), row(6, u, N(u), 7, SRE_WAKER_SEEN),
		row(6, u, N(u), 7, SRE_WAKER_SEEN), row(7, u, N(u), 6, SRE_WAKER_SEEN),
	};
	struct sre_stack_rows rs = { .rows = rows, .n = N(rows) };
	struct sre_wait_cost c[N(rows)];

	rows[3].count = rows[4].count = 1;
	rows[5].count = 1;
	rows[6].count = 1;
	rows[6].value = 5000000000ULL;
	for (int i = 0; i < N(rows); i++)
		sre_wait_cost(&rows[i], SRE_WAIT_IDLE, true, &c[i]);
	CHECK(!sre_wait_keep_cycles(&rs, c), "keep_cycles");
	CHECK(c[0].contention && c[1].contention, "1 <-> 2 is contention");
	CHECK(!c[2].contention && c[2].own == SRE_WAIT_IDLE, "3 -> 1 is a handoff");
	CHECK(!c[3].contention && !c[4].contention, "single waits are not contention");
	CHECK(c[5].contention && !c[6].contention && c[7].contention, "a single long wait is an event");
}

/* Two threads that wake each other, each waiting in the same primitive
 * but called from different places (a VM thread waiting for work, the
 * thread handing it work waiting at a safepoint): no contention. */
static void sites(void)
{
	const char *work[] = { "libc.so.6+0x85f16", "Monitor::wait", "VMThread::wait_for_operations", "thread_main" };
	const char *safepoint[] = { "libc.so.6+0x85f16", "Monitor::wait", "SafepointSynchronize::block", "main" };
	struct sre_stack_row rows[] = {
		row(1, work, N(work), 2, SRE_WAKER_SEEN), row(2, safepoint, N(safepoint), 1, SRE_WAKER_SEEN),
	};
	struct sre_stack_rows rs = { .rows = rows, .n = N(rows) };
	struct sre_wait_cost c[N(rows)];

	for (int i = 0; i < N(rows); i++)
		sre_wait_cost(&rows[i], SRE_WAIT_IDLE, true, &c[i]);
	CHECK(!sre_wait_keep_cycles(&rs, c), "keep_cycles");
	CHECK(!c[0].contention && !c[1].contention && c[0].own == SRE_WAIT_IDLE, "different sites: not contention");
}

/* A /proc of our own: pid/stat and pid/exe (a symlink). */
static void fake_proc(const char *root, unsigned pid, unsigned ppid, const char *comm, const char *exe)
{
	char path[256];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%u", root, pid);
	mkdir(path, 0755);
	snprintf(path, sizeof(path), "%s/%u/stat", root, pid);
	f = fopen(path, "w");
	fprintf(f, "%u (%s) S %u 1 1 0\n", pid, comm, ppid);
	fclose(f);
	if (exe) {
		snprintf(path, sizeof(path), "%s/%u/exe", root, pid);
		CHECK(!symlink(exe, path), "symlink");
	}
}

static void services(void)
{
	char root[] = "/tmp/sretrace-proc.XXXXXX";
	struct sre_services s;
	char cmd[300];

	CHECK(mkdtemp(root) != NULL, "mkdtemp");
	fake_proc(root, 1, 0, "init", "/sbin/init");
	fake_proc(root, 10, 1, "postgres", "/usr/lib/postgresql/15/bin/postgres");
	fake_proc(root, 11, 10, "postgres", "/usr/lib/postgresql/15/bin/postgres");
	fake_proc(root, 12, 10, "postgres", "/usr/lib/postgresql/15/bin/postgres");
	fake_proc(root, 20, 1, "pgbench", "/usr/bin/pgbench");
	fake_proc(root, 30, 2, "kworker/0:1", NULL);
	fake_proc(root, 40, 11, "sh (odd) name", "/bin/sh");
	sre_services_init(&s);
	s.proc_root = root;
	sre_services_scan(&s);
	CHECK(sre_service_of(&s, 11, "postgres") == 10, "backend -> postmaster: %u", sre_service_of(&s, 11, NULL));
	CHECK(sre_service_of(&s, 12, NULL) == 10, "backend 12");
	CHECK(sre_service_of(&s, 10, NULL) == 10, "postmaster is its own root");
	CHECK(sre_service_of(&s, 20, NULL) == 20, "pgbench alone");
	CHECK(sre_service_of(&s, 30, NULL) == 30, "kernel thread alone");
	CHECK(sre_service_of(&s, 40, NULL) == 40, "a child with another executable is its own");
	/* Gone before it was read: joins the live processes of its name. */
	CHECK(sre_service_of(&s, 13, "postgres") == 10, "exited backend: %u", sre_service_of(&s, 13, "postgres"));
	CHECK(sre_service_of(&s, 14, "other") == 14, "exited unknown");
	CHECK(sre_service_of(NULL, 11, NULL) == 11, "no services: its own");
	sre_services_free(&s);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", root);
	CHECK(!system(cmd), "cleanup");
}

int main(void)
{
	lock_names();
	costs();
	cycles();
	sites();
	services();
	if (failures)
		return 1;
	puts("test_waitfor: ok");
	return 0;
}
