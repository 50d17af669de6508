/* Kernel symbols from /proc/kallsyms, for turning kernel stack addresses
 * into function names. */
#ifndef SRE_KSYMS_H
#define SRE_KSYMS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct ksyms;

/* Loads the text symbols (types t T w W) of /proc/kallsyms, sorted for
 * binary search. NULL with errno set on failure. Succeeds with no symbols
 * when kptr_restrict hides the addresses. */
struct ksyms *ksyms_load(void);
/* Function containing addr, or NULL (before the first symbol, or no
 * addresses visible); *offset (may be NULL) = addr - symbol start. */
const char *ksyms_lookup(const struct ksyms *k, uint64_t addr, uint64_t *offset);
/* Number of symbols loaded. */
size_t ksyms_count(const struct ksyms *k);
void ksyms_free(struct ksyms *k);

/* True for JIT-ed BPF programs and trampolines, frames callers usually skip. */
bool ksyms_is_bpf(const char *name);

#endif
