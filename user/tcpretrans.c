/* tcpretrans: TCP retransmits as events, or per flow with the retransmit
 * rate, with the socket's owning process. */
#include <arpa/inet.h>
#include <errno.h>
#include <stddef.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include "bpf/stack.h"
#include "bpf/common.h"
#include "bpf/tcpretrans.h"
#include "tcpretrans.skel.h"
#include "lib/bpf/tool.h"
#include "lib/bpf/load.h"
#include "lib/core/clock.h"
#include "lib/core/json.h"
#include "lib/sym/ksyms.h"
#include "lib/core/opts.h"
#include "lib/core/output.h"
#include "lib/core/parse.h"
#include "lib/bpf/runloop.h"
#include "lib/bpf/session.h"
#include "tools.h"

enum { OPT_LADDR = 1000, OPT_RADDR, OPT_PORT, OPT_STACK };

struct tcpretrans_run {
	struct tcpretrans_cfg cfg;
	struct tcpretrans_bpf *skel;
	struct sre_session *session;
	struct ring_buffer *rb;
	struct ksyms *ksyms;
	uint64_t failed; /* events with err != 0: attempts that sent nothing */
};

static const struct option tcpretrans_long[] = {
	{ "aggregate", no_argument, NULL, 'A' },
	{ "ipv4", no_argument, NULL, '4' },
	{ "ipv6", no_argument, NULL, '6' },
	{ "laddr", required_argument, NULL, OPT_LADDR },
	{ "raddr", required_argument, NULL, OPT_RADDR },
	{ "port", required_argument, NULL, OPT_PORT },
	{ "stack", no_argument, NULL, OPT_STACK },
	{ 0 },
};

static const char *const tcp_states[] = {
	"UNKNOWN", "ESTABLISHED", "SYN_SENT", "SYN_RECV", "FIN_WAIT1", "FIN_WAIT2", "TIME_WAIT",
	"CLOSE", "CLOSE_WAIT", "LAST_ACK", "LISTEN", "CLOSING", "NEW_SYN_RECV", "BOUND_INACTIVE",
};

static const char *state_name(uint32_t s)
{
	return s < sizeof(tcp_states) / sizeof(tcp_states[0]) ? tcp_states[s] : "UNKNOWN";
}

static int parse_addr(const char *opt, const char *arg, uint8_t *out, uint16_t *family)
{
	memset(out, 0, 16);
	if (inet_pton(AF_INET, arg, out) == 1) {
		*family = AF_INET;
		return 0;
	}
	if (inet_pton(AF_INET6, arg, out) == 1) {
		*family = AF_INET6;
		return 0;
	}
	sre_tool_error("tcpretrans", "invalid %s '%s': want an IPv4 or IPv6 address", opt, arg);
	return -EINVAL;
}

static int tcpretrans_option(int key, const char *arg, void *ctx)
{
	struct tcpretrans_cfg *cfg = ctx;
	uint64_t v;

	switch (key) {
	case '4':
	case '6':
		if (cfg->family) {
			sre_tool_error("tcpretrans", "-4 and -6 together: leave both out for both");
			return -EINVAL;
		}
		cfg->family = key == '4' ? AF_INET : AF_INET6;
		return 0;
	case OPT_LADDR:
		cfg->has_laddr = true;
		return parse_addr("--laddr", arg, cfg->laddr, &cfg->laddr_family);
	case OPT_RADDR:
		cfg->has_raddr = true;
		return parse_addr("--raddr", arg, cfg->raddr, &cfg->raddr_family);
	case OPT_PORT:
		if (sre_opt_uint("tcpretrans", "--port", arg, 1, 65535, &v))
			return -EINVAL;
		cfg->port = (uint16_t)v;
		return 0;
	}
	return -EINVAL;
}

static const struct sre_switch tcpretrans_switches[] = {
	{ 'A', offsetof(struct tcpretrans_cfg, aggregate) },
	{ OPT_STACK, offsetof(struct tcpretrans_cfg, stack) },
	{ 0 },
};

static const struct sre_tool_spec tcpretrans_spec = {
	.name = "tcpretrans",
	.summary = "TCP retransmits per event or per flow, with the retransmit rate and the socket's owner.",
	.options_help =
		"  -A, --aggregate         one line per flow: retransmitted segments and rate\n"
		"  -4, --ipv4              IPv4 only\n"
		"  -6, --ipv6              IPv6 only\n"
		"      --laddr ADDR        only this local address\n"
		"      --raddr ADDR        only this remote address\n"
		"      --port PORT         only flows with this local or remote port\n"
		"      --stack             kernel stack of each retransmit\n",
	.examples =
		"  sretrace tcpretrans                   every retransmit as it happens\n"
		"  sretrace tcpretrans -A 30             per-flow summary over 30 s\n"
		"  sretrace tcpretrans --raddr 10.0.0.5 --port 5432\n"
		"  sretrace tcpretrans -f json -- ./client   only the client's sockets\n",
	.positional = SRE_POS_DURATION,
	.formats = SRE_FMT_TEXT | SRE_FMT_JSON,
	.short_opts = "A46",
	.long_opts = tcpretrans_long,
	.switches = tcpretrans_switches,
	.on_option = tcpretrans_option,
};

