#include <inttypes.h>
#include <bpf/bpf.h>
#include "lib/bpf/skipped.h"

/* triage attaches one object per tool it runs; more is a bug, counted out
 * loud rather than silently not checked. */
#define WATCH_MAX 16

static struct bpf_object *watched[WATCH_MAX];
static int nwatched, overflowed;

void sre_skipped_watch(struct bpf_object *obj)
{
	for (int i = 0; i < nwatched; i++)
		if (watched[i] == obj)
			return;
	if (nwatched < WATCH_MAX)
		watched[nwatched++] = obj;
	else
		overflowed++;
}

void sre_skipped_forget(void)
{
	nwatched = 0;
	overflowed = 0;
}

uint64_t sre_prog_skipped_runs(const struct bpf_program *p)
{
	struct bpf_prog_info info = { 0 };
	uint32_t len = sizeof(info);
	int fd = bpf_program__fd(p);

	/* Kernels before 5.12 have no such field: the length they fill stops
	 * short of it, and it stays 0. */
	if (fd < 0 || bpf_obj_get_info_by_fd(fd, &info, &len))
		return 0;
	return info.recursion_misses;
}

uint64_t sre_skipped_report(const char *tool)
{
	uint64_t total = 0;

	for (int i = 0; i < nwatched; i++) {
		struct bpf_program *p;

		bpf_object__for_each_program(p, watched[i]) {
			uint64_t n = sre_prog_skipped_runs(p);

			if (!n)
				continue;
			total += n;
			fprintf(stderr,
				"%s: the kernel skipped %" PRIu64 " runs of %s (it was already running on that CPU): those events are missing\n",
				tool, n, bpf_program__name(p));
		}
	}
	if (overflowed)
		fprintf(stderr, "%s: %d BPF objects not checked for skipped runs\n", tool, overflowed);
	return total;
}
