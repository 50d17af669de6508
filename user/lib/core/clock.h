/* Clocks: BPF timestamps are CLOCK_MONOTONIC; people read wall-clock time. */
#ifndef SRE_CLOCK_H
#define SRE_CLOCK_H

#include <stddef.h>
#include <stdint.h>

/* CLOCK_MONOTONIC now, in nanoseconds (durations) and in seconds. */
uint64_t sre_mono_now_ns(void);
double sre_mono_now_s(void);
/* A BPF timestamp (bpf_ktime_get_ns) as local "HH:MM:SS.uuuuuu". */
void sre_event_time(uint64_t mono_ns, char *buf, size_t len);

#endif
