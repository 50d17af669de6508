/* Manual pages and shell completion from the tools' definitions. */
#ifndef SRE_DOCGEN_H
#define SRE_DOCGEN_H

#include <stdio.h>

/* sretrace(8) (tool NULL) or sretrace-TOOL(8) in man(7) markup; -ENOENT
 * for an unknown tool. */
int sre_print_man(FILE *f, const char *tool);
/* A completion script for shell ("bash"); -EINVAL for another shell. */
int sre_print_completion(FILE *f, const char *shell);

#endif
