/* What triage's reports say, as text built once from the analysis: the
 * tables (time, syscalls, disks, retransmits) as cells and the sentences
 * around them. Each renderer only lays it out: padded columns for the
 * terminal and report.md, <table> and a chart for report.html. */
#ifndef SRE_TRIAGE_VIEW_H
#define SRE_TRIAGE_VIEW_H

#include <stdbool.h>
#include <stddef.h>
#include "triage/findings.h"

#define SRE_TABLE_COLS 8
#define SRE_TABLE_CELL 64

struct sre_table {
	const char *title;
	int ncols;
	const char *head[SRE_TABLE_COLS];
	/* Text layout: a printf width per column, negative left-aligned
	 * (text), else right-aligned (numbers). */
	int width[SRE_TABLE_COLS];
	bool text_head;  /* the header line shows in text too */
	size_t nrows, cap;
	char (*cells)[SRE_TABLE_COLS][SRE_TABLE_CELL];
	const char *empty; /* in place of rows when there are none */
	char note[256];    /* a sentence after the rows, or "" */
};

enum sre_triage_table {
	SRE_TABLE_TIME,
	SRE_TABLE_SYSCALLS,
	SRE_TABLE_DISKS,
	SRE_TABLE_FLOWS,
	SRE_TABLE_N,
};

struct sre_triage_view {
	char headline[320];    /* "sretrace triage: 15.0 s on HOST, 2 CPUs, the whole host" */
	struct sre_table tables[SRE_TABLE_N];
	char no_findings[320]; /* said when nothing reached the thresholds */
	char overhead[400];    /* what the tracing cost */
	char lost[256];        /* events or stacks lost, or "" */
};

/* Events or stacks every tool lost to a full map or ring, by where. */
enum { SRE_LOST_OFFCPU, SRE_LOST_ONCPU, SRE_LOST_SYSCALLS, SRE_LOST_DISK, SRE_LOST_TCP, SRE_LOST_N };
uint64_t sre_triage_lost(const struct sre_triage_data *d, uint64_t by[SRE_LOST_N]);

/* 0 or -ENOMEM. Free with sre_triage_view_free. */
int sre_triage_view(const struct sre_triage_data *d, const struct sre_triage_thresholds *th,
		    struct sre_triage_view *v);
void sre_triage_view_free(struct sre_triage_view *v);

#endif
