/* The run loop every tool shares: poll, report per interval, stop on
 * count, duration, SIGINT/SIGTERM or command exit. */
#ifndef SRE_RUNLOOP_H
#define SRE_RUNLOOP_H

#include <stdbool.h>
#include <stdint.h>
#include "lib/core/command.h"
#include "lib/core/opts.h"

struct ring_buffer;

struct sre_loop {
	const struct sre_opts *opts;
	struct sre_command *cmd;   /* NULL unless "-- COMMAND" */
	struct ring_buffer *rb;    /* polled for events when set */
	int counters_fd;           /* sre_counters map for the status line; -1: none */
	/* Called at every interval and once more at the end when the last
	 * interval is incomplete (or there are no intervals). -EPIPE: reader gone. */
	int (*report)(void *ctx, bool final);
	/* Called the moment the run ends, before the last events are drained
	 * and the final report: tools that count until they are detached end
	 * their window here. NULL: none. */
	void (*end_window)(void *ctx);
	/* Called at every pass of the loop (about ten a second) with the
	 * monotonic time, for work on a clock of its own. NULL: none. */
	void (*tick)(void *ctx, double now);
	/* Events so far for the status line, when the tool does not count
	 * them in sre_counters; NULL: use the counter. */
	uint64_t (*events)(void *ctx);
	void *ctx;
};

/* Installs signal handling; call before starting anything. */
void sre_signals_init(void);
/* SIGINT or SIGTERM arrived (for loops of their own, like serve's). */
bool sre_stop_requested(void);
/* Returns 0, or -errno of what stopped it (-EPIPE when the reader went away). */
int sre_run(struct sre_loop *l);
/* Sum the per-CPU health counters (enum sre_counter). */
int sre_read_counters(int map_fd, uint64_t out[SRE_CNT_MAX]);
/* Wall-clock "HH:MM:SS" for -T. */
void sre_timestamp(char *buf, size_t len);

#endif
