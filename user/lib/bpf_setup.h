/* What every loader does around its skeleton: environment checks, libbpf
 * logging, tp_btf/raw_tp selection, and filling the shared filter maps. */
#ifndef SRE_BPF_SETUP_H
#define SRE_BPF_SETUP_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>
#include "opts.h"

struct bpf_object;
struct bpf_program;

/* Root or CAP_BPF+CAP_PERFMON, BPF ring buffers (5.8), kernel BTF.
 * Prints one line and returns -errno when something is missing. */
int sre_check_environment(const struct sre_opts *o);
void sre_libbpf_logging(bool verbose);
/* Autoload tp_btf/ programs (use_btf) or their raw_tp/ twins; the fork
 * followers only when following a command. */
void sre_select_programs(struct bpf_object *obj, bool use_btf, bool follow);
/* Number of arguments of tracepoint NAME in this kernel, from its BTF
 * (typedef btf_trace_NAME); -ENOENT when the kernel has no such tracepoint.
 * Lets one object handle tracepoints whose signature changed. */
int sre_tracepoint_nargs(const char *name);
/* BPF_MAP_TYPE_TASK_STORAGE (5.11): else the task-slot maps fall back to
 * a hash keyed by thread id (bpf/taskslot.bpf.h). Probed once. */
bool sre_have_task_storage(void);
/* The kernel knows helper bpf_NAME (its BTF's enum bpf_func_id). */
bool sre_kernel_has_helper(const char *name);
/* Sets up bpf/taskslot.bpf.h's maps of NAME in a skeleton for this kernel. */
#define SRE_CONFIGURE_TASK_SLOT(skel, name)                                                  \
	({                                                                                   \
		bool _ts = sre_have_task_storage();                                          \
		(skel)->rodata->task_storage = _ts;                                          \
		bpf_map__set_autocreate((skel)->maps.name, _ts);                             \
		bpf_map__set_max_entries((skel)->maps.name##_by_tid, _ts ? 1 : 65536);       \
	})

/* Kernel-measured run time and count of a loaded program (counted while
 * BPF statistics are on). 0, or -ENOENT when it is not loaded. */
int sre_prog_run_stats(const struct bpf_program *p, uint64_t *run_ns, uint64_t *runs);
/* Frees the BTF sre_tracepoint_nargs() parsed (SRE_OPEN_AND_LOAD does). */
void sre_vmlinux_btf_release(void);
/* After load: pids, tids, the command's pid, the cgroup. */
int sre_fill_filters(struct bpf_object *obj, const struct sre_opts *o, pid_t command_pid);

/* The rodata knobs of bpf/filter.bpf.h, identical in every skeleton. */
#define SRE_SET_FILTER_RODATA(rodata, o)                                         \
	do {                                                                     \
		(rodata)->filter_tgid = (o)->npids > 0 || (o)->command;          \
		(rodata)->filter_tid = (o)->ntids > 0;                           \
		(rodata)->filter_cgroup = (o)->cgroup != NULL;                   \
		(rodata)->filter_comm = (o)->comm[0] != 0;                       \
		memcpy((void *)(rodata)->target_comm, (o)->comm, TASK_COMM_LEN); \
	} while (0)

/* Open, configure and load a skeleton, preferring tp_btf and falling back
 * to raw_tp when the kernel refuses it. CONFIGURE(skel, ctx) sets the
 * tool's rodata and map sizes, and may turn off programs the kernel cannot
 * take (it runs after the tp_btf/raw_tp choice). 0 or a negative errno. */
#define SRE_OPEN_AND_LOAD(type, skel, o, configure, ctx)                              \
	({                                                                            \
		int _err = 0;                                                         \
		for (int _btf = 1; _btf >= 0; _btf--) {                               \
			(skel) = type##__open();                                      \
			if (!(skel)) {                                                \
				_err = -errno;                                        \
				break;                                                \
			}                                                             \
			SRE_SET_FILTER_RODATA((skel)->rodata, o);                     \
			sre_select_programs((skel)->obj, _btf, (o)->command);         \
			_err = configure(skel, ctx);                                  \
			sre_vmlinux_btf_release();                                    \
			if (!_err)                                                    \
				_err = type##__load(skel);                            \
			if (!_err)                                                    \
				break;                                                \
			type##__destroy(skel);                                        \
			(skel) = NULL;                                                \
		}                                                                     \
		_err;                                                                 \
	})

/* Open, configure, load (tp_btf, else raw_tp), attach and fill the filters
 * of one tool (SRE_SESSION_LOAD, and the TOOL_load steps of programs that
 * run several); command_pid: the held "-- COMMAND" to trace, or 0.
 * Reports a failure once; 0 or -errno. */
#define SRE_LOAD_AND_ATTACH(type, skel, o, command_pid, configure, cfg)                                                  \
	({                                                                                             \
		int _e = SRE_OPEN_AND_LOAD(type, skel, o, configure, cfg);                              \
		if (_e)                                                                                \
			sre_error(o, "cannot load the " #type " programs: %s (-v shows why)", strerror(-_e)); \
		else if ((_e = type##__attach(skel)))                                                  \
			sre_error(o, "cannot attach " #type ": %s", strerror(-_e));                     \
		else                                                                                   \
			_e = sre_fill_filters((skel)->obj, o, command_pid);                                   \
		_e;                                                                                    \
	})

#endif
