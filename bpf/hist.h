/* Log-linear latency histogram shared by BPF programs and userspace.
 *
 * Pure log2 buckets put a percentile anywhere inside a 2x range (±50%).
 * Here each power of two is split into HIST_SUB linear steps, so a bucket
 * is at most 1/HIST_SUB = 12.5% wide relative to its lower bound, and a
 * percentile interpolated inside its bucket is off by less than that
 * (docs/histograms.md has the derivation).
 */
#ifndef SRETRACE_HIST_H
#define SRETRACE_HIST_H

#ifndef __always_inline
#define __always_inline inline __attribute__((always_inline))
#endif

#define HIST_SUB_BITS 3
#define HIST_SUB (1 << HIST_SUB_BITS)
/* Largest power of two with its own buckets: 2^40 ns is about 18 minutes;
 * anything longer is counted in the last bucket. */
#define HIST_MAX_MSB 40
#define HIST_BUCKETS (HIST_SUB + (HIST_MAX_MSB - HIST_SUB_BITS + 1) * HIST_SUB)

/* Index of the most significant set bit, v > 0. No loops: the verifier
 * and the hot path both prefer straight-line code. */
static __always_inline unsigned int hist_msb(unsigned long long v)
{
	unsigned int r = 0, s;

	s = (v > 0xFFFFFFFFULL) << 5; v >>= s; r |= s;
	s = (v > 0xFFFFULL) << 4;     v >>= s; r |= s;
	s = (v > 0xFFULL) << 3;       v >>= s; r |= s;
	s = (v > 0xFULL) << 2;        v >>= s; r |= s;
	s = (v > 0x3ULL) << 1;        v >>= s; r |= s;
	r |= (unsigned int)(v >> 1);
	return r;
}

static __always_inline unsigned int hist_bucket(unsigned long long v)
{
	unsigned int msb;

	if (v < HIST_SUB)
		return (unsigned int)v;
	msb = hist_msb(v);
	if (msb > HIST_MAX_MSB)
		return HIST_BUCKETS - 1;
	return HIST_SUB + (msb - HIST_SUB_BITS) * HIST_SUB +
	       (unsigned int)((v >> (msb - HIST_SUB_BITS)) & (HIST_SUB - 1));
}

/* The largest value of one report interval. Rows are cumulative, but a
 * maximum cannot be diffed: each carries the report generation it belongs
 * to, and the first value of a new generation restarts it, so nothing ever
 * has to clear it. Userspace advances the generation at every report. */
struct hist_max {
	__u64 ns;
	__u32 gen;
	__u32 pad;
};

static __always_inline void hist_max_update(struct hist_max *m, __u64 v, __u32 gen)
{
	if (m->gen != gen) {
		m->gen = gen;
		m->ns = v;
	} else if (v > m->ns) {
		m->ns = v;
	}
}

#endif
