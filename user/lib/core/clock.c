#include <stdio.h>
#include <time.h>
#include "lib/core/clock.h"

uint64_t sre_mono_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
}

double sre_mono_now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

void sre_event_time(uint64_t mono_ns, char *buf, size_t len)
{
	/* Offset taken once: a wall-clock step during the run does not
	 * reorder events. The formatted second is cached: event mode can
	 * print 100k lines a second. */
	static int64_t offset_ns;
	static time_t cached_sec = -1;
	static char cached[16];
	int64_t real_ns;
	time_t sec;

	if (!offset_ns) {
		struct timespec mono, real;

		clock_gettime(CLOCK_MONOTONIC, &mono);
		clock_gettime(CLOCK_REALTIME, &real);
		offset_ns = (int64_t)(real.tv_sec - mono.tv_sec) * 1000000000 + (real.tv_nsec - mono.tv_nsec);
	}
	real_ns = (int64_t)mono_ns + offset_ns;
	sec = (time_t)(real_ns / 1000000000);
	if (sec != cached_sec) {
		struct tm tm;

		localtime_r(&sec, &tm);
		strftime(cached, sizeof(cached), "%H:%M:%S", &tm);
		cached_sec = sec;
	}
	snprintf(buf, len, "%s.%06ld", cached, (long)(real_ns % 1000000000 / 1000));
}
