/* Definitions both sides of every tool share. */
#ifndef SRETRACE_COMMON_H
#define SRETRACE_COMMON_H

#define TASK_COMM_LEN 16
#define FILTER_MAX_PIDS 1024

/* Slots of the per-CPU health counters every tool exports. */
enum sre_counter {
	SRE_CNT_EVENTS,   /* events the tool aggregated */
	SRE_CNT_DROPS,    /* ring buffer records lost (buffer full) */
	SRE_CNT_MISSED,   /* events lost to a full map or failed storage */
	SRE_CNT_STACK_LOST, /* stacks not stored: stack map full or walk failed */
	SRE_CNT_COPY_DROPS, /* user stack copies lost (ring buffer full): --unwind dwarf */
	SRE_CNT_MAX,
};

#endif