static int tcpretrans_check(const struct sre_opts *o, void *c)
{
	struct tcpretrans_cfg *cfg = c;

	if (cfg->aggregate && cfg->stack) {
		sre_error(o, "--stack is per event: it does not combine with -A");
		return -EINVAL;
	}
	if (cfg->family && ((cfg->has_laddr && cfg->laddr_family != cfg->family) ||
			    (cfg->has_raddr && cfg->raddr_family != cfg->family))) {
		sre_error(o, "address family of --laddr/--raddr contradicts -4/-6");
		return -EINVAL;
	}
	if (!cfg->family && (cfg->has_laddr || cfg->has_raddr))
		cfg->family = cfg->has_laddr ? cfg->laddr_family : cfg->raddr_family;
	if (cfg->has_laddr && cfg->has_raddr && cfg->laddr_family != cfg->raddr_family) {
		sre_error(o, "--laddr and --raddr are of different address families");
		return -EINVAL;
	}
	return 0;
}

int tcpretrans_load(void **probe, const struct sre_opts *o, pid_t command_pid, void *c)
{
	const struct tcpretrans_cfg *cfg = c;
	int nargs = sre_tracepoint_nargs("tcp_retransmit_skb");
	struct tcpretrans_bpf *skel;
	int err;

	if (nargs < 0) {
		sre_error(o, "this kernel has no tcp_retransmit_skb tracepoint");
		return -ENOENT;
	}
	skel = tcpretrans_bpf__open();
	if (!skel) {
		sre_error(o, "cannot open the tcpretrans programs: %s", strerror(errno));
		return -errno;
	}
	sre_filter_configure(&skel->rodata->filter_cfg, skel->obj, o);
	skel->rodata->has_err_arg = nargs >= 3;
	skel->rodata->aggregate = cfg->aggregate;
	skel->rodata->with_stack = cfg->stack;
	skel->rodata->only_family = cfg->family;
	skel->rodata->filter_laddr = cfg->has_laddr;
	skel->rodata->filter_raddr = cfg->has_raddr;
	memcpy((void *)skel->rodata->laddr, cfg->laddr, 16);
	memcpy((void *)skel->rodata->raddr, cfg->raddr, 16);
	skel->rodata->only_port = cfg->port;
	skel->rodata->filter_owner = o->npids || o->ntids || o->comm[0] || o->cgroup || o->command;
	/* Owners of accepted sockets come from send/recv, traced since 6.3. */
	if (sre_tracepoint_nargs("tcp_retransmit_synack") < 0)
		bpf_program__set_autoload(skel->progs.retransmit_synack_btf, false);
	if (sre_tracepoint_nargs("sock_send_length") < 0) {
		bpf_program__set_autoload(skel->progs.sock_send_btf, false);
		bpf_program__set_autoload(skel->progs.sock_recv_btf, false);
	}
	if (cfg->aggregate)
		bpf_map__set_max_entries(skel->maps.events, (uint32_t)sysconf(_SC_PAGESIZE));
	if (!cfg->stack)
		bpf_map__set_max_entries(skel->maps.stacks, 1);
	err = sre_load_attach(skel->skeleton, "tcpretrans", o, command_pid);
	if (err) {
		tcpretrans_bpf__destroy(skel);
		return err;
	}
	*probe = skel;
	return 0;
}

void tcpretrans_unload(void *probe)
{
	tcpretrans_bpf__destroy(probe);
}

static void format_addr(const struct tcp_flow *f, const uint8_t *addr, char *buf, size_t len)
{
	if (!inet_ntop(f->family == AF_INET ? AF_INET : AF_INET6, addr, buf, (socklen_t)len))
		snprintf(buf, len, "?");
}

/* The kernel stack of an event: one frame a line, or into j as "stack". */
static void print_stack(struct tcpretrans_run *run, uint64_t id, struct sre_json *j)
{
	FILE *f = run->session->out.f;
	struct stack_trace st;
	uint64_t off;

	if (j)
		sre_json_array(j, "stack");
	if (id && !bpf_map_lookup_elem(bpf_map__fd(run->skel->maps.stacks), &id, &st)) {
		for (uint32_t i = 0; i < st.nr && i < STACK_MAX_DEPTH; i++) {
			const char *name = run->ksyms ? ksyms_lookup(run->ksyms, st.ips[i], &off) : NULL;
			char addr[32];

			if (name && ksyms_is_bpf(name))
				continue;
			snprintf(addr, sizeof(addr), "0x%" PRIx64, (uint64_t)st.ips[i]);
			if (j)
				sre_json_string(j, NULL, name ? name : addr);
			else
				fprintf(f, "        %s\n", name ? name : addr);
		}
	}
	if (j)
		sre_json_end(j);
}

