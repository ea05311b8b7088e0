#!/usr/bin/env bash
# bench/anchors.sh: the project's loopback servers measured side by side with
# the bare libraries they are built on and with standard servers, using
# standard load tools, interleaved, three rounds each (the median is
# reported). Installs what it needs from Debian: postfix (smtp-source,
# smtp-sink), dnsperf and nsd. Loopback only. Run as root on a Debian
# machine: bash bench/anchors.sh [rounds]
#
# SMTP: smtp-source sends N messages to
#   project  fake/smtpserve serving a legacy host (every message in the ledger)
#   bare     a bare go-smtp server discarding DATA
#   sink     Postfix's smtp-sink
# in three modes: -s 1 (one session at a time), -s 20 (20 parallel sessions,
# a connection per message), -s 20 -d (20 sessions, connections kept).
# Figures: messages/s and the server's CPU time per message (utime+stime
# from /proc), and the ratios project/bare.
# DNS: dnsperf against project (fake/dnsserver), bare (miekg/dns) and NSD.
# BASE=<dir of another checkout> also runs that checkout's smtp-project in
# the same rounds (the "before" row) and prints its ratios to bare.
# MODES="-s 20" (comma-separated) runs only those SMTP modes.
# PERROUND=1 also prints each SMTP round's figures (messages/s and CPU per
# message of every server, and the ratios to bare in that round).
set -euo pipefail
cd "$(dirname "$0")/.."
ROUNDS=${1:-3}
SCALE=${SCALE:-1} # message counts are multiplied by SCALE (0.1 for a quick check)
DNSSECS=${DNSSECS:-10}
ONLY=${ONLY:-all} # smtp, dns or all
export PATH="/usr/local/go/bin:/usr/sbin:$PATH"

need() { command -v "$1" >/dev/null 2>&1; }
if ! need smtp-source || ! need dnsperf || ! need nsd || ! need dig; then
	echo "anchors: installing postfix, dnsperf and nsd from Debian" >&2
	export DEBIAN_FRONTEND=noninteractive
	apt-get update -qq
	apt-get install -y -qq --no-install-recommends postfix dnsperf nsd bind9-dnsutils >/dev/null
fi

work=$(mktemp -d)
trap 'kill $(jobs -p) 2>/dev/null || true; rm -rf "$work"' EXIT
go build -o "$work/anchorsrv" ./bench/anchorsrv
smtpservers="project bare sink"
if [ -n "${BASE:-}" ]; then
	(cd "$BASE" && go build -o "$work/anchorsrv.base" ./bench/anchorsrv)
	smtpservers="before project bare sink"
fi

# start MODE: starts a server, sets PID and ADDR.
start() {
	case "$1" in
	sink)
		local port=$(( 20000 + RANDOM % 20000 ))
		smtp-sink -u nobody -c "127.0.0.1:$port" 1000 >/dev/null 2>&1 &
		PID=$!; ADDR="127.0.0.1:$port"; sleep 0.3 ;;
	nsd)
		local port=$(( 20000 + RANDOM % 20000 ))
		mkdir -p "$work/nsd"
		cat >"$work/nsd/bench.zone" <<ZONE
\$ORIGIN bench.example.
\$TTL 3600
@ IN SOA ns.bench.example. hostmaster.bench.example. 1 3600 600 86400 3600
@ IN NS ns.bench.example.
@ IN MX 10 mx.bench.example.
@ IN TXT "v=spf1 -all"
mx IN A 192.0.2.25
ns IN A 192.0.2.53
ZONE
		cat >"$work/nsd/nsd.conf" <<CONF
server:
  ip-address: 127.0.0.1@$port
  username: ""
  zonesdir: "$work/nsd"
  database: ""
  pidfile: "$work/nsd/nsd.pid"
  xfrdfile: "$work/nsd/xfrd.state"
  zonelistfile: "$work/nsd/zone.list"
  server-count: $(nproc)
  rrl-ratelimit: 0
  rrl-whitelist-ratelimit: 0
remote-control:
  control-enable: no
zone:
  name: bench.example
  zonefile: bench.zone
CONF
		nsd -d -c "$work/nsd/nsd.conf" >/dev/null 2>&1 &
		PID=$!; ADDR="127.0.0.1:$port"
		for _ in $(seq 50); do
			dig +short +time=1 +tries=1 @127.0.0.1 -p "$port" bench.example MX | grep -q mx && break
			sleep 0.1
		done ;;
	*)
		local bin="$work/anchorsrv" arg=$1
		[ "$1" = smtp-before ] && { bin="$work/anchorsrv.base"; arg=smtp-project; }
		coproc SRV { exec "$bin" "$arg"; }
		read -r word ADDR <&"${SRV[0]}"
		[ "$word" = ready ] || { echo "anchors: $1 did not start" >&2; exit 1; }
		PID=$SRV_PID ;;
	esac
}
stopsrv() { kill "$PID" 2>/dev/null || true; wait "$PID" 2>/dev/null || true; }
cputicks() { awk '{print $14+$15}' "/proc/$1/stat"; }
median() { sort -g | awk '{a[NR]=$1} END{print a[int((NR+1)/2)]}'; }
tck=$(getconf CLK_TCK)

