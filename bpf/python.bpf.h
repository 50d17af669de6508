/* CPython's own frames at sample time (bpf/python.h): the sampled
 * thread's PyThreadState, found by its native thread id among the
 * interpreter's thread states (cached per thread), then the chain of
 * _PyInterpreterFrame records from its current frame outward. Only reads
 * user memory; until a Python process is found it costs one load, then a
 * process not in py_procs one hash lookup. */
#ifndef SRETRACE_PYTHON_BPF_H
#define SRETRACE_PYTHON_BPF_H

#include <bpf/bpf_core_read.h>
#include "python.h"
#include "procs.bpf.h"
#include "stacks.bpf.h"

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, PY_MAX_PROCS);
	__type(key, __u32); /* tgid */
	__type(value, struct py_proc);
} py_procs SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 16384);
	__type(key, __u32);   /* thread id */
	__type(value, __u64); /* its PyThreadState */
} py_threads SEC(".maps");

/* Set at load by userspace: read Python frames (it loads again without
 * them where the kernel's verifier refuses the walk). */
const volatile bool python_frames = false;

/* [0] set by userspace when it finds the first Python process: until
 * then no hash lookup (an array lookup is inlined by the verifier). */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u32);
} py_enabled SEC(".maps");

static __always_inline __u64 py_read_u64(__u64 addr)
{
	__u64 v = 0;

	if (bpf_probe_read_user(&v, sizeof(v), (const void *)addr))
		return 0;
	return v;
}

/* The current thread's id in its own pid namespace, which is what Python
 * stores as native_thread_id (a process in a container numbers its own
 * threads); pid when that cannot be read. */
static __always_inline __u32 py_ns_tid(__u32 pid)
{
	struct task_struct *t = (struct task_struct *)bpf_get_current_task();
	struct pid *p = BPF_CORE_READ(t, thread_pid);
	struct upid up;
	unsigned int level;

	if (!p)
		return pid;
	level = BPF_CORE_READ(p, level);
	if (level > 32 || bpf_probe_read_kernel(&up, sizeof(up), &p->numbers[level]))
		return pid;
	return (__u32)up.nr;
}

/* The thread state of thread pid, or 0 (a thread Python does not know:
 * one a C extension started, or one not yet registered). */
static __always_inline __u64 py_thread_state(const struct py_proc *pp, __u32 pid)
{
	__u64 *cached = bpf_map_lookup_elem(&py_threads, &pid), ts, interp;
	__u32 tid = py_ns_tid(pid);

	/* A cached state is checked: the thread may have ended and its
	 * memory been reused. */
	if (cached && (ts = *cached) && py_read_u64(ts + pp->off.tstate_native_tid) == tid)
		return ts;
	interp = py_read_u64(pp->runtime + pp->off.runtime_interp_head);
	if (!interp)
		return 0;
	ts = py_read_u64(interp + pp->off.interp_threads_head);
	for (int i = 0; i < PY_MAX_THREADS && ts; i++) {
		if (py_read_u64(ts + pp->off.tstate_native_tid) == tid) {
			bpf_map_update_elem(&py_threads, &pid, &ts, BPF_ANY);
			return ts;
		}
		ts = py_read_u64(ts + pp->off.tstate_next);
	}
	return 0;
}

/* The current thread's Python frames stored as a stack (innermost first),
 * or 0 when it is not running Python. A stack stored for the first time is
 * announced on proc_events, so userspace reads its code objects while the
 * process lives. Only when python_frames is set at load: left out, the
 * verifier drops it as dead code, so the programs load as before on
 * kernels whose verifier cannot take the walk (6.1: too large). */
static __always_inline __u64 python_stack(__u32 tgid, __u32 pid, __u32 gen)
{
	struct py_proc *pp;
	struct stack_trace *st;
	__u64 ts, frame, id;
	bool fresh = false;
	int n = 0;
	__u32 zero = 0, *on;

	if (!python_frames)
		return 0;
	on = bpf_map_lookup_elem(&py_enabled, &zero);
	if (!on || !*on)
		return 0;
	pp = bpf_map_lookup_elem(&py_procs, &tgid);
	if (!pp || pp->gen != gen || !(ts = py_thread_state(pp, pid)))
		return 0;
	frame = py_read_u64(ts + pp->off.tstate_frame);
	if (pp->off.cframe_current != PY_NO_OFFSET)
		frame = py_read_u64(frame + pp->off.cframe_current);
	st = stack_buffer();
	if (!st || !frame)
		return 0;
	/* n stays i + 1: one state per iteration for the verifier, which
	 * explored every (i, n) pair when shims were skipped here. */
	for (int i = 0; i < STACK_MAX_DEPTH; i++) {
		__u64 code = py_read_u64(frame + pp->off.frame_code), line = 0, v;
		__s32 first = 0;
		__u8 entry = 0, owner = 0;

		bpf_probe_read_user(&owner, 1, (const void *)(frame + pp->off.frame_owner));
		if (owner == PY_FRAME_OWNED_BY_CSTACK) {
			v = PY_FRAME_SHIM;
		} else {
			if (!code)
				break;
			if (pp->off.frame_is_entry != PY_NO_OFFSET)
				bpf_probe_read_user(&entry, 1, (const void *)(frame + pp->off.frame_is_entry));
			if (!bpf_probe_read_user(&first, sizeof(first), (const void *)(code + pp->off.code_firstlineno)) &&
			    first > 0)
				line = (__u64)first < PY_FRAME_LINE_MAX ? (__u64)first : PY_FRAME_LINE_MAX;
			v = (code & PY_FRAME_CODE_MASK) | line << PY_FRAME_LINE_SHIFT | (entry ? PY_FRAME_ENTRY : 0);
		}
		st->ips[i & (STACK_MAX_DEPTH - 1)] = v;
		n = i + 1;
		frame = py_read_u64(frame + pp->off.frame_previous);
		if (!frame)
			break;
	}
	if (frame && n == STACK_MAX_DEPTH)
		count_event(SRE_CNT_PY_TRUNCATED);
	if (!n)
		return 0;
	id = store_stack_new(st, n * sizeof(__u64), STACK_KIND_PYTHON, (__u64)tgid << 32 | gen, &fresh);
	if (id && fresh)
		send_proc_event(tgid, gen, SRE_PROC_PYSTACK, id);
	return id;
}

#endif
