#include <errno.h>
#include <string.h>
#include <sys/stat.h>
#include <linux/types.h>
#include "bpf/stack.h"
#include "bpf/ustack.h"
#include "lib/stacks/stackopts.h"
#include "lib/sym/elfsyms.h"

void sre_stack_opts_init(struct sre_stack_opts *s)
{
	s->user_only = s->kernel_only = false;
	s->storage = STACK_STORAGE_DEFAULT;
	s->unwind = SRE_UNWIND_MODE_AUTO;
	s->stack_bytes = USTACK_DEFAULT_BYTES;
	s->rows = 0;
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
	case SRE_OPT_UNWIND:
		if (!strcmp(arg, "fp"))
			s->unwind = SRE_UNWIND_MODE_FP;
		else if (!strcmp(arg, "dwarf"))
			s->unwind = SRE_UNWIND_MODE_DWARF;
		else if (!strcmp(arg, "auto"))
			s->unwind = SRE_UNWIND_MODE_AUTO;
		else {
			sre_tool_error(tool, "invalid --unwind '%s': want fp, dwarf or auto", arg);
			return -EINVAL;
		}
		return 0;
	case SRE_OPT_STACK_BYTES:
		return sre_opt_uint(tool, "--stack-bytes", arg, USTACK_MIN_BYTES, USTACK_MAX_BYTES, &s->stack_bytes);
	case SRE_OPT_ROWS:
		return sre_opt_uint(tool, "--rows", arg, 1, SRE_ROWS_MAX, &s->rows);
	case SRE_OPT_NO_DEMANGLE:
		s->mangled = true;
		return 0;
	case SRE_OPT_INLINE:
		usym_set_inlines(true);
		return 0;
	case SRE_OPT_DEBUG_DIR: {
		struct stat st;

		if (stat(arg, &st) || !S_ISDIR(st.st_mode)) {
			sre_tool_error(tool, "--debug-dir %s: not a directory", arg);
			return -EINVAL;
		}
		usym_set_debug_dir(arg);
		return 0;
	}
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
