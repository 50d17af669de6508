/* Stack traces stored by content hash, shared by every stack tool. */
#ifndef SRETRACE_STACK_H
#define SRETRACE_STACK_H

#define STACK_MAX_DEPTH 64
#define STACK_KIND_USER 1
#define STACK_KIND_KERNEL 2
#define STACK_STORAGE_DEFAULT 16384

/* Innermost frame first, as the kernel walks them. */
struct stack_trace {
	__u32 nr;
	__u32 kind;
	__u64 ips[STACK_MAX_DEPTH];
};

#endif
