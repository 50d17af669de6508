/* The options every stack tool takes the same way: -U, -K and
 * --stack-storage-size, with their help lines and the -U/-K conflict. */
#ifndef SRE_STACKOPTS_H
#define SRE_STACKOPTS_H

#include <stdbool.h>
#include <stdint.h>
#include "opts.h"

struct sre_stack_opts {
	bool user_only;
	bool kernel_only;
	uint64_t storage; /* distinct stacks kept */
};

#define SRE_OPT_STACK_STORAGE 2000
#define SRE_STACK_LONG_OPTS                                                  \
	{ "user-stacks-only", no_argument, NULL, 'U' },                      \
	{ "kernel-stacks-only", no_argument, NULL, 'K' },                    \
	{ "stack-storage-size", required_argument, NULL, SRE_OPT_STACK_STORAGE }
#define SRE_STACK_SHORT_OPTS "UK"
#define SRE_STACK_HELP                                                       \
	"  -U, --user-stacks-only  user stacks only\n"                      \
	"  -K, --kernel-stacks-only  kernel stacks only\n"                  \
	"      --stack-storage-size N  distinct stacks kept (default 16384)\n"

void sre_stack_opts_init(struct sre_stack_opts *s);
/* 0 or -EINVAL (reported) when key is a stack option, 1 when it is not. */
int sre_stack_option(const char *tool, struct sre_stack_opts *s, int key, const char *arg);
/* After parsing: -U with -K leaves nothing to show (one line, -EINVAL). */
int sre_stack_opts_check(const struct sre_opts *o, const struct sre_stack_opts *s);
static inline bool sre_stack_user(const struct sre_stack_opts *s) { return !s->kernel_only; }
static inline bool sre_stack_kernel(const struct sre_stack_opts *s) { return !s->user_only; }

#endif
