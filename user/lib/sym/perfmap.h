/* JIT-compiled code's names from perf maps: /tmp/perf-PID.map, written by
 * the JVM (jcmd PID Compiler.perfmap, perf-map-agent), Node
 * (--perf-basic-prof), .NET and Python 3.12+ (-X perf). One line per
 * function: "START SIZE name", hex, with or without 0x. A process in a
 * container writes it in its own /tmp under its own pid: read through
 * /proc/PID/root with the pid its namespace gave it (NSpid). */
#ifndef SRE_PERFMAP_H
#define SRE_PERFMAP_H

#include <stdbool.h>
#include <stdint.h>

struct sre_interner;
struct perfmap;

/* Names are stored in pool, so they outlive a re-read. */
struct perfmap *perfmap_new(struct sre_interner *pool);
void perfmap_free(struct perfmap *m);
/* Reads process pid's map when it changed since the last read (size or
 * time; a map that grows as code is compiled is read again). At most one
 * look at the file per 100 ms. 0, or -errno (-ENOENT: no map). */
int perfmap_refresh(struct perfmap *m, uint32_t pid);
/* The function holding addr, or NULL; *offset from its start. Where
 * entries overlap (code replaced at the same address) the last line wins. */
const char *perfmap_lookup(const struct perfmap *m, uint64_t addr, uint64_t *offset);
/* Entries read; lines that were not "START SIZE name" and were skipped. */
void perfmap_stats(const struct perfmap *m, uint64_t *entries, uint64_t *malformed);
/* Parses one line; false when it is not "START SIZE name" (tests). */
bool perfmap_parse_line(const char *line, uint64_t *start, uint64_t *size, const char **name, int *name_len);

#endif
