#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/utsname.h>
#include <unistd.h>
#include <linux/capability.h>
#include <bpf/bpf.h>
#include <bpf/btf.h>
#include <bpf/libbpf.h>
#include "bpf/ustack.h"
#include "lib/bpf/load.h"
#include "lib/bpf/skipped.h"
#include "lib/stacks/stackopts.h"

#ifndef CAP_PERFMON
#define CAP_PERFMON 38
#endif
#ifndef CAP_BPF
#define CAP_BPF 39
#endif

static bool have_caps(void)
{
	struct __user_cap_header_struct hdr = { .version = _LINUX_CAPABILITY_VERSION_3 };
	struct __user_cap_data_struct data[2] = { 0 };
	uint64_t eff;

	if (syscall(SYS_capget, &hdr, data))
		return false;
	eff = ((uint64_t)data[1].effective << 32) | data[0].effective;
	if (eff & (1ULL << CAP_SYS_ADMIN))
		return true;
	return (eff & (1ULL << CAP_BPF)) && (eff & (1ULL << CAP_PERFMON));
}

int sre_check_environment(const struct sre_opts *o)
{
	struct utsname u;

	if (!have_caps()) {
		sre_error(o, "needs root (or CAP_BPF and CAP_PERFMON): try sudo");
		return -EPERM;
	}
	/* Features, not version numbers: distributions backport. Every tool
	 * reports through a BPF ring buffer (Linux 5.8). */
	if (libbpf_probe_bpf_map_type(BPF_MAP_TYPE_RINGBUF, NULL) != 1) {
		sre_error(o, "kernel %s has no BPF ring buffer: needs Linux 5.8 or later",
			  uname(&u) ? "?" : u.release);
		return -EOPNOTSUPP;
	}
	if (access("/sys/kernel/btf/vmlinux", R_OK)) {
		sre_error(o, "kernel has no BTF (/sys/kernel/btf/vmlinux): needs CONFIG_DEBUG_INFO_BTF=y");
		return -ENOENT;
	}
	return 0;
}

static int log_debug(enum libbpf_print_level level, const char *fmt, va_list ap)
{
	(void)level;
	return vfprintf(stderr, fmt, ap);
}

static int log_quiet(enum libbpf_print_level level, const char *fmt, va_list ap)
{
	(void)level, (void)fmt, (void)ap;
	return 0;
}

void sre_libbpf_logging(bool verbose)
{
	/* Without -v libbpf stays silent: failures are reported once, by us. */
	libbpf_set_print(verbose ? log_debug : log_quiet);
}

static bool have_task_storage(void)
{
	static int have = -1;

	if (have < 0)
		have = libbpf_probe_bpf_map_type(BPF_MAP_TYPE_TASK_STORAGE, NULL) == 1;
	return have;
}

void sre_task_slot_configure(bool *task_storage, struct bpf_map *storage, struct bpf_map *by_tid)
{
	*task_storage = have_task_storage();
	bpf_map__set_autocreate(storage, *task_storage);
	bpf_map__set_max_entries(by_tid, *task_storage ? 1 : 65536);
}

void sre_filter_configure(struct sre_filter_cfg *cfg, struct bpf_object *obj, const struct sre_opts *o)
{
	struct bpf_program *p;

	cfg->tgid = o->npids > 0 || o->command;
	cfg->tid = o->ntids > 0;
	if (o->command)
		bpf_map__set_max_entries(bpf_object__find_map_by_name(obj, "wanted_tgids"), FILTER_FOLLOW_MAX);
	cfg->cgroup = o->cgroup != NULL;
	cfg->comm = o->comm[0] != 0;
	memcpy(cfg->comm_name, o->comm, TASK_COMM_LEN);
	bpf_object__for_each_program(p, obj)
		if (!strncmp(bpf_program__name(p), "follow_", 7))
			bpf_program__set_autoload(p, o->command != NULL);
}

/* Bytes of process-event ring while stacks are copied, for this host's
 * CPUs; tools copying at once split the budget (never below the least). */
