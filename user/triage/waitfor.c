#include <ctype.h>
#include <string.h>
#include "lib/core/names.h"
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
	if (by_stack == SRE_WAIT_RUNQ || !w->flags)
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

/* libc's wrapper of the syscall a thread blocked in ("fdatasync",
 * "__libc_pread64" for pread64): named after it, not the application. */
static bool syscall_wrapper(const struct sre_stack_row *r, const char *f)
{
	const char *name = r->syscall >= 0 ? sre_syscall_name(r->syscall) : NULL;

	while (*f == '_')
		f++;
	if (name && strstr(f, name))
		return true;
	for (int i = 0; i < r->nk; i++) {
		const char *k = r->kframes[i];

		if (!strncmp(k, "__x64_sys_", 10) && (!strcmp(f, k + 10) || strstr(f, k + 10)))
			return true;
	}
	return false;
}

const char *sre_app_frame(const struct sre_stack_row *r)
{
	const char *unnamed = NULL;

	/* A frame without a symbol (a static function in a stripped binary:
	 * "postgres+0x1e8647") only when no named one follows. */
	for (int i = 0; i < r->nu; i++) {
		if (sre_system_frame(r->uframes[i]) || syscall_wrapper(r, r->uframes[i]))
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
		if (!sre_system_frame(r->uframes[i]) && has_lock_word(r->uframes[i]))
			break;
	if (i == r->nu)
		return sre_app_frame(r);
	while (i + 1 < r->nu && !sre_system_frame(r->uframes[i + 1]) && has_lock_word(r->uframes[i + 1]))
		i++;
	return r->uframes[i];
}
