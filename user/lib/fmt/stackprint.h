/* Stack rows (lib/stacks/stackrows.h) as text, folded stacks, an SVG flame
 * graph or JSON; pprof is lib/fmt/stackpprof.h. */
#ifndef SRE_STACKPRINT_H
#define SRE_STACKPRINT_H

#include <stdint.h>
#include <stdio.h>
#include "lib/stacks/stackrows.h"

struct fg_options;
struct sre_json;

/* comm;user outer..inner;-;kernel outer..inner VALUE, identical stacks merged.
 * value_div converts the row unit into the folded unit. */
int sre_stack_rows_print_folded(FILE *f, const struct sre_stack_rows *rs, uint64_t value_div);
/* offcputime style: kernel frames innermost first, "--", user frames, then
 * "-  comm (pid)" and the value. */
void sre_stack_rows_print_text(FILE *f, const struct sre_stack_rows *rs, uint64_t value_div, const char *unit);
/* The flame graph of the rows, values divided by value_div. */
int sre_stack_rows_print_svg(FILE *f, const struct sre_stack_rows *rs, uint64_t value_div, const struct fg_options *o);
/* The member "stacks":[{pid,tid,comm,value_key,count,kernel:[..],user:[..]}]
 * of the object j is writing. */
void sre_stack_rows_json(struct sre_json *j, const struct sre_stack_rows *rs, const char *value_key);

#endif
