#include <stdbool.h>
#include <string.h>
#include "lib/stacks/stackrows.h"
#include "triage/waitclass.h"

struct rule {
	const char *prefix;
	enum sre_wait_reason reason;
};

/* Kernel frames, matched by prefix, innermost frame first. The scheduler's
 * own frames (schedule, io_schedule) are missing from a sleeping task's
 * stack, so the rules name the callers that wait. */
static const struct rule kernel_rules[] = {
	/* run queue: preempted in the kernel or on return to user, or a
	 * preemption whose stacks were not taken (SRE_RUNNABLE_NAME) */
	{ SRE_RUNNABLE_NAME, SRE_WAIT_RUNQ }, { "preempt_schedule", SRE_WAIT_RUNQ }, { "irqentry_exit", SRE_WAIT_RUNQ },
	{ "__cond_resched", SRE_WAIT_RUNQ }, { "_cond_resched", SRE_WAIT_RUNQ },
	{ "exit_to_user_mode", SRE_WAIT_RUNQ }, { "irqentry_exit_to_user_mode", SRE_WAIT_RUNQ },
	/* locks */
	{ "futex_", SRE_WAIT_LOCK }, { "__futex", SRE_WAIT_LOCK }, { "__mutex_lock", SRE_WAIT_LOCK },
	{ "mutex_lock", SRE_WAIT_LOCK }, { "rwsem_down", SRE_WAIT_LOCK }, { "down_read", SRE_WAIT_LOCK },
	{ "down_write", SRE_WAIT_LOCK }, { "__down", SRE_WAIT_LOCK }, { "rt_mutex", SRE_WAIT_LOCK },
	/* idle waits, before the socket rules: epoll on sockets is idle */
	{ "ep_poll", SRE_WAIT_IDLE }, { "do_epoll_wait", SRE_WAIT_IDLE }, { "do_sys_poll", SRE_WAIT_IDLE },
	{ "do_select", SRE_WAIT_IDLE }, { "core_sys_select", SRE_WAIT_IDLE }, { "pipe_read", SRE_WAIT_IDLE },
	{ "pipe_write", SRE_WAIT_IDLE }, { "anon_pipe_read", SRE_WAIT_IDLE }, { "anon_pipe_write", SRE_WAIT_IDLE }, { "wait_for_partner", SRE_WAIT_IDLE }, { "n_tty_read", SRE_WAIT_IDLE },
	{ "do_wait", SRE_WAIT_IDLE }, { "kernel_wait4", SRE_WAIT_IDLE }, { "do_sigtimedwait", SRE_WAIT_IDLE },
	{ "sigsuspend", SRE_WAIT_IDLE }, { "inotify_read", SRE_WAIT_IDLE }, { "worker_thread", SRE_WAIT_IDLE },
	{ "smpboot_thread_fn", SRE_WAIT_IDLE }, { "kthread_worker_fn", SRE_WAIT_IDLE },
	{ "rescuer_thread", SRE_WAIT_IDLE }, { "rcu_gp_kthread", SRE_WAIT_IDLE }, { "kcompactd", SRE_WAIT_IDLE },
	{ "kswapd", SRE_WAIT_IDLE }, { "khugepaged", SRE_WAIT_IDLE }, { "io_wq_worker", SRE_WAIT_IDLE },
	/* disk and page cache */
	{ "blk_", SRE_WAIT_DISK }, { "bio_", SRE_WAIT_DISK }, { "submit_bio", SRE_WAIT_DISK },
	{ "__blkdev_direct_IO", SRE_WAIT_DISK }, { "blkdev_", SRE_WAIT_DISK }, { "iomap_dio", SRE_WAIT_DISK },
	{ "folio_wait", SRE_WAIT_DISK }, { "wait_on_page", SRE_WAIT_DISK }, { "__folio_lock", SRE_WAIT_DISK },
	{ "__lock_page", SRE_WAIT_DISK }, { "filemap_fdatawait", SRE_WAIT_DISK }, { "__filemap_fdatawait", SRE_WAIT_DISK },
	{ "file_write_and_wait", SRE_WAIT_DISK }, { "filemap_write_and_wait", SRE_WAIT_DISK },
	{ "wait_for_completion_io", SRE_WAIT_DISK }, { "jbd2_", SRE_WAIT_DISK }, { "ext4_sync", SRE_WAIT_DISK },
	{ "xfs_file_fsync", SRE_WAIT_DISK }, { "xfs_log_force", SRE_WAIT_DISK }, { "btrfs_sync", SRE_WAIT_DISK },
	{ "do_fsync", SRE_WAIT_DISK }, { "filemap_fault", SRE_WAIT_DISK }, { "swap_readpage", SRE_WAIT_DISK },
	/* network */
	{ "sk_wait", SRE_WAIT_NETWORK }, { "tcp_", SRE_WAIT_NETWORK }, { "inet_", SRE_WAIT_NETWORK },
	{ "inet6_", SRE_WAIT_NETWORK }, { "udp", SRE_WAIT_NETWORK }, { "__skb_wait", SRE_WAIT_NETWORK },
	{ "__skb_recv", SRE_WAIT_NETWORK }, { "sock_", SRE_WAIT_NETWORK }, { "unix_stream", SRE_WAIT_NETWORK },
	{ "unix_dgram", SRE_WAIT_NETWORK }, { "__sys_recv", SRE_WAIT_NETWORK }, { "__sys_send", SRE_WAIT_NETWORK },
	{ "__sys_accept", SRE_WAIT_NETWORK }, { "__sys_connect", SRE_WAIT_NETWORK },
	/* sleep */
	{ "hrtimer_nanosleep", SRE_WAIT_SLEEP }, { "do_nanosleep", SRE_WAIT_SLEEP }, { "common_nsleep", SRE_WAIT_SLEEP },
	{ "msleep", SRE_WAIT_SLEEP }, { "usleep_range", SRE_WAIT_SLEEP },
};

