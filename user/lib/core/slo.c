#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include "lib/core/opts.h"
#include "lib/core/slo.h"

static const char *const disk_ops[] = { "read", "write", "flush", "discard", "other" };

int sre_parse_duration_ns(const char *s, uint64_t *ns)
{
	static const struct {
		const char *unit;
		double mult;
	} units[] = { { "ns", 1 }, { "us", 1e3 }, { "ms", 1e6 }, { "s", 1e9 } };
	char *end;
	double v;

	if (!s || !*s || !(*s >= '0' && *s <= '9'))
		return -EINVAL;
	errno = 0;
	v = strtod(s, &end);
	if (errno || end == s || !isfinite(v) || v <= 0)
		return -EINVAL;
	for (size_t i = 0; i < sizeof(units) / sizeof(units[0]); i++) {
		if (strcmp(end, units[i].unit))
			continue;
		v *= units[i].mult;
		/* A day at most: longer is a typo, not an SLO on a syscall. */
		if (v < 1 || v > 86400e9)
			return -EINVAL;
		*ns = (uint64_t)v;
		return 0;
	}
	return -EINVAL;
}

static int bad(const char *tool, const char *expr, const char *why)
{
	sre_tool_error(tool, "invalid --slo '%s': %s (e.g. syscall:fsync:p99<10ms, disk:vda:write:p99.9<20ms)",
		       expr, why);
	return -EINVAL;
}

int sre_slo_parse(const char *tool, const char *expr, struct sre_slo *out)
{
	char buf[128], *fields[5], *p, *lt, *end;
	int n = 0;
	double pct;

	memset(out, 0, sizeof(*out));
	if (strlen(expr) >= sizeof(buf))
		return bad(tool, expr, "too long");
	snprintf(buf, sizeof(buf), "%s", expr);
	snprintf(out->expr, sizeof(out->expr), "%s", expr);
	for (p = buf; n < 5; n++) {
		fields[n] = p;
		p = strchr(p, ':');
		if (!p) {
			n++;
			break;
		}
		*p++ = 0;
	}
	if (p || n < 3)
		return bad(tool, expr, "want KIND:NAME[:OP]:pQQ<DURATION");
	if (!strcmp(fields[0], "syscall")) {
		if (n != 3)
			return bad(tool, expr, "syscall SLOs take no op");
		out->kind = SRE_SLO_SYSCALL;
	} else if (!strcmp(fields[0], "disk")) {
		out->kind = SRE_SLO_DISK;
		if (n == 4) {
			size_t i;

			for (i = 0; i < sizeof(disk_ops) / sizeof(disk_ops[0]); i++)
				if (!strcmp(fields[2], disk_ops[i]))
					break;
			if (i == sizeof(disk_ops) / sizeof(disk_ops[0]))
				return bad(tool, expr, "op must be read, write, flush, discard or other");
			snprintf(out->op, sizeof(out->op), "%s", fields[2]);
		} else if (n != 3) {
			return bad(tool, expr, "want disk:NAME[:OP]:pQQ<DURATION");
		}
	} else {
		return bad(tool, expr, "kind must be syscall or disk");
	}
	if (!fields[1][0] || strlen(fields[1]) >= sizeof(out->name))
		return bad(tool, expr, "empty or long name");
	snprintf(out->name, sizeof(out->name), "%s", fields[1]);
	p = fields[n - 1];
	lt = strchr(p, '<');
	if (p[0] != 'p' || !lt)
		return bad(tool, expr, "want pQQ<DURATION, e.g. p99<10ms");
	*lt = 0;
	if (!(p[1] >= '0' && p[1] <= '9'))
		return bad(tool, expr, "percentile must be a number, e.g. p99 or p99.9");
	errno = 0;
	pct = strtod(p + 1, &end);
	if (errno || *end || !(pct > 0 && pct <= 100))
		return bad(tool, expr, "percentile must be in (0, 100]");
	out->pct = pct;
	if (sre_parse_duration_ns(lt + 1, &out->limit_ns))
		return bad(tool, expr, "duration must be a positive number with ns, us, ms or s");
	return 0;
}

static void human(char *buf, size_t len, double ns)
{
	if (ns >= 1e9)
		snprintf(buf, len, "%.3f s", ns / 1e9);
	else if (ns >= 1e6)
		snprintf(buf, len, "%.3f ms", ns / 1e6);
	else if (ns >= 1e3)
		snprintf(buf, len, "%.3f us", ns / 1e3);
	else
		snprintf(buf, len, "%.0f ns", ns);
}

int sre_slo_report(FILE *f, const char *tool, struct sre_slo *slos, int n, const char *noun)
{
	int failed = 0;

	for (int i = 0; i < n; i++) {
		struct sre_slo *s = &slos[i];
		uint64_t count = hist_count(&s->hist);
		char got[32], limit[32];

		human(limit, sizeof(limit), (double)s->limit_ns);
		if (!count) {
			fprintf(f, "%s: SLO FAIL %s: no data (0 %s seen)\n", tool, s->expr, noun);
			failed++;
			continue;
		}
		double v = hist_quantile(&s->hist, s->pct / 100, 0);
		bool pass = v < (double)s->limit_ns;

		human(got, sizeof(got), v);
		fprintf(f, "%s: SLO %s %s: p%g = %s (limit %s, %" PRIu64 " %s)\n", tool, pass ? "PASS" : "FAIL", s->expr,
			s->pct, got, limit, count, noun);
		failed += !pass;
	}
	return failed;
}

struct sre_slo *sre_slo_add(const char *tool, struct sre_slo *slos, int n, enum sre_slo_kind kind, const char *expr)
{
	if (n == SRE_SLO_MAX) {
		sre_tool_error(tool, "at most %d --slo", SRE_SLO_MAX);
		return NULL;
	}
	if (sre_slo_parse(tool, expr, &slos[n]))
		return NULL;
	if (slos[n].kind != kind) {
		sre_tool_error(tool, "--slo '%s': %s SLOs belong to %s", expr,
			       slos[n].kind == SRE_SLO_DISK ? "disk" : "syscall",
			       slos[n].kind == SRE_SLO_DISK ? "biolat" : "syslat");
		return NULL;
	}
	return &slos[n];
}
