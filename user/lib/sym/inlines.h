/* Inlined calls from DWARF debug info: which inlined subroutines cover an
 * address, innermost first, and their names. The frames a compiler folded
 * into one function (std::map's lookup inlined into the caller) are what
 * a flame graph needs to show where inside it the time goes.
 *
 * Read lazily: at open only the section headers; at the first lookup the
 * sections (decompressed when SHF_COMPRESSED) and each unit's address
 * ranges; a unit's inlined subroutines when an address first falls in it;
 * a name when a lookup first returns it. DWARF 2-5, 32- and 64-bit units,
 * split (.dwo) and supplementary (dwz) files are not followed. */
#ifndef SRE_INLINES_H
#define SRE_INLINES_H

#include <stddef.h>
#include <stdint.h>

struct inline_info;

/* The debug info of the ELF file open at fd, which this takes (closed on
 * failure and by inline_info_free). NULL when the file has no
 * .debug_info (errno ENODATA) or is not ELF. */
struct inline_info *inline_info_open(int fd);
void inline_info_free(struct inline_info *ii);
/* The calls inlined at ELF virtual address vaddr, innermost first: up to
 * max names (linkage names where DWARF has them, mangled, else plain
 * names; "" when a name cannot be read). Returns how many; 0 when no
 * inlined call covers vaddr or the debug info cannot be read. Names live
 * until inline_info_free. */
int inline_info_at(struct inline_info *ii, uint64_t vaddr, const char **names, int max);
/* Bytes held in memory: decompressed sections and the units read. */
size_t inline_info_bytes(const struct inline_info *ii);
/* Units whose inlined calls were read, of all units; units skipped as
 * unreadable (damaged, or a form this reader does not know). */
void inline_info_units(const struct inline_info *ii, size_t *read, size_t *total, size_t *bad);

#endif
