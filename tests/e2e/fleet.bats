#!/usr/bin/env bats
# A fleet in one machine: three network namespaces act as three hosts, each
# running `sretrace serve` on its own address; a real Prometheus in a fourth
# namespace scrapes them over veth pairs, and its HTTP API must report three
# targets up and a p99 syscall latency.

load helpers
bats_require_minimum_version 1.5.0

setup() {
	[ "$(id -u)" = 0 ] || skip "needs root"
	command -v prometheus >/dev/null || skip "prometheus not installed"
	T=$BATS_TEST_TMPDIR
	P=sre-prom-$$
	ip netns add "$P"
	ip -n "$P" link set lo up
	PIDS=()
	for i in 1 2 3; do
		ns=sre-host$i-$$
		ip netns add "$ns"
		ip -n "$ns" link set lo up
		ip link add "sre$i-$$" netns "$P" type veth peer name eth0 netns "$ns"
		ip -n "$P" addr add "10.77.$i.1/24" dev "sre$i-$$"
		ip -n "$P" link set "sre$i-$$" up
		ip -n "$ns" addr add "10.77.$i.2/24" dev eth0
		ip -n "$ns" link set eth0 up
	done
}

teardown() {
	for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null; done
	wait 2>/dev/null
	for i in 1 2 3; do ip netns del "sre-host$i-$$" 2>/dev/null; done
	ip netns del "sre-prom-$$" 2>/dev/null
	true
}

# An instant query against Prometheus; prints the JSON result array.
query() {
	ip netns exec "$P" curl -sf --get "http://127.0.0.1:9090/api/v1/query" --data-urlencode "query=$1" | jq -c '.data.result'
}

@test "fleet: Prometheus scrapes three sretrace serve hosts; up == 3 and a p99 comes back" {
	for i in 1 2 3; do
		ip netns exec "sre-host$i-$$" "$SRE" serve --listen "10.77.$i.2:9464" --tools syslat 2>"$T/serve$i.err" &
		PIDS+=($!)
	done
	cat >"$T/prometheus.yml" <<-YML
	global:
	  scrape_interval: 1s
	  evaluation_interval: 1s
	scrape_configs:
	  - job_name: sretrace
	    static_configs:
	      - targets: ['10.77.1.2:9464', '10.77.2.2:9464', '10.77.3.2:9464']
	YML
	promtool check config "$T/prometheus.yml" >/dev/null
	ip netns exec "$P" prometheus --config.file="$T/prometheus.yml" --storage.tsdb.path="$T/tsdb" \
		--web.listen-address=127.0.0.1:9090 --log.level=warn >"$T/prom.log" 2>&1 &
	PIDS+=($!)
	up= p99=
	for _ in $(seq 60); do
		"$WL" -n sre_fleet -g 2000 -s 2 -u 1000
		up=$(query 'sum(up{job="sretrace"})' | jq -r '.[0].value[1] // empty' 2>/dev/null)
		p99=$(query 'histogram_quantile(0.99, sum by (le) (rate(sretrace_syscall_latency_seconds_bucket[1m])))' |
			jq -r '.[0].value[1] // empty' 2>/dev/null)
		[ "$up" = 3 ] && [ -n "$p99" ] && [ "$p99" != NaN ] && break
		sleep 1
	done
	echo "up $up, p99 ${p99}s" >&3
	[ "$up" = 3 ]
	awk -v v="$p99" 'BEGIN { exit !(v > 0 && v < 100) }'
	# Each target is its own instance, all healthy.
	[ "$(query 'up{job="sretrace"} == 1' | jq length)" -eq 3 ]
}
