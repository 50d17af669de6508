/* The steps around a tool's skeleton, in order (lib/bpf/tool.c runs them):
 *   sre_session_start  checks, logging, signals, "-- COMMAND" forked and held
 *   (the tool loads and attaches)
 *   sre_session_ready  the output opened
 *   sre_session_run    release the command, run the loop
 *   sre_session_end    commit or discard the output, reap the command,
 *                      return the process exit code
 * Each step reports its own failure once, as one line. */
#ifndef SRE_SESSION_H
#define SRE_SESSION_H

#include <string.h>
#include "lib/bpf/load.h"
#include "lib/core/command.h"
#include "lib/core/opts.h"
#include "lib/core/output.h"
#include "lib/bpf/runloop.h"

struct sre_session {
	struct sre_opts opts;
	struct sre_command cmd;
	struct sre_output out;
	bool ran;   /* the loop completed (or the reader went away) */
	int64_t started_ns;  /* wall clock when tracing began (for pprof) */
	double started_mono; /* CLOCK_MONOTONIC seconds, same moment */
};

/* Privileges and kernel features (sre_check_environment), signals, the
 * held command. 0, or -errno after printing the reason. */
int sre_session_start(struct sre_session *s);
/* Opens the output (after load, attach and filters). */
int sre_session_ready(struct sre_session *s);
/* A ring-buffer reader on map (bpf_map__fd), reported once on failure:
 * NULL with *err set to -errno. */
struct ring_buffer *sre_session_ring_buffer(struct sre_session *s, int map_fd,
					    int (*fn)(void *ctx, void *data, size_t len), void *ctx, int *err);
/* 0, or -errno (already reported). A closed pipe counts as success. */
int sre_session_run(struct sre_session *s, struct sre_loop *l);
/* Exit code: the command's with "-- COMMAND", else 0 or 1. */
int sre_session_end(struct sre_session *s, int err);

#endif
