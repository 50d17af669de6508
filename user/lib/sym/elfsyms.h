/* One ELF file's function symbols, PT_LOAD segments, build ID and
 * .eh_frame, loaded once and shared by every process mapping the file. */
#ifndef SRE_ELFSYMS_H
#define SRE_ELFSYMS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct cfi_table;
struct usym_table;
typedef struct Elf Elf;

/* libelf initialised (once); false when it cannot be. */
bool usym_elf_ready(void);
/* Reads the ELF file open at fd (not closed, not needed afterwards):
 * .symtab when it has functions, else .dynsym. NULL with errno set when
 * fd is not a usable ELF file; a damaged file may give an empty table. */
struct usym_table *usym_table_load(int fd);
void usym_table_free(struct usym_table *t);
/* Function containing file offset file_off, or NULL; *offset (may be
 * NULL) = distance from the function start. */
const char *usym_table_lookup(const struct usym_table *t, uint64_t file_off, uint64_t *offset);
/* Number of function symbols in t. */
size_t usym_table_count(const struct usym_table *t);

/* The same, with the file's .eh_frame too when want_cfi (DWARF unwinding).
 * A file without .symtab (stripped, as distributions ship them) takes the
 * .symtab of its separate debug file when one is installed: by build ID
 * under each debug directory (DIR/.build-id/xx/rest.debug, Debian's -dbg
 * and -dbgsym packages), else by .gnu_debuglink next to path (the file's
 * path, may be NULL), in its .debug/ or under DIR/<its directory>; the
 * debug file's build ID (or, by debuglink, CRC) must match. */
struct usym_table *usym_table_open(int fd, bool want_cfi);
struct usym_table *usym_table_open_path(int fd, bool want_cfi, const char *path);
/* Where debug files are looked for: "/usr/lib/debug" and extra (--debug-dir,
 * NULL for none), for every table opened afterwards. */
void usym_set_debug_dir(const char *extra);
/* Inlined frames from DWARF (the file's own, else its debug file's):
 * off by default (--inline); set before tables are opened. */
void usym_set_inlines(bool on);
/* Files whose debug info is kept for inlined frames, and files past the cap. */
void usym_inline_files(uint64_t *open, uint64_t *over);
/* The calls inlined at ELF virtual address vaddr, innermost first (as
 * inline_info_at: mangled linkage names or plain names); 0 when none or
 * the file has no debug info. Debug info is read at the first call. */
int usym_table_inlines(struct usym_table *t, uint64_t vaddr, const char **names, int max);
/* Bytes the table holds in memory (symbols, names, CFI, debug info read). */
size_t usym_table_bytes(const struct usym_table *t);
/* The debug file the table's names came from, or NULL. */
const char *usym_table_debug_file(const struct usym_table *t);
/* The file offset of ELF virtual address vaddr; false outside PT_LOAD. */
bool usym_table_file_offset(const struct usym_table *t, uint64_t vaddr, uint64_t *file_off);
/* From an ELF image already open (the vDSO, copied from memory). */
struct usym_table *usym_table_from_elf(Elf *e, bool want_cfi);
/* The ELF virtual address of file offset file_off, through the PT_LOAD
 * segments; false when no segment holds it. */
bool usym_table_vaddr(const struct usym_table *t, uint64_t file_off, uint64_t *vaddr);
/* The GNU build ID in hex, or NULL. */
const char *usym_table_build_id(const struct usym_table *t);
/* .eh_frame, or NULL (not asked for, or the file has none). */
const struct cfi_table *usym_table_cfi(const struct usym_table *t);
/* Built with frame pointers, judged from its CFI when it was loaded. */
bool usym_table_frame_pointers(const struct usym_table *t);

#endif
