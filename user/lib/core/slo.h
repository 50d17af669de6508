/* SLO gates: `--slo syscall:NAME:pQQ<DURATION`, `--slo disk:NAME[:OP]:pQQ<DURATION`.
 * At the end of a run each SLO prints one PASS/FAIL line with the measured
 * percentile; any failure makes the exit code 1. */
#ifndef SRE_SLO_H
#define SRE_SLO_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include "lib/core/hist.h"

#define SRE_SLO_MAX 16

enum sre_slo_kind { SRE_SLO_SYSCALL, SRE_SLO_DISK };

struct sre_slo {
	enum sre_slo_kind kind;
	char name[64];   /* syscall or disk; "*" for every disk */
	char op[16];     /* disk op (read, write, flush, discard, other); "" any */
	double pct;      /* percentile as written: 99.9 */
	uint64_t limit_ns;
	char expr[128];  /* as written, for the report */
	/* Filled by the tool from its rows: */
	int key;         /* syscall number or disk dev, resolved at start */
	struct hist hist;
};

/* Parses one expression. 0, or -EINVAL after one line on stderr naming tool. */
int sre_slo_parse(const char *tool, const char *expr, struct sre_slo *out);
/* --slo EXPR for a tool that takes SLOs of kind: parsed into slos[*n]
 * (the caller fills its key, then counts it). NULL after one line when
 * EXPR is bad, of the other kind, or one too many. */
struct sre_slo *sre_slo_add(const char *tool, struct sre_slo *slos, int n, enum sre_slo_kind kind, const char *expr);
/* "10ms", "250us", "1.5s", "800ns" -> ns; 0 or -EINVAL. */
int sre_parse_duration_ns(const char *s, uint64_t *ns);
/* One line per SLO on f; returns how many failed. An SLO with no data
 * fails: a gate that saw nothing has proven nothing. noun: "calls". */
int sre_slo_report(FILE *f, const char *tool, struct sre_slo *slos, int n, const char *noun);

#endif
