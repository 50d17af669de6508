/* A slot of per-thread state: BPF task storage where the kernel has it
 * for tracing programs (5.11), else an LRU hash keyed by thread id (stale
 * entries of exited threads age out). Userspace chooses before load with
 * sre_task_slot_configure (user/lib/bpf/load.c), which also keeps libbpf
 * from creating the map the kernel lacks; the verifier never visits the
 * branch not taken, since task_storage is read-only data. */
#ifndef SRETRACE_TASKSLOT_BPF_H
#define SRETRACE_TASKSLOT_BPF_H

const volatile bool task_storage = true;

#define SRE_TASK_SLOT_MAPS(name, value_type)                            \
	struct {                                                  \
		__uint(type, BPF_MAP_TYPE_TASK_STORAGE);          \
		__uint(map_flags, BPF_F_NO_PREALLOC);             \
		__type(key, int);                                 \
		__type(value, value_type);                        \
	} name SEC(".maps");                                      \
	struct {                                                  \
		__uint(type, BPF_MAP_TYPE_LRU_HASH);              \
		__uint(max_entries, 65536);                       \
		__type(key, __u32);                               \
		__type(value, value_type);                        \
	} name##_by_tid SEC(".maps")

/* Thread t's slot (tid its id); created zeroed when create. NULL when it
 * does not exist or cannot be made. */
static __always_inline void *task_slot(void *storage, void *by_tid, struct task_struct *t, __u32 tid, bool create,
				       const void *zero)
{
	void *v;

	if (task_storage)
		return bpf_task_storage_get(storage, t, 0, create ? BPF_LOCAL_STORAGE_GET_F_CREATE : 0);
	v = bpf_map_lookup_elem(by_tid, &tid);
	if (!v && create) {
		bpf_map_update_elem(by_tid, &tid, zero, BPF_NOEXIST);
		v = bpf_map_lookup_elem(by_tid, &tid);
	}
	return v;
}

#endif
