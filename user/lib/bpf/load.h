/* What every tool does around its skeleton: environment checks, libbpf
 * logging, the read-only configs every skeleton shares, load and attach,
 * and the filter maps. Plain functions, in the order a tool calls them:
 *   skel = TOOL_bpf__open();
 *   sre_filter_configure(&skel->rodata->filter_cfg, skel->obj, o);
 *   sre_unwind_configure, sre_task_slot_configure, the tool's own knobs;
 *   sre_load_attach(skel->skeleton, "TOOL", o, command_pid);
 */
#ifndef SRE_LOAD_H
#define SRE_LOAD_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>
#include "bpf/common.h"
#include "lib/core/opts.h"

struct bpf_map;
struct bpf_object;
struct bpf_object_skeleton;
struct bpf_program;
struct sre_stack_opts;

/* Root or CAP_BPF+CAP_PERFMON, BPF ring buffers (5.8), kernel BTF (which
 * together imply tp_btf, the only attach type the tools use).
 * Prints one line and returns -errno when something is missing. */
int sre_check_environment(const struct sre_opts *o);
void sre_libbpf_logging(bool verbose);
/* Number of arguments of tracepoint NAME in this kernel, from its BTF
 * (typedef btf_trace_NAME); -ENOENT when the kernel has no such tracepoint.
 * Lets one object handle tracepoints whose signature changed. */
int sre_tracepoint_nargs(const char *name);
/* The kernel knows helper bpf_NAME (its BTF's enum bpf_func_id). */
bool sre_kernel_has_helper(const char *name);

/* -p, -t, -c, -C and "-- COMMAND" into the filter knobs; the fork
 * followers load only when following a command. */
void sre_filter_configure(struct sre_filter_cfg *cfg, struct bpf_object *obj, const struct sre_opts *o);
/* bpf/taskslot.bpf.h: task storage (5.11) where the kernel has it, else
 * the hash keyed by thread id; the map not used is not created. */
void sre_task_slot_configure(bool *task_storage, struct bpf_map *storage, struct bpf_map *by_tid);
/* bpf/ustack.bpf.h for the --unwind options: copies, the ring they travel
 * in (sized for this host's CPUs), and the copy checks of a tool that
 * reuses copies (offcpu). 0 or -errno. */
int sre_unwind_configure(struct sre_unwind_cfg *cfg, struct bpf_object *obj, const struct sre_stack_opts *s,
			 bool reuses);
/* Loads and attaches the skeleton, then fills the filter maps. Reports
 * the first failure once, naming the tool; 0 or -errno. */
int sre_load_attach(struct bpf_object_skeleton *s, const char *tool, const struct sre_opts *o, pid_t command_pid);
/* The same in two steps, for a tool that loads again with less when the
 * kernel refuses a program (Python frames): load only, reporting nothing
 * (-errno); attach and fill the filters, reporting a failure. */
int sre_load_only(struct bpf_object_skeleton *s);
int sre_attach_loaded(struct bpf_object_skeleton *s, const char *tool, const struct sre_opts *o, pid_t command_pid);
/* Whether to try the Python frame walk at all on this kernel. */
bool sre_python_walk_possible(void);
/* Says once that Python frames are left out: the kernel refused the walk. */
void sre_python_refused(const char *tool, int err);

/* Kernel-measured run time and count of a loaded program (counted while
 * BPF statistics are on). 0, or -ENOENT when it is not loaded. */
int sre_prog_run_stats(const struct bpf_program *p, uint64_t *run_ns, uint64_t *runs);

#endif
