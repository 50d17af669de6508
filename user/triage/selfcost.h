/* What triage's own BPF programs cost, from the kernel's run-time
 * statistics taken in windows: the statistics add two clock reads to every
 * program run (~90 ns a run here; a syscall storm under syslat ran 12%
 * slower), so they are on for one second in ten and the total is scaled
 * from what they saw. */
#ifndef SRE_TRIAGE_SELFCOST_H
#define SRE_TRIAGE_SELFCOST_H

#include <stdbool.h>

struct sre_selfcost {
	int fd;		 /* bpf_enable_stats() while a window is open, else -1 */
	bool always;	 /* someone else keeps them on (sysctl): counted throughout */
	bool available;	 /* ever enabled (a refused first window is not retried) */
	double start;	 /* when sampling began */
	double on_since; /* the open window's start */
	double on_s;	 /* seconds of closed windows */
	double next_on;	 /* when the next window opens */
};

/* Starts sampling at now (seconds of the monotonic clock). */
void sre_selfcost_start(struct sre_selfcost *c, double now);
/* Opens or closes the window as the time says; call often (every pass). */
void sre_selfcost_tick(struct sre_selfcost *c, double now);
/* Seconds the statistics counted so far (0: none), the open window included. */
double sre_selfcost_seconds(const struct sre_selfcost *c, double now);
void sre_selfcost_stop(struct sre_selfcost *c);

#endif
