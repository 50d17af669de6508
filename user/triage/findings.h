/* triage's analysis: time accounting (on CPU, off CPU by reason) and
 * findings ranked by the time they cost, from the data the tools
 * collected. Nothing here prints; triage_report.h renders the result. */
#ifndef SRE_TRIAGE_FINDINGS_H
#define SRE_TRIAGE_FINDINGS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "lib/core/hist.h"
#include "lib/core/latrows.h"
#include "lib/stacks/stackrows.h"
#include "triage/services.h"
#include "triage/waitclass.h"
#include "triage/waitfor.h"
#include "tools.h"

/* Documented in docs/triage.md; overridable on the command line. */
struct sre_triage_thresholds {
	double min_share;      /* of busy thread time, for a finding */
	double retrans_rate;   /* retransmitted / sent segments, for a loss finding */
	uint64_t disk_p99_ns;  /* a disk slower than this is a finding whatever its share */
};

#define SRE_TRIAGE_DEFAULTS { .min_share = 0.05, .retrans_rate = 0.01, .disk_p99_ns = 50000000 }
#define SRE_TRIAGE_MAX_FINDINGS 12
/* Fewer samples than this in a process make no CPU finding: a share's
 * error is about 1/sqrt(samples), over 30% below 10. */
#define SRE_TRIAGE_MIN_CPU_SAMPLES 10

struct sre_triage_flow {
	char raddr[48];
	uint16_t rport;
	uint64_t retrans_segs;
	uint32_t segs_out, total_retrans, pid;
	char comm[16];
};

struct sre_triage_finding {
	const char *kind;      /* "cpu", "disk", "loss", "network", "lock", "cpu wait", "other" */
	uint64_t weight_ns;    /* thread time it accounts for: the ranking */
	char title[320];
	char evidence[640];
	const char *advice;
};

/* A process's time, for shares and evidence. */
struct sre_triage_proc {
	uint32_t pid;
	uint32_t service; /* its service's root pid (triage/services.h) */
	char comm[16];
	uint64_t on_ns;
	uint64_t wait_ns[SRE_WAIT_NREASONS];
};

/* A disk and op, its processes' rows merged. */
struct sre_triage_disk {
	uint32_t dev, op;
	uint64_t count, bytes, total_ns;
	struct hist hist;
};

struct sre_triage_data {
	/* Inputs. */
	double elapsed_s;
	int ncpu;
	uint64_t period_ns;            /* profile sample period */
	const char *command;           /* "-- COMMAND", or NULL for the host */
	const char *scope;             /* what was traced, in words ("the whole host", "processes named X") */
	const char *dir;
	struct sre_rows syscalls;      /* key1 pid, key2 syscall */
	struct sre_rows disk[BIOLAT_NPARTS]; /* key1 dev, key2 pid << 8 | op */
	struct sre_triage_flow *flows;
	size_t nflows, capflows;
	struct sre_stack_rows offcpu, oncpu;
	uint64_t offcpu_cnt[SRE_CNT_MAX], oncpu_cnt[SRE_CNT_MAX];
	uint64_t syslat_cnt[SRE_CNT_MAX], biolat_cnt[SRE_CNT_MAX], tcp_cnt[SRE_CNT_MAX];
	bool bpf_stats;
	double bpf_stats_s; /* seconds the run-time statistics counted; the two below are scaled to the run */
	uint64_t bpf_run_ns, bpf_runs, self_cpu_ns;
	/* Analysis. */
	uint64_t on_ns;
	uint64_t wait_ns[SRE_WAIT_NREASONS];
	uint64_t busy_ns;              /* on CPU + off CPU except idle waits */
	uint64_t floor_ns;             /* least weight of a finding */
	struct sre_wait_cost *offcpu_cost; /* per offcpu row, classified once */
	struct sre_services *services; /* the processes' services, read while they lived */
	struct sre_triage_proc *procs;
	size_t nprocs;
	/* Syscalls per service (key1 its root pid, key2 the number), idle
	 * waits left out as in the time table; largest total first. */
	struct sre_rows service_syscalls;
	uint64_t idle_syscall_ns;      /* the time of the syscalls left out */
	struct sre_triage_disk *disks; /* per disk and op, in row order */
	size_t ndisks;
	struct sre_triage_finding findings[SRE_TRIAGE_MAX_FINDINGS];
	int nfindings;
};

void sre_triage_analyze(struct sre_triage_data *d, const struct sre_triage_thresholds *th);
void sre_triage_data_free(struct sre_triage_data *d);

/* "postgres (8 processes)" or "app (pid 9)", for a service's row. */
void sre_triage_service_name(const struct sre_triage_data *d, uint32_t service, const char *comm, char *buf,
			     size_t len);
/* Shared with the renderers, so numbers read the same everywhere. */
void sre_triage_human_ns(char *buf, size_t len, double ns);
double sre_triage_pct(uint64_t part, uint64_t whole);

#endif