static uint32_t ustack_ring_bytes(uint32_t copiers)
{
	int ncpu = libbpf_num_possible_cpus();
	uint64_t want = (uint64_t)(ncpu > 0 ? ncpu : 1) * USTACK_RING_PER_CPU, bytes = USTACK_RING_MIN;
	uint64_t most = USTACK_RING_MAX / (copiers > 1 ? copiers : 1);

	/* A power of two, as ring buffers must be. */
	while (bytes < want && bytes < most)
		bytes *= 2;
	return (uint32_t)bytes;
}

/* The per-CPU scratch a copy is built in (bpf/ustack.bpf.h). */
static uint32_t ustack_scratch_bytes(uint32_t copy_bytes)
{
	uint32_t most = copy_bytes > USTACK_JOIN_BYTES ? copy_bytes : USTACK_JOIN_BYTES;

	return (uint32_t)offsetof(struct sre_ustack_event, data) + most + USTACK_PAGE;
}

int sre_unwind_configure(struct sre_unwind_cfg *cfg, struct bpf_object *obj, const struct sre_stack_opts *s,
			 bool reuses)
{
	bool copies = sre_stack_copies(s);
	struct bpf_map *checks = bpf_object__find_map_by_name(obj, "copy_checks");
	struct bpf_map *ring = bpf_object__find_map_by_name(obj, "proc_events");
	struct bpf_map *scratch = bpf_object__find_map_by_name(obj, "ustack_scratch");
	int err = 0;

	cfg->copies = copies;
	cfg->fp_auto = s->unwind == SRE_UNWIND_MODE_AUTO;
	cfg->bytes = (uint32_t)s->stack_bytes;
	cfg->has_task_pt_regs = sre_kernel_has_helper("task_pt_regs");
	if (checks)
		err = bpf_map__set_max_entries(checks, copies && reuses ? 16384 / (s->copiers > 1 ? 2 : 1) : 1);
	if (!err && ring && copies)
		err = bpf_map__set_max_entries(ring, ustack_ring_bytes(s->copiers));
	/* Per CPU: as large as this run's copies (and a page past them, for
	 * the verifier), not the largest --stack-bytes. Without copies the
	 * code still loads, with the smallest size it accepts. */
	if (!copies)
		cfg->bytes = 0;
	if (!err && scratch)
		err = bpf_map__set_value_size(scratch, ustack_scratch_bytes(cfg->bytes));
	return err;
}

static void vmlinux_btf_release(void);

static int fill_ids(struct bpf_object *obj, const char *map_name, const uint32_t *ids, int n, uint8_t one)
{
	struct bpf_map *m = bpf_object__find_map_by_name(obj, map_name);

	if (!m)
		return -ENOENT;
	for (int i = 0; i < n; i++)
		if (bpf_map__update_elem(m, &ids[i], sizeof(ids[i]), &one, sizeof(one), BPF_ANY))
			return -errno;
	return 0;
}

static int fill_filters(struct bpf_object *obj, const struct sre_opts *o, pid_t command_pid)
{
	uint32_t cmd = (uint32_t)command_pid;
	int err;

	err = fill_ids(obj, "wanted_tgids", o->pids, o->npids, SRE_WANTED);
	/* Wanted once the launcher's exec of the command succeeds (follow_exec). */
	if (!err && command_pid > 0)
		err = fill_ids(obj, "wanted_tgids", &cmd, 1, SRE_WANTED_AFTER_EXEC);
	if (!err)
		err = fill_ids(obj, "wanted_tids", o->tids, o->ntids, SRE_WANTED);
	if (err) {
		sre_error(o, "cannot set pid filters: %s", strerror(-err));
		return err;
	}
	if (o->cgroup) {
		struct bpf_map *m = bpf_object__find_map_by_name(obj, "wanted_cgroup");
		uint32_t key = 0;
		int fd = open(o->cgroup, O_RDONLY | O_DIRECTORY);

		if (fd < 0 || !m || bpf_map__update_elem(m, &key, sizeof(key), &fd, sizeof(fd), BPF_ANY)) {
			err = -errno;
			sre_error(o, "cannot use cgroup %s: %s (is it on cgroup v2?)", o->cgroup, strerror(errno));
		}
		if (fd >= 0)
			close(fd);
	}
	return err;
}

