#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include "lib/core/clock.h"
#include "lib/bpf/runloop.h"

static volatile sig_atomic_t stop_requested;
static struct timespec first_stop;

static void on_stop_signal(int sig)
{
	struct timespec now;

	/* A second Ctrl-C means now: the kernel detaches everything when the
	 * process dies, since nothing is pinned. One within a second of the
	 * first is the same request: timeout(1) and a terminal's Ctrl-C signal
	 * the child and then its process group, and under load the two land
	 * apart (CI saw an example exit 130 after printing its report). */
	clock_gettime(CLOCK_MONOTONIC, &now);
	if (stop_requested && (now.tv_sec - first_stop.tv_sec) * 1000000000L +
				      (now.tv_nsec - first_stop.tv_nsec) >= 1000000000L)
		_exit(128 + sig);
	if (!stop_requested)
		first_stop = now;
	stop_requested = 1;
}

bool sre_stop_requested(void)
{
	return stop_requested;
}

static void on_child(int sig)
{
	(void)sig; /* only interrupts poll() */
}

void sre_signals_init(void)
{
	struct sigaction sa = { 0 };

	/* SA_RESTART: a write blocked on a full pipe must not fail with EINTR
	 * when a signal arrives. poll() and epoll_wait() return EINTR anyway
	 * (they are never restarted), which is what wakes the loop. */
	sa.sa_flags = SA_RESTART;
	sa.sa_handler = on_stop_signal;
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sa.sa_handler = on_child;
	sa.sa_flags = SA_RESTART | SA_NOCLDSTOP;
	sigaction(SIGCHLD, &sa, NULL);
	/* A closed pipe shows up as EPIPE on write and ends the tool quietly. */
	signal(SIGPIPE, SIG_IGN);
}

void sre_timestamp(char *buf, size_t len)
{
	time_t t = time(NULL);
	struct tm tm;

	localtime_r(&t, &tm);
	strftime(buf, len, "%H:%M:%S", &tm);
}

int sre_read_counters(int map_fd, uint64_t out[SRE_CNT_MAX])
{
	int ncpu = libbpf_num_possible_cpus();
	uint64_t *vals;

	memset(out, 0, sizeof(uint64_t) * SRE_CNT_MAX);
	if (ncpu <= 0)
		return -EINVAL;
	vals = calloc((size_t)ncpu, sizeof(*vals));
	if (!vals)
		return -ENOMEM;
	for (uint32_t k = 0; k < SRE_CNT_MAX; k++) {
		if (bpf_map_lookup_elem(map_fd, &k, vals))
			continue;
		for (int c = 0; c < ncpu; c++)
			out[k] += vals[c];
	}
	free(vals);
	return 0;
}

static void status_line(const struct sre_loop *l, double elapsed)
{
	uint64_t c[SRE_CNT_MAX];

	if (l->counters_fd < 0 || sre_read_counters(l->counters_fd, c))
		return;
	if (l->events)
		c[SRE_CNT_EVENTS] = l->events(l->ctx);
	fprintf(stderr, "\r\033[K[%s %.0fs] events %llu  drops %llu  missed %llu", l->opts->tool->name,
		elapsed, (unsigned long long)c[SRE_CNT_EVENTS], (unsigned long long)c[SRE_CNT_DROPS],
		(unsigned long long)c[SRE_CNT_MISSED]);
}

static void status_clear(bool shown)
{
	if (shown)
		fputs("\r\033[K", stderr);
}

int sre_run(struct sre_loop *l)
{
	const struct sre_opts *o = l->opts;
	bool status = isatty(STDERR_FILENO) && !o->verbose;
	bool shown = false;
	double start = sre_mono_now_s(), next_report, next_status = start + 1, end = 0;
	uint64_t reports = 0;
	int err = 0;

	next_report = o->interval_s > 0 ? start + o->interval_s : 0;
	if (o->duration_s > 0)
		end = start + o->duration_s;

	while (!stop_requested) {
		double now = sre_mono_now_s(), wake = now + 0.1;
		int timeout_ms;

		if (next_report && next_report < wake)
			wake = next_report;
		if (end && end < wake)
			wake = end;
		timeout_ms = wake > now ? (int)((wake - now) * 1000) + 1 : 0;
		if (l->rb) {
			err = ring_buffer__poll(l->rb, timeout_ms);
			if (err == -EINTR)
				err = 0;
			if (err < 0)
				break;
			/* poll consumes only rings that signalled; records submitted
			 * without a wake-up (bpf/events.bpf.h) wait for this. */
			err = ring_buffer__consume(l->rb);
			if (err < 0)
				break;
			err = 0;
		} else {
			poll(NULL, 0, timeout_ms);
		}
		if (l->cmd && sre_command_poll(l->cmd))
			break;
		now = sre_mono_now_s();
		if (l->tick)
			l->tick(l->ctx, now);
		if (end && now >= end)
			break;
		if (next_report && now >= next_report) {
			status_clear(shown);
			shown = false;
			err = l->report(l->ctx, false);
			if (err)
				return err;
			next_report += o->interval_s;
			if (o->count && ++reports >= o->count)
				return 0;
		}
		if (status && now >= next_status) {
			status_line(l, now - start);
			shown = true;
			next_status = now + 1;
		}
	}
	status_clear(shown);
	if (l->end_window)
		l->end_window(l->ctx);
	/* Drain events the command produced just before it exited. */
	if (l->rb)
		ring_buffer__consume(l->rb);
	return err ? err : l->report(l->ctx, true);
}
