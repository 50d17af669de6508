/* The options every stack tool takes the same way: -U, -K and
 * --stack-storage-size, with their help lines and the -U/-K conflict. */
#ifndef SRE_STACKOPTS_H
#define SRE_STACKOPTS_H

#include <stdbool.h>
#include <stdint.h>
#include "lib/core/opts.h"

/* How user stacks are unwound (docs/unwinding.md). */
enum sre_unwind_mode {
	SRE_UNWIND_MODE_FP,	  /* the kernel follows frame pointers */
	SRE_UNWIND_MODE_DWARF, /* BPF copies the stack, userspace unwinds it with .eh_frame */
	SRE_UNWIND_MODE_AUTO,  /* fp for processes built with frame pointers, dwarf for the rest */
};

struct sre_stack_opts {
	bool user_only;
	bool kernel_only;
	uint64_t storage; /* distinct stacks kept */
	enum sre_unwind_mode unwind;
	uint64_t stack_bytes; /* copied per stack with dwarf */
	uint64_t rows;	      /* rows of the kernel's aggregation map; 0: the tool's default */
	bool mangled;	      /* --no-demangle: C++ and Rust names as the symbol table has them */
	/* Stack tools copying at once (triage runs offcpu and profile): they
	 * share one copy-ring budget (user/lib/bpf/load.c). 0 or 1: alone. */
	uint32_t copiers;
};

#define SRE_OPT_STACK_STORAGE 2000
#define SRE_OPT_UNWIND 2001
#define SRE_OPT_STACK_BYTES 2002
#define SRE_OPT_ROWS 2003
#define SRE_OPT_NO_DEMANGLE 2004
#define SRE_OPT_DEBUG_DIR 2005
#define SRE_OPT_INLINE 2006
#define SRE_ROWS_MAX (1u << 22)
#define SRE_STACK_LONG_OPTS                                                  \
	{ "user-stacks-only", no_argument, NULL, 'U' },                      \
	{ "kernel-stacks-only", no_argument, NULL, 'K' },                    \
	{ "stack-storage-size", required_argument, NULL, SRE_OPT_STACK_STORAGE }, \
	{ "unwind", required_argument, NULL, SRE_OPT_UNWIND },               \
	{ "stack-bytes", required_argument, NULL, SRE_OPT_STACK_BYTES },     \
	{ "rows", required_argument, NULL, SRE_OPT_ROWS },                   \
	{ "no-demangle", no_argument, NULL, SRE_OPT_NO_DEMANGLE },          \
	{ "debug-dir", required_argument, NULL, SRE_OPT_DEBUG_DIR },         \
	{ "inline", no_argument, NULL, SRE_OPT_INLINE }
#define SRE_STACK_SHORT_OPTS "UK"
#define SRE_STACK_HELP                                                       \
	"  -U, --user-stacks-only  user stacks only\n"                      \
	"  -K, --kernel-stacks-only  kernel stacks only\n"                  \
	"      --stack-storage-size N  distinct stacks kept (default 16384)\n" \
	"      --unwind MODE       user stacks by fp (frame pointers), dwarf (copy the\n" \
	"                          stack, unwind with .eh_frame) or auto (default: fp plus\n" \
	"                          a 1 KiB copy for library frames where the program has\n" \
	"                          frame pointers, else dwarf; docs/unwinding.md)\n" \
	"      --stack-bytes N     user stack copied per event with dwarf (512-16384,\n" \
	"                          default 8192)\n"                          \
	"      --rows N            (thread, stack) rows the kernel keeps (default\n" \
	"                          32768); rows past it go to userspace, counted as\n" \
	"                          spilled_rows\n"                          \
	"      --no-demangle       C++ and Rust names as mangled in the symbol table\n" \
	"      --debug-dir DIR     also look for separate debug files under DIR (as\n" \
	"                          /usr/lib/debug: .build-id/xx/rest.debug, debuglink)\n" \
	"      --inline            frames for inlined calls, from debug info where\n" \
	"                          installed (costs the debug info's size in memory)\n"

void sre_stack_opts_init(struct sre_stack_opts *s);
/* 0 or -EINVAL (reported) when key is a stack option, 1 when it is not. */
int sre_stack_option(const char *tool, struct sre_stack_opts *s, int key, const char *arg);
/* After parsing: -U with -K leaves nothing to show (one line, -EINVAL). */
int sre_stack_opts_check(const struct sre_opts *o, const struct sre_stack_opts *s);
static inline bool sre_stack_user(const struct sre_stack_opts *s) { return !s->kernel_only; }
static inline bool sre_stack_kernel(const struct sre_stack_opts *s) { return !s->user_only; }
/* BPF copies user stacks (dwarf, auto). */
static inline bool sre_stack_copies(const struct sre_stack_opts *s)
{
	return sre_stack_user(s) && s->unwind != SRE_UNWIND_MODE_FP;
}

#endif
