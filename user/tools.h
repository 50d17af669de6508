/* What each tool exports: its definition (lib/bpf/tool.h) for the runner
 * and `sretrace --help`, and, for the programs that run several tools at
 * once (triage, serve), its config, defaults, load and the readers of its
 * kernel maps. */
#ifndef SRE_TOOLS_H
#define SRE_TOOLS_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/types.h>
#include "bpf/biolat.h"
#include "bpf/syslat.h"
#include "lib/bpf/tool.h"
#include "lib/core/opts.h"
#include "lib/core/latrows.h"
#include "lib/core/slo.h"
#include "lib/stacks/stackopts.h"

struct syslat_bpf;
struct biolat_bpf;
struct tcpretrans_bpf;
struct offcpu_bpf;
struct profile_bpf;

extern const struct sre_tool syslat_tool, offcpu_tool, biolat_tool, tcpretrans_tool, profile_tool, triage_tool,
	serve_tool, flamegraph_tool, floor_tool;
/* `sretrace flamegraph [options] [FILE...]`, also the standalone build/flamegraph. */
int flamegraph_main(int argc, char **argv);


struct syslat_cfg {
	bool per_process;
	bool per_comm; /* with per_process: a row per command name and syscall (triage) */
	bool failures_only;
	int only_errno;
	int64_t slow_us;       /* -1: aggregate mode */
	uint32_t timed_per_tick; /* 0: time every call; else sample above this many per CPU per jiffy */
	uint64_t top;
	bool filter_syscall;
	int nsyscalls;
	uint8_t wanted[SYSLAT_NR_MAX];
	struct sre_slo slos[SRE_SLO_MAX];
	int nslos;
};

/* Each tool's defaults, load and unload, as in its definition: load
 * opens, configures, loads and attaches (reporting its failure once) and
 * gives what unload frees: the skeleton (profile: struct profile_probe). */
void syslat_defaults(void *cfg);
int syslat_load(void **probe, const struct sre_opts *o, pid_t command_pid, void *cfg);
void syslat_unload(void *probe);
/* Reads syslat's kernel rows: each read looks up only the syscalls
 * counted since the one before it (bpf/syslat.bpf.c, touched), the others
 * come from its cache of cumulative rows. */
struct syslat_reader {
	int ncpu;
	struct syslat_counts *percpu;        /* a lookup's per-CPU values */
	struct sre_row *rows[SYSLAT_NR_MAX]; /* cumulative, as last read; NULL: never counted */
	uint32_t max_gen[SYSLAT_NR_MAX];     /* the report generation of each row's maximum */
	uint64_t rows_read;                  /* rows looked up so far (benchmarks) */
};

int syslat_reader_init(struct syslat_reader *rd);
void syslat_reader_free(struct syslat_reader *rd);
/* Histogram shards for this machine's CPUs (a power of two). */
uint32_t syslat_hist_shards(void);
/* Cumulative rows per syscall (key2 = number); maxima of generation gen. */
int syslat_snapshot_syscalls(struct syslat_bpf *skel, const struct syslat_cfg *cfg, struct syslat_reader *rd,
			     struct sre_rows *cur, uint32_t gen);
/* Per (pid, syscall) rows with cfg->per_process, else per syscall. */
int syslat_snapshot(struct syslat_bpf *skel, const struct syslat_cfg *cfg, struct syslat_reader *rd,
		    struct sre_rows *cur, uint32_t gen);
/* Calls counted so far (per-syscall mode), without moving the reader on. */
uint64_t syslat_calls_so_far(struct syslat_bpf *skel, const struct syslat_cfg *cfg, struct syslat_reader *rd);
/* One JSON line (docs/json.md) for rows d covering secs. */
void syslat_print_json(FILE *f, const struct syslat_cfg *cfg, struct sre_rows *d, double secs, const uint64_t *cnt);

/* Rows per report: total latency, queue, device, request size. */
enum { BIOLAT_PART_TOTAL, BIOLAT_PART_QUEUE, BIOLAT_PART_DEVICE, BIOLAT_PART_SIZE, BIOLAT_NPARTS };

