/* Base64 (RFC 4648) for data: URLs. */
#ifndef SRE_BASE64_H
#define SRE_BASE64_H

#include <stddef.h>
#include <stdio.h>

/* Writes n bytes of p as base64. Pieces of one stream may be written one
 * after another when every piece but the last is a multiple of 3 bytes. */
void sre_base64_write(FILE *out, const void *p, size_t n);

#endif
