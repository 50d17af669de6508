/* The little JSON writing the tools need: escaped strings. */
#ifndef SRE_JSON_H
#define SRE_JSON_H

#include <stdio.h>

/* Writes s as a quoted JSON string; bytes that are not printable ASCII
 * (comm names can hold anything) are escaped as \u00XX. */
void sre_json_str(FILE *f, const char *s);

#endif
