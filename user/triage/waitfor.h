/* What a wait cost, once who ended it is known (docs/triage.md, "Who
 * ends a wait"). The sleeper's stack says what it waited in; the waker
 * says what it waited for:
 *   - ended by another thread or process of the sleeper's service: the
 *     service waits for itself, lock contention, whatever the syscall
 *     (futex, an epoll on a latch, a semaphore, a pipe);
 *   - ended by an interrupt: a device, the network or a timer; a futex
 *     wait a timer ended is a timed wait that expired, not contention;
 *   - ended by a thread on its way out: a join, a parent waiting for a
 *     child: idle, as waiting for work is;
 *   - the part of the wait during which the waker was itself blocked
 *     (its last block before the wake-up) is charged to what the waker
 *     was blocked in: the lock holder's fdatasync is disk time of the
 *     waiters too. One step of the chain, measured in BPF. */
#ifndef SRE_TRIAGE_WAITFOR_H
#define SRE_TRIAGE_WAITFOR_H

#include <stdbool.h>
#include <stdint.h>
#include "lib/stacks/stackrows.h"
#include "triage/waitclass.h"

struct sre_wait_cost {
	enum sre_wait_reason own; /* the wait's reason, for value - via_ns */
	enum sre_wait_reason via; /* what the waker was blocked in, for via_ns */
	uint64_t via_ns;
	bool contention;          /* ended by another thread of the service */
};

/* by_stack: sre_classify_wait() of the row; same_service: its waker is
 * another thread of the sleeper's service. */
void sre_wait_cost(const struct sre_stack_row *r, enum sre_wait_reason by_stack, bool same_service,
		   struct sre_wait_cost *c);
/* Contention is mutual: threads of a service that wait for each other
 * at the same site, on a cycle of the wait-for graph (a lock's waiters
 * are its holders at other times; the graph's nodes are a thread at a
 * site: the lock function and its caller). A wait ended by a thread that no such
 * cycle leads back from is waiting for that thread's work: idle (a JVM's
 * VM thread waiting for work while the thread that hands it work waits
 * at a safepoint elsewhere, idle GC workers, a pipeline stage and the one
 * before it). So is a single wait of 100 ms or more: an event (a launcher
 * thread waiting for the program to end), not a pattern. Rewrites costs
 * (one per row of rs) in place; -ENOMEM leaves them as they were. */
int sre_wait_keep_cycles(const struct sre_stack_rows *rs, struct sre_wait_cost *costs);
/* A waker a thread: not an interrupt, not the idle task, not a kernel thread. */
bool sre_waker_is_thread(const struct sre_stack_waker *w);
/* Why a thread was blocked, from its state and syscall alone (a waker's
 * block has no stack here). */
enum sre_wait_reason sre_blocked_reason(uint32_t state, int syscall_nr);

/* The syscall a row's thread blocked in, as BPF read it, else from its
 * kernel frames (__x64_sys_NAME, where the call is not inlined); -1. */
int sre_row_syscall(const struct sre_stack_row *r);
/* Frames of system libraries, libc internals and unsymbolized addresses. */
bool sre_system_frame(const char *f);
/* The innermost named application frame (above libc and the syscall's
 * wrapper; an unnamed one when none has a name), or NULL. */
const char *sre_app_frame(const struct sre_stack_row *r);
/* The function a thread waits for a lock in: the innermost run of
 * application frames whose names hold a lock word (lock, mutex, rwlock,
 * sem, semaphore, spinlock; as a word of the identifier: "Block" is
 * not one), and of that run the outermost, the caller that took the
 * lock rather than the mechanism (XactLockTableWait over
 * LockAcquireExtended, LWLockAcquire over PGSemaphoreLock). Else the
 * innermost application frame; NULL when there is none. */
const char *sre_lock_frame(const struct sre_stack_row *r);

#endif
