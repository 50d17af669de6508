/* Where a tool writes its report: stdout, or -o FILE written to a temporary
 * file beside it and renamed into place only when complete. */
#ifndef SRE_OUTPUT_H
#define SRE_OUTPUT_H

#include <stdbool.h>
#include <stdio.h>

struct sre_output {
	FILE *f;
	char *path;     /* final path, NULL for stdout */
	char *tmp_path;
};

/* Prints one line and returns -errno on failure. */
int sre_output_open(struct sre_output *out, const char *tool, const char *path);
/* Flushes; returns -EPIPE when the reader went away (quiet exit), another
 * -errno on write errors. */
int sre_output_flush(struct sre_output *out);
/* After writing to f: 0, -EPIPE when the reader went away (a quiet end),
 * else the write error (-ENOSPC, ...), which the run loop reports. */
int sre_output_error(FILE *f);
/* Commit (rename) when ok, else remove the temporary file. Returns -errno
 * (already reported) when the commit failed. */
int sre_output_close(struct sre_output *out, const char *tool, bool ok);

#endif
