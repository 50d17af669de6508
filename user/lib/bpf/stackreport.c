#include <errno.h>
#include <inttypes.h>
#include <string.h>
#include <bpf/libbpf.h>
#include "lib/core/clock.h"
#include "lib/fmt/flamegraph.h"
#include "lib/bpf/runloop.h"
#include "lib/bpf/stackmap.h"
#include "lib/bpf/stackreport.h"
#include "lib/core/json.h"
#include "lib/fmt/stackprint.h"
#include "lib/stacks/stackopts.h"

int sre_stack_run_start(struct sre_stack_run *r, struct sre_session *s, const struct bpf_object *obj,
			const struct sre_stack_opts *o, bool counts_samples)
{
	int err;

	sre_symbolizer_init(&r->sym, sre_stack_kernel(o), sre_stack_user(o));
	if (o->mangled)
		sre_symbolizer_keep_mangled(&r->sym);
	sre_stack_sink_init(&r->sink, &r->sym, o, obj, counts_samples);
	r->rb = sre_session_ring_buffer(s, bpf_object__find_map_fd_by_name(obj, "proc_events"), sre_stack_sink_on_event,
					&r->sink, &err);
	return r->rb ? 0 : err;
}

void sre_stack_run_stop(struct sre_stack_run *r)
{
	ring_buffer__free(r->rb);
	sre_stack_sink_free(&r->sink);
	sre_symbolizer_free(&r->sym);
}

int sre_stack_report_collect(struct sre_stack_rows *rows, struct sre_symbolizer *sym, const struct sre_stack_report *r)
{
	struct sre_stack_source src = {
		.counts_fd = r->counts_fd, .stacks_fd = r->stacks_fd,
		.user_wanted = r->user_wanted, .kernel_wanted = r->kernel_wanted,
	};

	sre_stack_sink_source(r->sink, &src);
	return sre_stack_map_collect(rows, sym, &r->sink->procs, &src);
}

void sre_stack_report_json(FILE *f, const struct sre_stack_report *r, const struct sre_stack_rows *rows,
			   const uint64_t *cnt)
{
	struct sre_json j;

	sre_json_init(&j, f);
	sre_json_object(&j, NULL);
	sre_json_string(&j, "tool", r->tool);
	sre_json_uint(&j, r->value_key, sre_stack_rows_total(rows));
	sre_json_uint(&j, r->count_key, cnt[SRE_CNT_EVENTS]);
	sre_json_uint(&j, "drops", cnt[SRE_CNT_DROPS]);
	sre_json_uint(&j, "missed", cnt[SRE_CNT_MISSED]);
	sre_json_uint(&j, "lost_stacks", cnt[SRE_CNT_STACK_LOST]);
	sre_json_uint(&j, "copy_drops", cnt[SRE_CNT_COPY_DROPS]);
	sre_json_uint(&j, "unchecked_reuses", cnt[SRE_CNT_UNCHECKED]);
	sre_json_uint(&j, "preempted_innermost_frame_only", cnt[SRE_CNT_PREEMPT_NO_COPY]);
	sre_json_uint(&j, "python_truncated", cnt[SRE_CNT_PY_TRUNCATED]);
	sre_json_uint(&j, "kernel_stacks_reused", cnt[SRE_CNT_KSTACK_REUSED]);
	sre_json_uint(&j, "kernel_stacks_checked", cnt[SRE_CNT_KSTACK_CHECKED]);
	sre_json_uint(&j, "kernel_stacks_differed", cnt[SRE_CNT_KSTACK_DIFFERED]);
	sre_json_uint(&j, "unended_blocks", cnt[SRE_CNT_UNENDED]);
	sre_json_uint(&j, "unended_blocks_max_us", cnt[SRE_CNT_UNENDED_NS] / 1000);
	sre_json_uint(&j, "spilled_rows", r->sink->spilled);
	sre_stack_sink_json(r->sink, &j);
	if (r->json_extra)
		r->json_extra(&j, r->json_ctx);
	sre_stack_rows_json(&j, rows, r->value_key);
	sre_json_end(&j);
}

