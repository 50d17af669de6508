#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/utsname.h>
#include <unistd.h>
#include <linux/capability.h>
#include <bpf/bpf.h>
#include <bpf/btf.h>
#include <bpf/libbpf.h>
#include "bpf_setup.h"

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

bool sre_have_task_storage(void)
{
	static int have = -1;

	if (have < 0)
		have = libbpf_probe_bpf_map_type(BPF_MAP_TYPE_TASK_STORAGE, NULL) == 1;
	return have;
}

void sre_select_programs(struct bpf_object *obj, bool use_btf, bool follow)
{
	struct bpf_program *p;

	bpf_object__for_each_program(p, obj) {
		const char *sec = bpf_program__section_name(p);
		bool load;

		if (!strncmp(sec, "tp_btf/", 7))
			load = use_btf;
		else if (!strncmp(sec, "raw_tp/", 7))
			load = !use_btf;
		else
			continue;
		if (!strncmp(bpf_program__name(p), "follow_", 7))
			load = load && follow;
		bpf_program__set_autoload(p, load);
	}
}

static int fill_ids(struct bpf_object *obj, const char *map_name, const uint32_t *ids, int n)
{
	struct bpf_map *m = bpf_object__find_map_by_name(obj, map_name);
	uint8_t one = 1;

	if (!m)
		return -ENOENT;
	for (int i = 0; i < n; i++)
		if (bpf_map__update_elem(m, &ids[i], sizeof(ids[i]), &one, sizeof(one), BPF_ANY))
			return -errno;
	return 0;
}

int sre_fill_filters(struct bpf_object *obj, const struct sre_opts *o, pid_t command_pid)
{
	uint32_t cmd = (uint32_t)command_pid;
	int err;

	err = fill_ids(obj, "wanted_tgids", o->pids, o->npids);
	if (!err && command_pid > 0)
		err = fill_ids(obj, "wanted_tgids", &cmd, 1);
	if (!err)
		err = fill_ids(obj, "wanted_tids", o->tids, o->ntids);
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

void sre_vmlinux_btf_release(void)
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
