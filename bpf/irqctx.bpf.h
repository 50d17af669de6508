/* Whether a program runs in interrupt context, where `current` is
 * whichever task the interrupt arrived on, not the cause. On x86-64 hard
 * and soft interrupts run on the CPU's interrupt stack, so the test is
 * whether this program's own stack lies inside the task's stack. (The
 * preempt count would say more, but it is a per-CPU variable that BPF can
 * only reach as a typed ksym, which needs CONFIG_KALLSYMS_ALL.) */
#ifndef SRETRACE_IRQCTX_BPF_H
#define SRETRACE_IRQCTX_BPF_H

#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_core_read.h>

/* The interrupt stack is as large as a task's (x86-64: both 4 pages, or 8
 * with KASAN); its BTF size tells. */
struct irq_stack___sre {
	char stack[1];
};

static __always_inline bool in_interrupt_stack(struct task_struct *cur)
{
	__u64 marker = 0, sp = 0, size = 16384;
	void *volatile where = &marker;

	if (bpf_core_type_exists(struct irq_stack___sre))
		size = bpf_core_type_size(struct irq_stack___sre);
	/* The stack address as a number (the verifier keeps pointers typed). */
	bpf_probe_read_kernel(&sp, sizeof(sp), (void *)&where);
	return sp - (__u64)cur->stack >= size;
}

#endif
