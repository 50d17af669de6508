/* Runs the kernel skipped. A BPF program is not entered again on a CPU
 * where it is already running: a tracepoint hit in an interrupt that came
 * while it ran is dropped, and the kernel counts it in the program's
 * recursion_misses. Those events are missing from every report, so the
 * objects this process attached are remembered and their skipped runs
 * said at the end. */
#ifndef SRE_SKIPPED_H
#define SRE_SKIPPED_H

#include <stdint.h>
#include <stdio.h>
#include <bpf/libbpf.h>

/* Remembers an attached object (sre_attach_loaded does this). */
void sre_skipped_watch(struct bpf_object *obj);
/* Forgets every object: before they are destroyed. */
void sre_skipped_forget(void);
/* Skipped runs of p so far, or 0 when it is not loaded. */
uint64_t sre_prog_skipped_runs(const struct bpf_program *p);
/* One stderr line per program with skipped runs, each saying which events
 * are missing; returns the total over the watched objects. */
uint64_t sre_skipped_report(const char *tool);

#endif
