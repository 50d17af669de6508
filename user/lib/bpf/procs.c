#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <linux/types.h>
#include "bpf/common.h"
#include "bpf/stack.h"
#include "bpf/ustack.h"
#include "lib/bpf/procs.h"
#include "lib/bpf/stackmap.h"
#include "lib/sym/python.h"
#include "lib/sym/usyms.h"

struct join_count {
	uint32_t total, failed;
	bool moved;
};

void sre_procs_init(struct sre_procs *p, struct usyms *usyms, const struct bpf_object *obj, bool fp_walks)
{
	memset(p, 0, sizeof(*p));
	p->usyms = usyms;
	p->seen_fd = obj ? bpf_object__find_map_fd_by_name(obj, "seen_procs") : -1;
	p->fp_procs_fd = obj && fp_walks ? bpf_object__find_map_fd_by_name(obj, "fp_procs") : -1;
	p->py_procs_fd = p->stacks_fd = p->py_enabled_fd = -1;
	sre_map_init(&p->joins, 2 * sizeof(uint32_t), sizeof(struct join_count), NULL, NULL);
}

void sre_procs_enable_python(struct sre_procs *p, struct pysyms *py, const struct bpf_object *obj)
{
	int fd = obj ? bpf_object__find_map_fd_by_name(obj, "py_procs") : -1;

	if (!py || fd < 0)
		return;
	p->py = py;
	p->py_procs_fd = fd;
	p->stacks_fd = bpf_object__find_map_fd_by_name(obj, "stacks");
	p->py_enabled_fd = bpf_object__find_map_fd_by_name(obj, "py_enabled");
}

/* A new address space: if it runs CPython, BPF reads its frames from now
 * on; a version not known here is said once and left to native frames. */
static void find_python(struct sre_procs *p, uint32_t tgid, uint32_t gen)
{
	struct py_proc pp;
	uint32_t version;
	int found;

	if (!p->py)
		return;
	found = pysyms_detect(p->py, tgid, gen, &pp, &version);
	if (found == 1) {
		if (!bpf_map_update_elem(p->py_procs_fd, &tgid, &pp, BPF_ANY) && !p->py_procs++) {
			uint32_t zero = 0, on = 1;

			bpf_map_update_elem(p->py_enabled_fd, &zero, &on, BPF_ANY);
		}
	} else if (found == -ENOTSUP && (!p->py_said || version != p->py_unsupported)) {
		p->py_said = true;
		p->py_unsupported = version;
		if (version)
			fprintf(stderr, "sretrace: pid %u runs Python %u.%u: its Python frames are not read (3.11-3.13 are); native frames only\n",
				tgid, version >> 24, (version >> 16) & 0xff);
		else
			fprintf(stderr, "sretrace: pid %u runs a Python older than 3.11: its Python frames are not read (3.11-3.13 are); native frames only\n",
				tgid);
	}
}

/* A Python stack BPF stored for the first time: its code objects are read
 * now, while the process lives. */
static void read_python_stack(struct sre_procs *p, const struct sre_proc_event *e)
{
	uint64_t ips[STACK_MAX_DEPTH];
	int n;

	if (p->py && p->stacks_fd >= 0 && (n = sre_read_stack(p->stacks_fd, e->stack_id, ips)))
		pysyms_read(p->py, e->tgid, e->gen, ips, n);
}

void sre_procs_free(struct sre_procs *p)
{
	sre_map_free(&p->joins);
}

void sre_procs_join_result(struct sre_procs *p, uint32_t tgid, uint32_t gen, bool joined)
{
	uint32_t key[2] = { tgid, gen };
	struct join_count *c = sre_map_put(&p->joins, key, NULL);

	if (!c || c->moved)
		return;
	c->total++;
	c->failed += !joined;
	/* Judged on enough joins: one early failure is not a pattern. */
	if (c->total < 32 || c->failed * 20 <= c->total || p->fp_procs_fd < 0)
		return;
	/* Still marked as built with frame pointers: preemptions are walked. */
	if (!bpf_map_update_elem(p->fp_procs_fd, &tgid, &(struct sre_fp_proc){ gen, 1 }, BPF_EXIST)) {
		c->moved = true;
		p->fp_to_copies++;
	}
}

static bool still_current(const struct sre_procs *p, uint32_t tgid, uint32_t gen)
{
	uint32_t cur;

	return p->seen_fd >= 0 && !bpf_map_lookup_elem(p->seen_fd, &tgid, &cur) && cur == gen;
}

/* --unwind auto: a process built with frame pointers is walked by the
 * kernel from now on, which costs far less than a copy. */
static void classify(struct sre_procs *p, uint32_t tgid, uint32_t gen)
{
	uint32_t key[2] = { tgid, gen };
	const struct join_count *c = sre_map_get(&p->joins, key);
	struct sre_fp_proc value = { gen, c && c->moved };

	if (p->fp_procs_fd < 0 || usyms_frame_pointers(p->usyms, tgid, gen) != 1)
		return;
	/* Captured again (its mappings changed): a process already moved to
	 * full copies stays there. Walked again, its failed joins were copied
	 * again at every block (48,000 copies in 8 s on PostgreSQL). */
	if (!bpf_map_update_elem(p->fp_procs_fd, &tgid, &value, BPF_ANY) && !value.copies)
		p->fp_procs++;
}

void sre_procs_on_event(struct sre_procs *p, const void *data, size_t len)
{
	const struct sre_proc_event *e = data;

	if (len < sizeof(*e) || !p->usyms)
		return;
	if (e->kind == SRE_PROC_GONE) {
		usyms_forget(p->usyms, e->tgid, e->gen);
		if (p->fp_procs_fd >= 0)
			bpf_map_delete_elem(p->fp_procs_fd, &e->tgid);
		if (p->py_procs_fd >= 0)
			bpf_map_delete_elem(p->py_procs_fd, &e->tgid);
	} else if (e->kind == SRE_PROC_NEW) {
		if (usyms_capture(p->usyms, e->tgid, e->gen)) {
			p->gone++;
		} else {
			classify(p, e->tgid, e->gen);
			find_python(p, e->tgid, e->gen);
		}
	} else if (e->kind == SRE_PROC_PYSTACK) {
		read_python_stack(p, e);
	}
}

int sre_procs_ensure(struct sre_procs *p, uint32_t tgid, uint32_t gen)
{
	if (!p->usyms)
		return -ENOENT;
	if (usyms_has(p->usyms, tgid, gen))
		return 0;
	if (!still_current(p, tgid, gen) || usyms_capture(p->usyms, tgid, gen)) {
		p->gone++;
		return -ESRCH;
	}
	return 0;
}

int sre_procs_recapture(struct sre_procs *p, uint32_t tgid, uint32_t gen)
{
	if (!p->usyms || usyms_captures(p->usyms, tgid, gen) >= SRE_PROCS_MAX_CAPTURES ||
	    !still_current(p, tgid, gen) || usyms_capture(p->usyms, tgid, gen))
		return -ESRCH;
	p->recaptures++;
	return 0;
}
