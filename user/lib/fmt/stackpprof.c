#include <errno.h>
#include <stdlib.h>
#include "lib/core/output.h"
#include "lib/fmt/pprof.h"
#include "lib/fmt/stackpprof.h"
#include "lib/sym/usyms.h"

/* Kernel text lives in the top half of the address space. */
#define KERNEL_START 0xffff800000000000ULL

static uint64_t user_location(struct pprof *p, struct sre_symbolizer *sym, const struct sre_stack_row *r,
			      uint64_t ip, const char *name)
{
	struct usym u;
	uint64_t mapping = 0;

	if (sym->usyms && !usyms_resolve(sym->usyms, r->tgid, r->gen, ip, &u) && u.module)
		mapping = pprof_mapping_id(p, &(struct pprof_mapping){
			.start = u.map_start,
			.limit = u.map_end,
			.file_offset = u.map_pgoff,
			.file = u.module,
			.build_id = u.build_id,
		});
	return pprof_location_id(p, mapping, ip, name);
}

/* pprof names the profile after the first mapping: the first user file
 * seen, so user frames are added before the kernel's. */
static int add_row(struct pprof *p, struct sre_symbolizer *sym, const struct sre_stack_row *r, uint64_t *kernel_map,
		   const struct sre_pprof_spec *spec)
{
	/* Inlined calls make more frames than addresses read. */
	uint64_t *locs = calloc((size_t)r->nk + (size_t)r->nu + 1, sizeof(*locs));
	int nk = r->nk, nu = r->nu, err;
	int64_t values[2] = {
		(int64_t)r->value,
		spec->extra_per_value ? (int64_t)(r->value * spec->extra_per_value) : (int64_t)r->count,
	};
	const struct pprof_label labels[] = {
		{ .key = "pid", .num = r->tgid },
		{ .key = "tid", .num = r->pid },
		{ .key = "comm", .str = r->comm },
	};

	if (!locs)
		return -ENOMEM;
	for (int i = 0; i < nu; i++)
		if (!(locs[nk + i] = user_location(p, sym, r, r->uips[i], r->uframes[i])))
			goto oom;
	if (nk && !*kernel_map &&
	    !(*kernel_map = pprof_mapping_id(p, &(struct pprof_mapping){ .start = KERNEL_START, .limit = UINT64_MAX,
									   .file = "[kernel.kallsyms]" })))
		goto oom;
	for (int i = 0; i < nk; i++)
		if (!(locs[i] = pprof_location_id(p, *kernel_map, r->kips[i], r->kframes[i])))
			goto oom;
	err = pprof_add_sample(p, locs, nk + nu, values, labels, 3);
	free(locs);
	return err;
oom:
	free(locs);
	return -ENOMEM;
}

int sre_stack_rows_print_pprof(FILE *f, const struct sre_stack_rows *rs, struct sre_symbolizer *sym,
			       const struct sre_pprof_spec *spec)
{
	struct pprof *p = pprof_new();
	uint64_t kernel_map = 0;
	int err;

	if (!p)
		return -ENOMEM;
	err = pprof_add_sample_type(p, spec->value_type, spec->value_unit);
	if (!err)
		err = pprof_add_sample_type(p, spec->extra_type, spec->extra_unit);
	if (!err && spec->period_type)
		err = pprof_set_period(p, spec->period_type, spec->period_unit, spec->period);
	if (!err && spec->comment)
		err = pprof_add_comment(p, spec->comment);
	pprof_set_time(p, spec->time_ns, spec->duration_ns);
	for (size_t i = 0; i < rs->n && !err; i++)
		err = add_row(p, sym, &rs->rows[i], &kernel_map, spec);
	if (!err)
		err = pprof_write(p, f);
	/* The stream knows what failed (ENOSPC, EPIPE); -EIO says less. */
	if (err == -EIO && sre_output_error(f))
		err = sre_output_error(f);
	pprof_free(p);
	return err;
}
