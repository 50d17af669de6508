/* Histogram and percentile math on known distributions. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include "check.h"
#include "lib/core/hist.h"
#include "lib/core/parse.h"


static void add(struct hist *h, uint64_t v)
{
	h->b[hist_bucket(v)]++;
}

/* Every value lands in the bucket whose bounds contain it. */
static void test_bounds(void)
{
	uint64_t vals[] = { 0, 1, 7, 8, 9, 15, 16, 17, 100, 1000, 123456, 1ULL << 20, (1ULL << 40) - 1 };

	for (size_t i = 0; i < sizeof(vals) / sizeof(vals[0]); i++) {
		unsigned int b = hist_bucket(vals[i]);

		CHECK(b < HIST_BUCKETS, "bucket of %llu out of range", (unsigned long long)vals[i]);
		CHECK(hist_lo(b) <= vals[i] && vals[i] < hist_hi(b), "%llu not in [%llu,%llu)",
		      (unsigned long long)vals[i], (unsigned long long)hist_lo(b),
		      (unsigned long long)hist_hi(b));
	}
	for (uint64_t v = 1; v < 5000000; v = v * 3 / 2 + 1)
		CHECK(hist_lo(hist_bucket(v)) <= v && v < hist_hi(hist_bucket(v)), "v=%llu", (unsigned long long)v);
	CHECK(hist_bucket(1ULL << 50) == HIST_BUCKETS - 1, "overflow bucket");
	/* Buckets tile the range with no gaps. */
	for (unsigned int i = 0; i + 1 < HIST_BUCKETS; i++)
		CHECK(hist_hi(i) == hist_lo(i + 1) && hist_lo(i) < hist_hi(i), "gap at %u", i);
	/* Width bound that docs/histograms.md promises. */
	for (unsigned int i = HIST_SUB; i + 1 < HIST_BUCKETS; i++)
		CHECK((double)(hist_hi(i) - hist_lo(i)) <= (double)hist_lo(i) / HIST_SUB, "bucket %u too wide", i);
}

static double rel_err(double got, double want)
{
	return fabs(got - want) / want;
}

/* Uniform 1..N us: percentiles are known exactly. */
static void test_uniform(void)
{
	struct hist h = { 0 };
	const uint64_t n = 100000;

	for (uint64_t i = 1; i <= n; i++)
		add(&h, i * 1000);
	CHECK(hist_count(&h) == n, "count");
	CHECK(rel_err(hist_quantile(&h, 0.50, n * 1000), 50000e3) < 0.02, "p50 %f",
	      hist_quantile(&h, 0.50, n * 1000));
	CHECK(rel_err(hist_quantile(&h, 0.95, n * 1000), 95000e3) < 0.02, "p95");
	CHECK(rel_err(hist_quantile(&h, 0.99, n * 1000), 99000e3) < 0.02, "p99");
	CHECK(hist_quantile(&h, 1.0, n * 1000) <= n * 1000, "p100 clamped to max");
}

/* A point mass: the worst case for interpolation; must stay within a bucket width. */
static void test_point_mass(void)
{
	uint64_t points[] = { 12, 999, 10000, 10000000, 123456789 };

	for (size_t i = 0; i < sizeof(points) / sizeof(points[0]); i++) {
		struct hist h = { 0 };

		for (int k = 0; k < 1000; k++)
			add(&h, points[i]);
		for (double q = 0.5; q < 1; q += 0.245) {
			double got = hist_quantile(&h, q, 0);

			CHECK(rel_err(got, (double)points[i]) <= 1.0 / HIST_SUB, "point %llu q %.2f got %.0f",
			      (unsigned long long)points[i], q, got);
		}
		/* With the exact max known, the top percentiles cannot exceed it. */
		CHECK(hist_quantile(&h, 0.99, points[i]) <= (double)points[i], "clamp");
	}
}

/* Exponential latencies (mean 1 ms): compare with the exact quantiles -ln(1-q)*mean. */
static void test_exponential(void)
{
	struct hist h = { 0 };
	const int n = 200000;

	srand(42);
	for (int i = 0; i < n; i++) {
		double u = ((double)rand() + 1) / ((double)RAND_MAX + 2);

		add(&h, (uint64_t)(-log(u) * 1e6));
	}
	double qs[] = { 0.5, 0.95, 0.99 };
	for (int i = 0; i < 3; i++) {
		double want = -log(1 - qs[i]) * 1e6, got = hist_quantile(&h, qs[i], 0);

		CHECK(rel_err(got, want) < 0.10, "exp q%.2f got %.0f want %.0f", qs[i], got, want);
	}
}

static void test_parse(void)
{
	uint64_t v;
	double d;

	CHECK(sre_parse_u64("42", 1, 100, &v) == 0 && v == 42, "u64 ok");
	CHECK(sre_parse_u64("0", 1, 100, &v) != 0, "below min");
	CHECK(sre_parse_u64("-1", 0, 100, &v) != 0, "negative");
	CHECK(sre_parse_u64("99999999999999999999999", 0, UINT64_MAX, &v) != 0, "overflow");
	CHECK(sre_parse_u64("12x", 0, 100, &v) != 0, "garbage");
	CHECK(sre_parse_u64("", 0, 100, &v) != 0, "empty");
	CHECK(sre_parse_seconds("0.5", 10, &d) == 0 && d == 0.5, "seconds");
	CHECK(sre_parse_seconds("0", 10, &d) != 0, "zero seconds");
	CHECK(sre_parse_seconds("nan", 10, &d) != 0, "nan");
	CHECK(sre_parse_seconds("1e999", 10, &d) != 0, "inf");
}

int main(void)
{
	test_bounds();
	test_uniform();
	test_point_mass();
	test_exponential();
	test_parse();
	printf("%s test_hist\n", failures ? "not ok" : "ok");
	return failures ? 1 : 0;
}