smtp_round() { # server mode-flags count -> "msgs/s cpu_us_per_msg"
	local srv=$1 flags=$2 n=$3
	start "$srv"
	local c0 t0 t1 c1
	c0=$(cputicks "$PID"); t0=$(date +%s.%N)
	# shellcheck disable=SC2086
	smtp-source $flags -m "$n" -f sender@outside.example -t alice@bench.example "$ADDR" >/dev/null 2>&1
	t1=$(date +%s.%N); c1=$(cputicks "$PID")
	stopsrv
	awk -v n="$n" -v t0="$t0" -v t1="$t1" -v c0="$c0" -v c1="$c1" -v tck="$tck" \
		'BEGIN{printf "%.0f %.1f\n", n/(t1-t0), (c1-c0)/tck/n*1e6}'
}

echo "# anchors: $(date -u +%Y-%m-%dT%H:%MZ), $(nproc) cores, $(go version | awk '{print $3}'), $ROUNDS rounds, medians"
if [ "$ONLY" != dns ]; then
echo
echo "| SMTP mode | server | messages/s | server CPU per message (µs) |"
echo "|---|---|---|---|"
declare -A rate cpu
IFS=, read -ra modes <<<"${MODES:--s 1,-s 20,-s 20 -d}"
for mode in "${modes[@]}"; do
	n=$(awk -v s="$SCALE" "BEGIN{print int(10000*s)}"); [ "$mode" = "-s 1" ] && n=$(awk -v s="$SCALE" "BEGIN{print int(2000*s)}")
	for srv in $smtpservers; do : >"$work/r.$srv"; done
	for r in $(seq "$ROUNDS"); do
		for srv in $smtpservers; do
			s=$srv; [ "$srv" != sink ] && s="smtp-$srv"
			smtp_round "$s" "$mode" "$n" >>"$work/r.$srv"
		done
	done
	for srv in $smtpservers; do
		rate[$srv]=$(awk '{print $1}' "$work/r.$srv" | median)
		cpu[$srv]=$(awk '{print $2}' "$work/r.$srv" | median)
		echo "| \`$mode\` | $srv | ${rate[$srv]} | ${cpu[$srv]} |"
	done
	awk -v pr="${rate[project]}" -v br="${rate[bare]}" -v pc="${cpu[project]}" -v bc="${cpu[bare]}" -v sr="${rate[sink]}" -v m="$mode" \
		'BEGIN{printf "| `%s` | **project/bare** | **%.2fx** | **%.2fx** (bare/sink %.2fx) |\n", m, pr/br, pc/bc, br/sr}'
	if [ -n "${BASE:-}" ]; then
		awk -v pr="${rate[before]}" -v br="${rate[bare]}" -v pc="${cpu[before]}" -v bc="${cpu[bare]}" -v m="$mode" \
			'BEGIN{printf "| `%s` | before/bare | %.2fx | %.2fx |\n", m, pr/br, pc/bc}'
	fi
	if [ -n "${PERROUND:-}" ]; then
		for srv in $smtpservers; do
			paste -d' ' "$work/r.$srv" "$work/r.bare" | awk -v m="$mode" -v s="$srv" \
				'{printf "%s round %d `%s` %s: %s msgs/s, %s µs/msg; /bare %.2fx, %.2fx\n", "#", NR, m, s, $1, $2, $1/$3, $2/$4}'
		done
	fi
done
fi
[ "$ONLY" = smtp ] && exit 0

echo
echo "| DNS server | queries/s (dnsperf, 10 s, 4 clients) |"
echo "|---|---|"
printf 'bench.example MX\nmx.bench.example A\nbench.example TXT\n' >"$work/queries"
declare -A qps
for srv in project bare nsd; do : >"$work/d.$srv"; done
for r in $(seq "$ROUNDS"); do
	for srv in project bare nsd; do
		s=$srv; [ "$srv" != nsd ] && s="dns-$srv"
		start "$s"
		host=${ADDR%:*}; port=${ADDR##*:}
		dnsperf -s "$host" -p "$port" -d "$work/queries" -l "$DNSSECS" -c 4 -q 200 2>/dev/null | awk '/Queries per second/{print $4}' >>"$work/d.$srv"
		stopsrv
	done
done
for srv in project bare nsd; do
	qps[$srv]=$(median <"$work/d.$srv")
	echo "| $srv | ${qps[$srv]} |"
done
awk -v p="${qps[project]}" -v b="${qps[bare]}" -v n="${qps[nsd]}" 'BEGIN{printf "| **project/bare** | **%.2fx** (nsd/bare %.2fx) |\n", p/b, n/b}'
