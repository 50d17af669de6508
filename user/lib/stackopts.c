#include <errno.h>
#include <linux/types.h>
#include "../../bpf/stack.h"
#include "stackopts.h"

void sre_stack_opts_init(struct sre_stack_opts *s)
{
	s->user_only = s->kernel_only = false;
	s->storage = STACK_STORAGE_DEFAULT;
}

int sre_stack_option(const char *tool, struct sre_stack_opts *s, int key, const char *arg)
{
	switch (key) {
	case 'U':
		s->user_only = true;
		return 0;
	case 'K':
		s->kernel_only = true;
		return 0;
	case SRE_OPT_STACK_STORAGE:
		return sre_opt_uint(tool, "--stack-storage-size", arg, 1, SRE_STACK_STORAGE_MAX, &s->storage);
	}
	return 1;
}

int sre_stack_opts_check(const struct sre_opts *o, const struct sre_stack_opts *s)
{
	if (s->user_only && s->kernel_only) {
		sre_error(o, "-U and -K together leave no stack to show");
		return -EINVAL;
	}
	return 0;
}
