/* Off-CPU reasons from stacks seen on this kernel (6.18) with offcpu. */
#include "check.h"
#include "triage/waitclass.h"

#define N(a) ((int)(sizeof(a) / sizeof((a)[0])))

static void expect_py(const char *what, const char *const *k, int nk, const char *const *u, int nu, int upy,
		      enum sre_wait_reason want)
{
	enum sre_wait_reason got = sre_classify_wait(k, nk, u, nu, upy);

	CHECK(got == want, "%s: got %s, want %s", what, sre_wait_reason_name(got), sre_wait_reason_name(want));
}

static void expect(const char *what, const char *const *k, int nk, const char *const *u, int nu,
		   enum sre_wait_reason want)
{
	expect_py(what, k, nk, u, nu, 0, want);
}

int main(void)
{
	static const char *const mutex_k[] = { "futex_do_wait", "__futex_wait", "futex_wait", "do_futex",
					       "__x64_sys_futex", "do_syscall_64", "entry_SYSCALL_64_after_hwframe" };
	static const char *const mutex_u[] = { "libc.so.6+0x8612b", "sretrace_test_app_lock", "worker" };
	static const char *const cond_u[] = { "pthread_cond_wait", "worker" };
	static const char *const join_u[] = { "libc.so.6+0x85f16", "pthread_join", "main" };
	static const char *const sleep_k[] = { "hrtimer_nanosleep", "common_nsleep", "__x64_sys_clock_nanosleep",
					       "do_syscall_64" };
	static const char *const dio_k[] = { "__blkdev_direct_IO_simple", "blkdev_direct_IO", "blkdev_write_iter",
					     "vfs_write", "ksys_write", "do_syscall_64" };
	static const char *const fsync_k[] = { "folio_wait_bit_common", "__filemap_fdatawait_range",
					       "file_write_and_wait_range", "ext4_sync_file", "__x64_sys_fsync" };
	static const char *const tcp_k[] = { "wait_woken", "sk_wait_data", "tcp_recvmsg_locked", "tcp_recvmsg",
					     "inet_recvmsg", "sock_recvmsg", "__sys_recvfrom", "__x64_sys_recvfrom" };
	static const char *const epoll_k[] = { "ep_poll", "do_epoll_wait", "__x64_sys_epoll_wait", "do_syscall_64" };
	static const char *const kworker_k[] = { "worker_thread", "kthread", "ret_from_fork" };
	static const char *const kthread_k[] = { "some_daemon_fn", "kthread", "ret_from_fork" };
	static const char *const preempt_k[] = { "irqentry_exit", "asm_sysvec_apic_timer_interrupt" };
	static const char *const unknown_k[] = { "something_new", "do_syscall_64" };
	static const char *const fsync_only_k[] = { "__x64_sys_fdatasync", "do_syscall_64" };
	static const char *const app_u[] = { "main" };
	static const char *const rust_park_u[] = { "syscall",
		"_RNvMs_NtNtCsalM65ksrrJu_3std6thread6threadNtB4_6Thread12park_timeout", "worker" };
	static const char *const go_park_u[] = { "runtime.futex", "runtime.futexsleep", "runtime.notesleep" };
	/* Debian's python3.11 (take_gil has no symbol), libc6-dbg's inlined frames. */
	static const char *const gil_eval_u[] = { "__futex_abstimed_wait_common64 (inlined)",
		"__futex_abstimed_wait_common", "__pthread_cond_wait_common (inlined)", "pthread_cond_timedwait",
		"python3.11+0xf92c0", "gil.spin (gil.py:9)", "threading.Thread.run (threading.py:964)" };
	static const char *const gil_api_u[] = { "pthread_cond_timedwait", "python3.11+0xf92c0",
		"PyEval_RestoreThread", "python3.11+0x1897a0", "threading.Condition.wait (threading.py:288)" };
	static const char *const gil_mutex_u[] = { "futex_wait (inlined)", "__GI___lll_lock_wait",
		"lll_mutex_lock_optimized (inlined)", "__pthread_mutex_lock", "python3.11+0xf92c0",
		"gil.spin (gil.py:9)" };
	static const char *const gil_named_u[] = { "pthread_cond_timedwait", "take_gil", "PyEval_RestoreThread" };
	/* A C extension's own condition wait under Python code is not the GIL. */
	static const char *const ext_cond_u[] = { "pthread_cond_wait", "queue_get", "ext.so+0x1234",
		"worker.run (worker.py:3)" };

	expect("pthread mutex", mutex_k, N(mutex_k), mutex_u, N(mutex_u), SRE_WAIT_LOCK);
	expect("condition variable", mutex_k, N(mutex_k), cond_u, N(cond_u), SRE_WAIT_IDLE);
	expect("pthread_join", mutex_k, N(mutex_k), join_u, N(join_u), SRE_WAIT_IDLE);
	expect("nanosleep", sleep_k, N(sleep_k), app_u, 1, SRE_WAIT_SLEEP);
	expect("O_DIRECT write", dio_k, N(dio_k), app_u, 1, SRE_WAIT_DISK);
	expect("fsync", fsync_k, N(fsync_k), app_u, 1, SRE_WAIT_DISK);
	expect("fdatasync, no inner frame", fsync_only_k, N(fsync_only_k), app_u, 1, SRE_WAIT_DISK);
	expect("tcp recv", tcp_k, N(tcp_k), app_u, 1, SRE_WAIT_NETWORK);
	expect("epoll", epoll_k, N(epoll_k), app_u, 1, SRE_WAIT_IDLE);
	expect("kworker", kworker_k, N(kworker_k), NULL, 0, SRE_WAIT_IDLE);
	expect("other kernel thread", kthread_k, N(kthread_k), NULL, 0, SRE_WAIT_IDLE);
	expect("preempted", preempt_k, N(preempt_k), app_u, 1, SRE_WAIT_RUNQ);
	expect("Rust thread parked", mutex_k, N(mutex_k), rust_park_u, N(rust_park_u), SRE_WAIT_IDLE);
	expect("Go scheduler asleep", mutex_k, N(mutex_k), go_park_u, N(go_park_u), SRE_WAIT_IDLE);
	expect_py("GIL from the eval loop", mutex_k, N(mutex_k), gil_eval_u, N(gil_eval_u), 6, SRE_WAIT_GIL);
	expect_py("GIL taken back by the C API", mutex_k, N(mutex_k), gil_api_u, N(gil_api_u), 5, SRE_WAIT_GIL);
	expect_py("the GIL's mutex", mutex_k, N(mutex_k), gil_mutex_u, N(gil_mutex_u), 6, SRE_WAIT_GIL);
	expect("GIL, CPython with symbols", mutex_k, N(mutex_k), gil_named_u, N(gil_named_u), SRE_WAIT_GIL);
	expect_py("an extension's condition wait", mutex_k, N(mutex_k), ext_cond_u, N(ext_cond_u), 4, SRE_WAIT_IDLE);
	expect("unknown", unknown_k, N(unknown_k), app_u, 1, SRE_WAIT_OTHER);
	expect("no stacks", NULL, 0, NULL, 0, SRE_WAIT_OTHER);
	if (failures)
		fprintf(stderr, "test_waitclass: %d failures\n", failures);
	else
		printf("test_waitclass: ok\n");
	return failures ? 1 : 0;
}