/* The syscall a task blocked in, when no frame inside it said more. */
static const struct rule syscall_rules[] = {
	{ "__x64_sys_futex", SRE_WAIT_LOCK }, { "__x64_sys_nanosleep", SRE_WAIT_SLEEP },
	{ "__x64_sys_clock_nanosleep", SRE_WAIT_SLEEP }, { "__x64_sys_fsync", SRE_WAIT_DISK },
	{ "__x64_sys_fdatasync", SRE_WAIT_DISK }, { "__x64_sys_sync", SRE_WAIT_DISK }, { "__x64_sys_msync", SRE_WAIT_DISK },
	{ "__x64_sys_io_getevents", SRE_WAIT_DISK }, { "__x64_sys_io_uring_enter", SRE_WAIT_DISK },
	{ "__x64_sys_epoll", SRE_WAIT_IDLE }, { "__x64_sys_poll", SRE_WAIT_IDLE }, { "__x64_sys_ppoll", SRE_WAIT_IDLE },
	{ "__x64_sys_select", SRE_WAIT_IDLE }, { "__x64_sys_pselect", SRE_WAIT_IDLE }, { "__x64_sys_wait4", SRE_WAIT_IDLE },
	{ "__x64_sys_waitid", SRE_WAIT_IDLE }, { "__x64_sys_pause", SRE_WAIT_IDLE },
	{ "__x64_sys_rt_sigtimedwait", SRE_WAIT_IDLE }, { "__x64_sys_rt_sigsuspend", SRE_WAIT_IDLE },
	{ "__x64_sys_recv", SRE_WAIT_NETWORK }, { "__x64_sys_send", SRE_WAIT_NETWORK },
	{ "__x64_sys_accept", SRE_WAIT_NETWORK }, { "__x64_sys_connect", SRE_WAIT_NETWORK },
};

/* User frames: libc's waits that a futex alone cannot tell apart. */
static const struct rule user_rules[] = {
	{ "pthread_cond_", SRE_WAIT_IDLE }, { "__pthread_cond_", SRE_WAIT_IDLE }, { "sem_wait", SRE_WAIT_IDLE },
	{ "__new_sem_wait", SRE_WAIT_IDLE }, { "sem_timedwait", SRE_WAIT_IDLE }, { "sem_clockwait", SRE_WAIT_IDLE },
	{ "pthread_join", SRE_WAIT_IDLE }, { "__pthread_clockjoin", SRE_WAIT_IDLE }, { "pthread_barrier_wait", SRE_WAIT_IDLE },
};

/* Runtimes that park idle threads on a futex, by a part of their (possibly
 * mangled) names: Rust std::thread::park[_timeout], Go's scheduler sleep. */
static const char *const parked[] = {
	"std6thread4park", "6Thread4park", "6Thread12park_timeout", "runtime.futexsleep", "runtime.notesleep",
	"runtime.semasleep", "runtime.park_m", "runtime.stopm",
};

