/* Names for stack frames: kernel symbols (/proc/kallsyms) and each
 * process's user symbols (usyms). Pure lookups; when processes are read is
 * the process lifecycle's business (lib/bpf/procs.h). */
#ifndef SRE_SYMBOLIZER_H
#define SRE_SYMBOLIZER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct ksyms;
struct usyms;
struct pysyms;

#include "lib/sym/demangle.h"

struct sre_symbolizer {
	struct ksyms *ksyms; /* loaded at the first report (sre_symbolizer_load_kernel) */
	bool kernel_wanted;
	struct usyms *usyms; /* NULL: user frames are not wanted */
	struct sre_demangler *demangler; /* C++ and Rust names; NULL with --no-demangle */
	struct pysyms *py; /* Python code objects (profile); NULL with user */
};

void sre_symbolizer_init(struct sre_symbolizer *sym, bool kernel, bool user);
/* Names as the symbol tables have them (--no-demangle); on by default. */
void sre_symbolizer_keep_mangled(struct sre_symbolizer *sym);
void sre_symbolizer_free(struct sre_symbolizer *sym);
/* Kernel symbols are read only when the first report is made:
 * /proc/kallsyms takes MBs, and loading it after the BPF objects (and
 * libbpf's copy of the kernel BTF) keeps the peak memory down. */
void sre_symbolizer_load_kernel(struct sre_symbolizer *sym);
/* "function", or "0x..." when no symbol covers ip. */
void sre_symbolizer_kernel_name(const struct sre_symbolizer *sym, uint64_t ip, char *buf, size_t len);
/* "function", "module+0x...", or "[unknown]". */
void sre_symbolizer_user_name(const struct sre_symbolizer *sym, uint32_t tgid, uint32_t gen, uint64_t ip, char *buf,
			      size_t len);
/* Longest frame name kept (a demangled std::map member inlined into a
 * caller runs past 1,000 characters), and most calls inlined at one
 * address that are shown. */
#define SRE_FRAME_NAME_MAX 4096
#define SRE_INLINE_MAX 32
/* What an inlined call's frame name ends with: "NAME (inlined)". */
#define SRE_INLINED_SUFFIX " (inlined)"
/* name is an inlined call's frame. */
bool sre_frame_is_inlined(const char *name);
/* The frames ip stands for, innermost first: the calls inlined there
 * (from debug info, "NAME (inlined)"), then sre_symbolizer_user_name's
 * name of the function. leaf: ip is the instruction itself (a sampled
 * pc), not a return address. Up to max names; returns how many (>= 1). */
int sre_symbolizer_user_frames(const struct sre_symbolizer *sym, uint32_t tgid, uint32_t gen, uint64_t ip, bool leaf,
			       char (*bufs)[SRE_FRAME_NAME_MAX], int max);
/* One line on stderr with how user frames resolved (for -v);
 * procs_gone: processes gone before their maps were read. */
void sre_symbolizer_summary(const struct sre_symbolizer *sym, const char *tool, uint64_t procs_gone);

#endif
