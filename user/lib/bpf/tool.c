#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "lib/bpf/runloop.h"
#include "lib/bpf/session.h"
#include "lib/bpf/skipped.h"
#include "lib/bpf/tool.h"

const struct sre_tool *sre_tool_find(const char *name)
{
	for (const struct sre_tool *const *t = sre_tools; *t; t++)
		if (!strcmp((*t)->spec->name, name))
			return *t;
	return NULL;
}

int sre_tool_main(const struct sre_tool *t, int argc, char **argv)
{
	struct sre_session s = { 0 };
	struct sre_loop loop = { 0 };
	void *run, *cfg, *probe = NULL;
	int err, code, failed = 0;

	if (t->main)
		return t->main(argc, argv);
	run = calloc(1, t->run_size);
	if (!run) {
		fprintf(stderr, "sretrace %s: out of memory\n", t->spec->name);
		return 1;
	}
	cfg = (char *)run + t->cfg_offset;
	if (t->defaults)
		t->defaults(cfg);
	err = sre_parse_options(argc, argv, t->spec, &s.opts, cfg);
	if (!err && t->check && t->check(&s.opts, cfg))
		err = -1;
	if (err) {
		free(run);
		return err > 0 ? 0 : 2;
	}
	err = sre_session_start(&s);
	if (!err)
		err = t->load(&probe, &s.opts, s.cmd.pid, cfg);
	if (!err)
		err = sre_session_ready(&s);
	if (!err)
		err = t->start(run, probe, &s, &loop);
	if (!err)
		err = sre_session_run(&s, &loop);
	if (!err)
		sre_skipped_report(t->spec->name);
	if (!err && t->verdict)
		failed = t->verdict(run);
	if (t->stop)
		t->stop(run);
	sre_skipped_forget();
	if (probe)
		t->unload(probe);
	code = sre_session_end(&s, err);
	if (code == 0 && failed)
		code = 1;
	free(run);
	return code;
}