struct biolat_cfg {
	bool per_disk, per_op, per_process, queued, sizes;
	int64_t slow_us;
	uint32_t disks[BIOLAT_DISKS_MAX];
	int ndisks;
	struct sre_slo slos[SRE_SLO_MAX];
	int nslos;
};

void biolat_defaults(void *cfg);
int biolat_load(void **probe, const struct sre_opts *o, pid_t command_pid, void *cfg);
void biolat_unload(void *probe);
/* Cumulative rows (key1 = dev, key2 = pid << 8 | op), one set per part. */
int biolat_snapshot(struct biolat_bpf *skel, struct sre_rows cur[BIOLAT_NPARTS], uint32_t gen);
void biolat_disk_name(uint32_t dev, char *buf, size_t len);
/* dev (major << 20 | minor) of a disk named as in /sys/block; 0 or -ENOENT. */
int biolat_disk_dev(const char *name, uint32_t *dev);
const char *biolat_op_name(uint32_t op);
/* The op with its flags, sep between the words: "write-preflush-sync". */
void biolat_op_label(uint32_t op, char sep, char *buf, size_t len);
void biolat_print_json(FILE *f, const struct biolat_cfg *cfg, struct sre_rows d[BIOLAT_NPARTS], double secs,
		       const uint64_t *cnt);

struct tcpretrans_cfg {
	bool aggregate;
	bool stack;
	uint16_t family;
	bool has_laddr, has_raddr;
	uint16_t laddr_family, raddr_family;
	uint8_t laddr[16], raddr[16];
	uint16_t port;
};

/* The -A flows map, largest first: a table, or one JSON line per flow. */
int tcpretrans_print_flows(FILE *f, int flows_fd, bool json);
int tcpretrans_load(void **probe, const struct sre_opts *o, pid_t command_pid, void *cfg);
void tcpretrans_unload(void *probe);

struct offcpu_cfg {
	struct sre_stack_opts stack;
	uint64_t min_block_us;
	uint64_t max_block_us;
	uint32_t state_mask;
	uint64_t sample_us;
	bool exact;
	bool by_comm; /* rows per comm only: no pid, no stacks (serve) */
	uint32_t wakers; /* OFFCPU_WAKERS_*: who ended each wait (and its stacks) */
	bool runnable_no_stacks; /* preemptions without stacks, one "[runnable]" frame (triage) */
};

void offcpu_defaults(void *cfg);
int offcpu_load(void **probe, const struct sre_opts *o, pid_t command_pid, void *cfg);
void offcpu_unload(void *probe);
struct sre_stack_report;
struct sre_stack_sink;
/* The report offcpu prints (its JSON lines, folded units), for triage too. */
void offcpu_stack_report(struct sre_stack_report *r, const struct offcpu_cfg *cfg, struct offcpu_bpf *skel,
			 struct sre_stack_sink *sink, bool millis);

#define PROFILE_MAX_CPUS 1024

struct profile_cfg {
	uint64_t hz;
	bool idle;
	struct sre_stack_opts stack;
	const char *event;
	bool cpu_list;
	bool cpus[PROFILE_MAX_CPUS];
};

/* The perf events profile samples from, one per CPU. */
struct profile_cpus {
	struct bpf_link *links[PROFILE_MAX_CPUS];
	int perf_fds[PROFILE_MAX_CPUS];
};

/* What profile's load gives: the skeleton and its per-CPU events. */
struct profile_probe {
	struct profile_bpf *skel;
	struct profile_cpus cpus;
};

void profile_defaults(void *cfg);
void profile_cpus_init(struct profile_cpus *cpus);
/* Opens the sampling event on each wanted online CPU and attaches the
 * program to it. Prints one line and returns -errno on failure. */
int profile_attach_cpus(struct profile_bpf *skel, const struct profile_cfg *cfg, struct profile_cpus *cpus,
			const struct sre_opts *o);
void profile_detach_cpus(struct profile_cpus *cpus);
int profile_load(void **probe, const struct sre_opts *o, pid_t command_pid, void *cfg);
void profile_unload(void *probe);
void profile_stack_report(struct sre_stack_report *r, const struct profile_cfg *cfg, struct profile_bpf *skel,
			  struct sre_stack_sink *sink);

#endif