static int on_event(void *ctx, void *data, size_t len)
{
	struct tcpretrans_run *run = ctx;
	const struct tcpretrans_event *e = data;
	FILE *f = run->session->out.f;
	char ts[32], sa[INET6_ADDRSTRLEN], da[INET6_ADDRSTRLEN];

	if (len < sizeof(*e))
		return 0;
	if (e->err)
		run->failed++;
	sre_event_time(e->ts_ns, ts, sizeof(ts));
	format_addr(&e->flow, e->flow.saddr, sa, sizeof(sa));
	format_addr(&e->flow, e->flow.daddr, da, sizeof(da));
	if (run->session->opts.format == SRE_FMT_JSON) {
		struct sre_json j;

		sre_json_event(&j, f, ts, e->pid, e->comm);
		sre_json_string(&j, "saddr", sa);
		sre_json_uint(&j, "sport", e->flow.sport);
		sre_json_string(&j, "daddr", da);
		sre_json_uint(&j, "dport", e->flow.dport);
		sre_json_string(&j, "state", state_name(e->state));
		sre_json_uint(&j, "segs", e->segs);
		sre_json_int(&j, "err", e->err);
		if (run->cfg.stack)
			print_stack(run, e->kstack, &j);
		sre_json_end(&j);
	} else {
		char l[INET6_ADDRSTRLEN + 8], r[INET6_ADDRSTRLEN + 8];

		snprintf(l, sizeof(l), e->flow.family == AF_INET ? "%s:%u" : "[%s]:%u", sa, e->flow.sport);
		snprintf(r, sizeof(r), e->flow.family == AF_INET ? "%s:%u" : "[%s]:%u", da, e->flow.dport);
		fprintf(f, "%-15s %-7u %-16s %-28s %-28s %-12s %4u %d\n", ts, e->pid, e->pid ? e->comm : "-", l, r,
			state_name(e->state), e->segs, e->err);
		if (run->cfg.stack)
			print_stack(run, e->kstack, NULL);
	}
	return sre_output_error(f);
}

struct flow_row {
	struct tcp_flow flow;
	struct tcpretrans_flow_stats st;
};

static int cmp_flow(const void *a, const void *b)
{
	const struct flow_row *x = a, *y = b;

	if (x->st.retrans_segs != y->st.retrans_segs)
		return x->st.retrans_segs > y->st.retrans_segs ? -1 : 1;
	return memcmp(&x->flow, &y->flow, sizeof(x->flow));
}

int tcpretrans_print_flows(FILE *f, int fd, bool json)
{
	struct tcp_flow key, cur, *prev = NULL;
	struct flow_row *rows = NULL;
	size_t n = 0, cap = 0;
	struct sre_json j;

	while (!bpf_map_get_next_key(fd, prev, &key)) {
		if (n == cap) {
			struct flow_row *g = realloc(rows, (cap = cap ? cap * 2 : 64) * sizeof(*rows));

			if (!g) {
				free(rows);
				return -ENOMEM;
			}
			rows = g;
		}
		cur = key;
		prev = &cur;
		rows[n].flow = cur;
		if (!bpf_map_lookup_elem(fd, &cur, &rows[n].st))
			n++;
	}
	if (n)
		qsort(rows, n, sizeof(*rows), cmp_flow);
	/* One document a flow, each its own line. */
	sre_json_init(&j, f);
	if (!json)
		fprintf(f, "%-28s %-28s %8s %8s %6s %10s %10s %7s %-7s %s\n", "LADDR:LPORT", "RADDR:RPORT", "RETRANS",
			"EVENTS", "FAILED", "SEGS_OUT", "TOT_RETR", "RATE%", "PID", "COMM");
	for (size_t i = 0; i < n; i++) {
		const struct flow_row *r = &rows[i];
		char sa[INET6_ADDRSTRLEN], da[INET6_ADDRSTRLEN];
		double rate = r->st.segs_out ? 100.0 * r->st.total_retrans / r->st.segs_out : 0;

		format_addr(&r->flow, r->flow.saddr, sa, sizeof(sa));
		format_addr(&r->flow, r->flow.daddr, da, sizeof(da));
		if (json) {
			sre_json_object(&j, NULL);
			sre_json_string(&j, "saddr", sa);
			sre_json_uint(&j, "sport", r->flow.sport);
			sre_json_string(&j, "daddr", da);
			sre_json_uint(&j, "dport", r->flow.dport);
			sre_json_uint(&j, "retrans_segs", r->st.retrans_segs);
			sre_json_uint(&j, "events", r->st.events);
			sre_json_uint(&j, "failed", r->st.failed);
			sre_json_uint(&j, "segs_out", r->st.segs_out);
			sre_json_uint(&j, "total_retrans", r->st.total_retrans);
			sre_json_fixed(&j, "rate", rate / 100, 6);
			sre_json_string(&j, "state", state_name(r->st.state));
			sre_json_uint(&j, "pid", r->st.pid);
			sre_json_string(&j, "comm", r->st.comm);
			sre_json_end(&j);
		} else {
			char l[INET6_ADDRSTRLEN + 8], rr[INET6_ADDRSTRLEN + 8];

			snprintf(l, sizeof(l), r->flow.family == AF_INET ? "%s:%u" : "[%s]:%u", sa, r->flow.sport);
			snprintf(rr, sizeof(rr), r->flow.family == AF_INET ? "%s:%u" : "[%s]:%u", da, r->flow.dport);
			fprintf(f, "%-28s %-28s %8" PRIu64 " %8" PRIu64 " %6" PRIu64 " %10u %10u %7.2f %-7u %s\n", l, rr,
				(uint64_t)r->st.retrans_segs, (uint64_t)r->st.events, (uint64_t)r->st.failed,
				r->st.segs_out, r->st.total_retrans,
				rate, r->st.pid, r->st.pid ? r->st.comm : "-");
		}
	}
	free(rows);
	return 0;
}

