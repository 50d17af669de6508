#include <errno.h>
#include <string.h>
#include <time.h>
#include <bpf/libbpf.h>
#include "lib/core/clock.h"
#include "lib/bpf/session.h"

int sre_session_start(struct sre_session *s)
{
	int err;

	/* First: a Ctrl-C from here on ends the run with its report, however
	 * early. (A CI run of an example stopped with SIGINT saw exit 130,
	 * death by the signal, which only this window before the handlers
	 * allowed; what held the tool there for 3 s is not known.) */
	sre_signals_init();
	if ((err = sre_check_environment(&s->opts)))
		return err;
	sre_libbpf_logging(s->opts.verbose);
	if (s->opts.command && (err = sre_command_start(&s->cmd, s->opts.command)))
		sre_error(&s->opts, "cannot start %s: %s", s->opts.command[0], strerror(-err));
	return err;
}

int sre_session_ready(struct sre_session *s)
{
	return sre_output_open(&s->out, s->opts.tool->name, s->opts.output);
}

struct ring_buffer *sre_session_ring_buffer(struct sre_session *s, int map_fd,
					    int (*fn)(void *ctx, void *data, size_t len), void *ctx, int *err)
{
	struct ring_buffer *rb = ring_buffer__new(map_fd, fn, ctx, NULL);

	*err = rb ? 0 : -errno;
	if (!rb)
		sre_error(&s->opts, "cannot open ring buffer: %s", strerror(errno));
	return rb;
}

int sre_session_run(struct sre_session *s, struct sre_loop *l)
{
	struct timespec now;
	int err;

	l->opts = &s->opts;
	l->cmd = s->opts.command ? &s->cmd : NULL;
	if (s->opts.command)
		sre_command_release(&s->cmd);
	clock_gettime(CLOCK_REALTIME, &now);
	s->started_ns = (int64_t)now.tv_sec * 1000000000 + now.tv_nsec;
	s->started_mono = sre_mono_now_s();
	err = sre_run(l);
	if (err == -EPIPE)
		err = 0;
	else if (err)
		sre_error(&s->opts, "%s", strerror(-err));
	s->ran = !err;
	return err;
}

int sre_session_end(struct sre_session *s, int err)
{
	if (sre_output_close(&s->out, s->opts.tool->name, s->ran) && !err)
		err = -EIO;
	if (s->opts.command)
		return sre_command_finish(&s->cmd, s->ran);
	return err ? 1 : 0;
}