int sre_stack_report_print(struct sre_session *s, struct sre_symbolizer *sym, const struct sre_stack_report *r)
{
	struct sre_stack_rows rows = { 0 };
	uint64_t cnt[SRE_CNT_MAX];
	FILE *f = s->out.f;
	int err;

	err = sre_stack_report_collect(&rows, sym, r);
	if (err) {
		sre_stack_rows_free(&rows);
		return err;
	}
	sre_read_counters(r->counters_fd, cnt);
	sre_stack_sink_add_losses(r->sink, cnt);
	switch (s->opts.format) {
	case SRE_FMT_FOLDED:
		err = sre_stack_rows_print_folded(f, &rows, r->folded_div);
		break;
	case SRE_FMT_SVG:
		err = sre_stack_rows_print_svg(f, &rows, r->folded_div, &(struct fg_options){
			.title = r->svg_title,
			.countname = r->folded_div == 1000 ? "us" : r->text_unit,
			.width = 1200,
			.minwidth = 0.1,
			.palette = (enum fg_palette)r->svg_palette,
		});
		break;
	case SRE_FMT_PPROF: {
		struct sre_pprof_spec spec = r->pprof;

		spec.time_ns = s->started_ns;
		spec.duration_ns = (int64_t)((sre_mono_now_s() - s->started_mono) * 1e9);
		err = sre_stack_rows_print_pprof(f, &rows, sym, &spec);
		break;
	}
	case SRE_FMT_JSON:
		sre_stack_report_json(f, r, &rows, cnt);
		break;
	default:
		sre_stack_rows_print_text(f, &rows, r->text_div, r->text_unit);
		break;
	}
	if (r->sink->spilled)
		fprintf(stderr, "%s: %" PRIu64 " rows did not fit the kernel's map and were kept here instead "
				"(nothing lost)\n", r->tool, r->sink->spilled);
	if (cnt[SRE_CNT_COPY_DROPS])
		fprintf(stderr, "%s: %" PRIu64 " user stack copies dropped (ring buffer full): those %s have no "
				"user frames\n", r->tool, cnt[SRE_CNT_COPY_DROPS], r->lost_what);
	if (cnt[SRE_CNT_UNCHECKED])
		fprintf(stderr, "%s: %" PRIu64 " %s took a user stack copied at the same pc and sp before it was "
				"checked (the reader was behind): their callers may be another caller's\n",
			r->tool, cnt[SRE_CNT_UNCHECKED], r->lost_what);
	if (cnt[SRE_CNT_PREEMPT_NO_COPY])
		fprintf(stderr, "%s: %" PRIu64 " preemptions of programs without frame pointers have only their innermost user frame "
				"(preempted in user code: not copied, each lands at a new instruction)\n", r->tool, cnt[SRE_CNT_PREEMPT_NO_COPY]);
	if (cnt[SRE_CNT_PY_TRUNCATED])
		fprintf(stderr, "%s: %" PRIu64 " Python stacks cut at %d frames (their outermost Python frames are "
				"missing)\n", r->tool, cnt[SRE_CNT_PY_TRUNCATED], STACK_MAX_DEPTH);
	if (cnt[SRE_CNT_KSTACK_DIFFERED])
		fprintf(stderr, "%s: %" PRIu64 " of %" PRIu64 " kernel stacks reused from an earlier walk at the same "
				"place and checked by a fresh walk differed (those places are walked every time now; "
				"--exact walks every block)\n",
			r->tool, cnt[SRE_CNT_KSTACK_DIFFERED], cnt[SRE_CNT_KSTACK_CHECKED]);
	if (cnt[SRE_CNT_UNENDED])
		fprintf(stderr, "%s: %" PRIu64 " %s lost: their end (the thread's next switch-in) never reached "
				"the tracer, so their time is unknown (at most %.1f ms in all)\n", r->tool,
			cnt[SRE_CNT_UNENDED], r->lost_what, (double)cnt[SRE_CNT_UNENDED_NS] / 1e6);
	/* Losses are shown, never hidden; on stderr so folded output stays clean. */
	if (cnt[SRE_CNT_STACK_LOST] || cnt[SRE_CNT_MISSED] || cnt[SRE_CNT_DROPS])
		fprintf(stderr, "%s: %" PRIu64 " stacks lost (map full or walk failed; see --stack-storage-size), "
				"%" PRIu64 " %s missed (map full), %" PRIu64 " process events dropped\n",
			r->tool, cnt[SRE_CNT_STACK_LOST], cnt[SRE_CNT_MISSED], r->lost_what, cnt[SRE_CNT_DROPS]);
	if (s->opts.verbose)
		sre_stack_sink_summary(r->sink, r->tool);
	sre_stack_rows_free(&rows);
	return err ? err : sre_output_flush(&s->out);
}