/* Parsed kernel BTF for sre_tracepoint_nargs(): several MB, so it is
 * released before libbpf parses its own copy at load time. */
static struct btf *vmlinux;

static void vmlinux_btf_release(void)
{
	btf__free(vmlinux);
	vmlinux = NULL;
}

static int load_vmlinux(void)
{
	if (!vmlinux)
		vmlinux = btf__load_vmlinux_btf();
	return vmlinux ? 0 : -ENOENT;
}

bool sre_kernel_has_helper(const char *name)
{
	char want[64];
	int id;

	if (load_vmlinux())
		return false;
	/* The kernel's own list of helpers, enum bpf_func_id, is in its BTF. */
	id = btf__find_by_name_kind(vmlinux, "bpf_func_id", BTF_KIND_ENUM);
	if (id < 0)
		return false;
	snprintf(want, sizeof(want), "BPF_FUNC_%s", name);
	const struct btf_type *t = btf__type_by_id(vmlinux, id);
	const struct btf_enum *e = btf_enum(t);

	for (int i = 0; i < btf_vlen(t); i++, e++)
		if (!strcmp(btf__name_by_offset(vmlinux, e->name_off), want))
			return true;
	return false;
}

int sre_tracepoint_nargs(const char *name)
{
	const struct btf_type *t;
	char tname[128];
	int id;

	if (load_vmlinux())
		return -ENOENT;
	snprintf(tname, sizeof(tname), "btf_trace_%s", name);
	id = btf__find_by_name_kind(vmlinux, tname, BTF_KIND_TYPEDEF);
	if (id < 0)
		return -ENOENT;
	t = btf__type_by_id(vmlinux, id);
	/* typedef -> pointer -> function prototype (void *, args...) */
	while (t && (btf_is_typedef(t) || btf_is_ptr(t)))
		t = btf__type_by_id(vmlinux, t->type);
	if (!t || !btf_is_func_proto(t) || btf_vlen(t) < 1)
		return -ENOENT;
	return btf_vlen(t) - 1;
}

int sre_prog_run_stats(const struct bpf_program *p, uint64_t *run_ns, uint64_t *runs)
{
	struct bpf_prog_info info = { 0 };
	uint32_t len = sizeof(info);
	int fd = bpf_program__fd(p);

	if (fd < 0 || bpf_obj_get_info_by_fd(fd, &info, &len))
		return -ENOENT;
	*run_ns = info.run_time_ns;
	*runs = info.run_cnt;
	return 0;
}

static struct bpf_insn insn(__u8 code, __u8 dst, __u8 src, __s16 off, __s32 imm)
{
	return (struct bpf_insn){ .code = code, .dst_reg = dst, .src_reg = src, .off = off, .imm = imm };
}

/* Whether perf_event programs may use hash maps allocated as used
 * (BPF_F_NO_PREALLOC): kernels before 6.1 refuse them ("perf_event
 * programs can only use preallocated hash map"). Found by loading the
 * smallest such program: a lookup in one. */