static int report(void *ctx, bool final)
{
	struct tcpretrans_run *run = ctx;
	uint64_t cnt[SRE_CNT_MAX];
	int err = 0;

	(void)final;
	if (run->cfg.aggregate)
		err = tcpretrans_print_flows(run->session->out.f, bpf_map__fd(run->skel->maps.flows),
					     run->session->opts.format == SRE_FMT_JSON);
	sre_read_counters(bpf_map__fd(run->skel->maps.sre_counters), cnt);
	if (!run->cfg.aggregate || cnt[SRE_CNT_DROPS] || cnt[SRE_CNT_MISSED]) {
		/* With -A the failed attempts are per flow (FAILED column). */
		char failed[64] = "";

		if (!run->cfg.aggregate)
			snprintf(failed, sizeof(failed), " (%" PRIu64 " failed attempts: err != 0, nothing sent)",
				 run->failed);
		fprintf(stderr, "tcpretrans: %" PRIu64 " retransmits%s, %" PRIu64 " events dropped (ring buffer full), %"
				PRIu64 " missed (map full)\n",
			cnt[SRE_CNT_EVENTS], failed, cnt[SRE_CNT_DROPS], cnt[SRE_CNT_MISSED]);
	}
	if (cnt[SRE_CNT_UNOWNED])
		fprintf(stderr,
			"tcpretrans: %" PRIu64 " retransmits left out on sockets whose owner was not seen (no send, receive or connect since the start)\n",
			cnt[SRE_CNT_UNOWNED]);
	return err ? err : sre_output_flush(&run->session->out);
}

static int tcpretrans_start(void *r, void *probe, struct sre_session *s, struct sre_loop *l)
{
	struct tcpretrans_run *run = r;
	int err;

	run->skel = probe;
	run->session = s;
	if (run->cfg.stack)
		run->ksyms = ksyms_load();
	if (!run->cfg.aggregate) {
		run->rb = sre_session_ring_buffer(s, bpf_map__fd(run->skel->maps.events), on_event, run, &err);
		if (!run->rb)
			return err;
		if (s->opts.format == SRE_FMT_TEXT)
			fprintf(s->out.f, "%-15s %-7s %-16s %-28s %-28s %-12s %4s %s\n", "TIME", "PID", "COMM",
				"LADDR:LPORT", "RADDR:RPORT", "STATE", "SEGS", "ERR");
	}
	*l = (struct sre_loop){
		.rb = run->rb,
		.counters_fd = bpf_map__fd(run->skel->maps.sre_counters),
		.report = report,
		.ctx = run,
	};
	return 0;
}

static void tcpretrans_stop(void *r)
{
	struct tcpretrans_run *run = r;

	ring_buffer__free(run->rb);
	if (run->ksyms)
		ksyms_free(run->ksyms);
}

const struct sre_tool tcpretrans_tool = {
	.spec = &tcpretrans_spec,
	.run_size = sizeof(struct tcpretrans_run),
	.cfg_offset = offsetof(struct tcpretrans_run, cfg),
	.check = tcpretrans_check,
	.load = tcpretrans_load,
	.unload = tcpretrans_unload,
	.start = tcpretrans_start,
	.stop = tcpretrans_stop,
};
