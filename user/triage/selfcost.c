#include <stdio.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include "triage/selfcost.h"

#define SELFCOST_WINDOW_S 1.0
#define SELFCOST_PERIOD_S 10.0

static bool stats_already_on(void)
{
	FILE *f = fopen("/proc/sys/kernel/bpf_stats_enabled", "r");
	int on = 0;

	if (!f)
		return false;
	if (fscanf(f, "%d", &on) != 1)
		on = 0;
	fclose(f);
	return on == 1;
}

static void window_open(struct sre_selfcost *c, double now)
{
	c->fd = bpf_enable_stats(BPF_STATS_RUN_TIME);
	if (c->fd < 0)
		return;
	c->available = true;
	c->on_since = now;
	c->next_on = now + SELFCOST_PERIOD_S;
}

static void window_close(struct sre_selfcost *c, double now)
{
	close(c->fd);
	c->fd = -1;
	c->on_s += now - c->on_since;
}

void sre_selfcost_start(struct sre_selfcost *c, double now)
{
	*c = (struct sre_selfcost){ .fd = -1, .start = now };
	c->always = stats_already_on();
	c->available = c->always;
	if (!c->always)
		window_open(c, now);
}

void sre_selfcost_tick(struct sre_selfcost *c, double now)
{
	if (c->always)
		return;
	if (c->fd >= 0 && now - c->on_since >= SELFCOST_WINDOW_S)
		window_close(c, now);
	else if (c->fd < 0 && c->available && now >= c->next_on)
		window_open(c, now);
}

double sre_selfcost_seconds(const struct sre_selfcost *c, double now)
{
	if (c->always)
		return now - c->start;
	return c->on_s + (c->fd >= 0 ? now - c->on_since : 0);
}

void sre_selfcost_stop(struct sre_selfcost *c)
{
	if (c->fd >= 0)
		close(c->fd);
	c->fd = -1;
}
