/* User-space symbols per process. Address spaces are captured while the
 * process lives, so stacks can be symbolized after it has exited. */
#ifndef SRE_USYMS_H
#define SRE_USYMS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct usyms;

/* NULL with errno set on failure. */
struct usyms *usyms_new(void);
void usyms_free(struct usyms *u);

/* Reads /proc/PID/maps (its executable mappings: only code is in stacks)
 * and loads the symbol tables of every file-backed one now, through /proc/PID/map_files (deleted files,
 * other mount namespaces) or else /proc/PID/root/PATH. Tables are shared
 * between processes by device and inode. An address space is (pid, gen):
 * gen tells apart processes that reused a pid, and a process before and
 * after exec (bpf/procs.bpf.h). Capturing it again replaces its mappings.
 * 0, or -errno (-ENOENT: process gone). */
int usyms_capture(struct usyms *u, uint32_t pid, uint32_t gen);
/* How many times (pid, gen) has been captured. */
unsigned int usyms_captures(const struct usyms *u, uint32_t pid, uint32_t gen);
/* True when (pid, gen) has been captured. */
bool usyms_has(const struct usyms *u, uint32_t pid, uint32_t gen);
/* (pid, gen) ended. Its symbols stay for its stacks, but only the
 * USYMS_MAX_DEAD most recent ended address spaces are kept, so a long run
 * under process churn stays bounded. */
void usyms_forget(struct usyms *u, uint32_t pid, uint32_t gen);
/* Ended address spaces dropped so far. */
uint64_t usyms_evicted(const struct usyms *u);

struct usym {
	const char *name;	/* function, or NULL when no symbol covers addr */
	uint64_t offset;	/* addr - function start, when name */
	const char *module;	/* basename of the mapped file, "[vdso]", "[anon]", ...;
				 * NULL when addr is in no mapping */
	uint64_t module_offset;	/* file offset of addr inside module */
	uint64_t map_start, map_end, map_pgoff; /* the mapping holding addr */
	const char *build_id;	/* the module's GNU build ID in hex, or NULL */
};

/* Resolves addr in (pid, gen)'s captured address space. 0 with out filled
 * in, -ENOENT when it was never captured. Strings live until usyms_free. */
int usyms_resolve(struct usyms *u, uint32_t pid, uint32_t gen, uint64_t addr, struct usym *out);
/* Load each file's .eh_frame too (DWARF unwinding); set before capturing. */
void usyms_set_cfi(struct usyms *u, bool on);
struct cfi_table;
/* The CFI of the file mapped at addr in (pid, gen), and addr's ELF virtual
 * address in it. 0; -ENOENT: never captured; -ESRCH: no mapping there;
 * -ENODATA: the mapping has no CFI (anonymous code, no .eh_frame). */
int usyms_find_cfi(const struct usyms *u, uint32_t pid, uint32_t gen, uint64_t addr, const struct cfi_table **cfi,
		   uint64_t *vaddr);
/* 1 when (pid, gen)'s program was built with frame pointers (judged from
 * its CFI; usyms_set_cfi must be on), 0 when not or unknown, -ENOENT when
 * never captured. */
int usyms_frame_pointers(const struct usyms *u, uint32_t pid, uint32_t gen);
/* The calls inlined at addr in (pid, gen), innermost first, from the
 * debug info of the file mapped there (usym_table_inlines); 0 when none. */
int usyms_inlines(struct usyms *u, uint32_t pid, uint32_t gen, uint64_t addr, const char **names, int max);
/* Inlined frames named so far, and the bytes of debug info read for them. */
void usyms_inline_stats(const struct usyms *u, uint64_t *frames, uint64_t *bytes);
/* Files whose symbols were loaded, the bytes they hold, how many took
 * their names from a separate debug file, and files not loaded because
 * the cap on files or bytes was reached. */
void usyms_files(const struct usyms *u, uint64_t *loaded, uint64_t *bytes, uint64_t *from_debug, uint64_t *over);
/* Resolutions so far: to a name (jit of them from perf maps), to
 * module+offset or a JIT region only, to nothing. */
void usyms_stats(const struct usyms *u, uint64_t *named, uint64_t *jit, uint64_t *module_only, uint64_t *unknown);

/* Last component of path (a pointer into it); "" when path ends in '/'. */
const char *usyms_module_basename(const char *path);

#endif
