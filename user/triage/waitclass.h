/* Why a thread was off CPU, from its stacks: the innermost kernel frame
 * that says (a futex wait, a block-layer wait, a socket wait, ...), else
 * the syscall it blocked in, else what its user frames say. */
#ifndef SRE_WAITCLASS_H
#define SRE_WAITCLASS_H

enum sre_wait_reason {
	SRE_WAIT_DISK,
	SRE_WAIT_NETWORK,
	SRE_WAIT_LOCK,    /* futex (mutexes; runtimes that park on futex too), kernel locks */
	SRE_WAIT_SLEEP,   /* nanosleep, timers */
	SRE_WAIT_RUNQ,    /* preempted: runnable, waiting for a CPU */
	SRE_WAIT_IDLE,    /* waiting for work: epoll/poll/select, condition variables,
			   * pipes, terminals, child exit, idle kernel threads */
	SRE_WAIT_GIL,     /* a Python thread waiting to take the interpreter lock */
	SRE_WAIT_OTHER,
	SRE_WAIT_NREASONS,
};

const char *sre_wait_reason_name(enum sre_wait_reason r);
/* kframes and uframes innermost first, as in struct sre_stack_row; upy:
 * 1 + index of the innermost Python frame in uframes, 0: none. */
enum sre_wait_reason sre_classify_wait(const char *const *kframes, int nk, const char *const *uframes, int nu,
				       int upy);

#endif
