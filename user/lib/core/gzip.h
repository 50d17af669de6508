/* gzip (zlib's deflate with a gzip header) of a buffer onto a stream:
 * pprof files and serve's compressed responses. */
#ifndef SRE_GZIP_H
#define SRE_GZIP_H

#include <stddef.h>
#include <stdio.h>

/* 0, -ENOMEM, or -EIO when writing to f failed. */
int sre_gzip_write(FILE *f, const void *data, size_t len);

#endif