static int match(const struct rule *rules, size_t n, const char *frame)
{
	for (size_t i = 0; i < n; i++)
		if (!strncmp(frame, rules[i].prefix, strlen(rules[i].prefix)))
			return (int)rules[i].reason;
	return -1;
}

#define NRULES(r) (sizeof(r) / sizeof((r)[0]))

const char *sre_wait_reason_name(enum sre_wait_reason r)
{
	static const char *const names[SRE_WAIT_NREASONS] = {
		"disk I/O", "network", "lock contention", "sleep/timer", "waiting for a CPU", "idle wait",
		"Python GIL", "other",
	};

	return r < SRE_WAIT_NREASONS ? names[r] : "other";
}

/* A function of the interpreter's own binary with no symbol (Debian's
 * python3.11 keeps only its exported ones): "python3.11+0xf92c0". */
static bool interpreter_internal(const char *f)
{
	return (!strncmp(f, "python3", 7) || !strncmp(f, "libpython3", 10)) && strstr(f, "+0x");
}

/* libc's frames of a condition wait or a mutex lock (with libc6-dbg, its
 * inlined helpers too). */
static bool lock_primitive(const char *f)
{
	static const char *const prefixes[] = { "pthread_cond_", "__pthread_cond_", "___pthread_cond_",
						"pthread_mutex_lock", "__pthread_mutex_lock", "___pthread_mutex_lock",
						"lll_mutex_lock", "__lll_lock_wait", "__GI___lll_lock_wait", NULL };

	for (int i = 0; prefixes[i]; i++)
		if (!strncmp(f, prefixes[i], strlen(prefixes[i])))
			return true;
	return false;
}

/* The interpreter lock: a condition wait or its mutex, by take_gil (or
 * drop_gil waiting for the switch it forced). Without CPython's symbols those are
 * unnamed, and known by where they sit: an unnamed interpreter function
 * between the condition wait and the Python code (the eval loop handing
 * over the GIL) or the C API calls that take it again. */
static bool gil_wait(const char *const *uframes, int nu, int upy)
{
	static const char *const takers[] = { "PyEval_RestoreThread", "PyEval_AcquireThread", "PyGILState_Ensure",
					      "PyEval_AcquireLock", NULL };

	for (int i = 0; i + 1 < nu && i < 6; i++) {
		const char *caller;

		if (!lock_primitive(uframes[i]))
			continue;
		/* The outermost of libc's frames for it (inlined ones with libc6-dbg). */
		while (i + 1 < nu && lock_primitive(uframes[i + 1]))
			i++;
		if (i + 1 >= nu)
			return false;
		caller = uframes[i + 1];
		if (!strcmp(caller, "take_gil") || !strcmp(caller, "drop_gil"))
			return true;
		if (!interpreter_internal(caller) || i + 2 >= nu)
			return false;
		if (upy == i + 3)
			return true;
		for (int t = 0; takers[t]; t++)
			if (!strcmp(uframes[i + 2], takers[t]))
				return true;
		return false;
	}
	return false;
}

enum sre_wait_reason sre_classify_wait(const char *const *kframes, int nk, const char *const *uframes, int nu,
				       int upy)
{
	bool kthread = false;
	int r;

	if (gil_wait(uframes, nu, upy))
		return SRE_WAIT_GIL;
	/* A condition variable or join waits in futex too, but for work, not a lock. */
	for (int i = 0; i < nu && i < 4; i++) {
		if ((r = match(user_rules, NRULES(user_rules), uframes[i])) >= 0)
			return (enum sre_wait_reason)r;
		for (size_t p = 0; p < NRULES(parked); p++)
			if (strstr(uframes[i], parked[p]))
				return SRE_WAIT_IDLE;
	}
	for (int i = 0; i < nk; i++) {
		if ((r = match(kernel_rules, NRULES(kernel_rules), kframes[i])) >= 0)
			return (enum sre_wait_reason)r;
		kthread |= !strcmp(kframes[i], "kthread");
	}
	for (int i = 0; i < nk; i++)
		if ((r = match(syscall_rules, NRULES(syscall_rules), kframes[i])) >= 0)
			return (enum sre_wait_reason)r;
	/* A kernel thread whose wait no rule names is waiting for work. */
	if (kthread && !nu)
		return SRE_WAIT_IDLE;
	return SRE_WAIT_OTHER;
}
