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

/* Stack tools aggregate by thread and stack pair. */
struct stack_key {
	__u32 pid;    /* thread */
	__u32 tgid;   /* process */
	__u64 kstack; /* 0: none or lost */
	__u64 ustack;
	char comm[16];
};

struct stack_value {
	__u64 value;  /* the tool's unit: ns off CPU, samples */
	__u64 count;
};

/* Sent once per process so userspace reads its mappings while it lives. */
struct sre_proc_event {
	__u32 tgid;
};

#endif