static bool perf_event_takes_unpreallocated_maps(void)
{
	static int ok = -1;
	LIBBPF_OPTS(bpf_map_create_opts, mo, .map_flags = BPF_F_NO_PREALLOC);
	int map, prog;

	if (ok >= 0)
		return ok;
	map = bpf_map_create(BPF_MAP_TYPE_HASH, NULL, 4, 4, 1, &mo);
	if (map < 0) {
		ok = 0;
		return false;
	}
	struct bpf_insn prog_insns[] = {
		insn(BPF_ST | BPF_MEM | BPF_W, BPF_REG_10, 0, -4, 0),		/* *(u32 *)(fp - 4) = 0 */
		insn(BPF_ALU64 | BPF_MOV | BPF_X, BPF_REG_2, BPF_REG_10, 0, 0), /* r2 = fp */
		insn(BPF_ALU64 | BPF_ADD | BPF_K, BPF_REG_2, 0, 0, -4),	/* r2 -= 4 */
		insn(BPF_LD | BPF_DW | BPF_IMM, BPF_REG_1, BPF_PSEUDO_MAP_FD, 0, map), /* r1 = map */
		insn(0, 0, 0, 0, 0),
		insn(BPF_JMP | BPF_CALL, 0, 0, 0, BPF_FUNC_map_lookup_elem),
		insn(BPF_ALU64 | BPF_MOV | BPF_K, BPF_REG_0, 0, 0, 0),	/* r0 = 0 */
		insn(BPF_JMP | BPF_EXIT, 0, 0, 0, 0),
	};
	prog = bpf_prog_load(BPF_PROG_TYPE_PERF_EVENT, NULL, "GPL", prog_insns,
			     sizeof(prog_insns) / sizeof(prog_insns[0]), NULL);
	ok = prog >= 0;
	if (prog >= 0)
		close(prog);
	close(map);
	return ok;
}

/* Hash maps are declared allocated as used (bpf/: their memory follows
 * the workload); where a perf_event program may not use those, the
 * object's hash maps are preallocated instead. */
static void preallocate_where_needed(struct bpf_object *obj)
{
	struct bpf_program *p;
	struct bpf_map *m;
	bool perf_event = false;

	bpf_object__for_each_program(p, obj)
		perf_event |= bpf_program__type(p) == BPF_PROG_TYPE_PERF_EVENT && bpf_program__autoload(p);
	if (!perf_event || perf_event_takes_unpreallocated_maps())
		return;
	bpf_object__for_each_map(m, obj)
		if (bpf_map__type(m) == BPF_MAP_TYPE_HASH)
			bpf_map__set_map_flags(m, bpf_map__map_flags(m) & ~BPF_F_NO_PREALLOC);
}

bool sre_python_walk_possible(void)
{
	/* The walk's bounded loops, inside offcpu's sched_switch program,
	 * took the verifiers of 5.10 and 6.1 most of a minute under the
	 * kernel matrix's qemu before they refused it (5.10's guest timed
	 * out). 6.12's takes it at once. The marker: open-coded iterators
	 * (bpf_iter_num_new, 6.4), which came with the verifier's loop
	 * handling that makes the difference. */
	return !load_vmlinux() && btf__find_by_name_kind(vmlinux, "bpf_iter_num_new", BTF_KIND_FUNC) > 0;
}

void sre_python_refused(const char *tool, int err)
{
	fprintf(stderr, "%s: Python frames are not read on this kernel (its verifier refused the walk: %s); "
			"native frames only\n", tool, strerror(-err));
}

int sre_load_only(struct bpf_object_skeleton *s)
{
	preallocate_where_needed(*s->obj);
	/* The BTF parsed for the probes above is MBs; libbpf parses its own. */
	vmlinux_btf_release();
	return bpf_object__load_skeleton(s);
}

int sre_load_attach(struct bpf_object_skeleton *s, const char *tool, const struct sre_opts *o, pid_t command_pid)
{
	int err = sre_load_only(s);

	if (err) {
		sre_error(o, "cannot load the %s programs: %s (-v shows why)", tool, strerror(-err));
		return err;
	}
	return sre_attach_loaded(s, tool, o, command_pid);
}

int sre_attach_loaded(struct bpf_object_skeleton *s, const char *tool, const struct sre_opts *o, pid_t command_pid)
{
	int err;

	err = bpf_object__attach_skeleton(s);
	if (err) {
		sre_error(o, "cannot attach %s: %s", tool, strerror(-err));
		return err;
	}
	sre_skipped_watch(*s->obj);
	return fill_filters(*s->obj, o, command_pid);
}
