#!/usr/bin/env bash
# bench/perf.sh: the Go benchmarks docs/performance.md reports, run in
# interleaved rounds (each round runs every benchmark once, -count 1; the
# document takes the median of the rounds). Builds each package's test
# binary once, then runs the rounds. Never touches ./mailops/graph.
#   bash bench/perf.sh [rounds] > perf.txt
# The world benchmarks run twice a round: at Go's default collector target
# and at GOGC=400, the target `mailops simulate` and `mailops worker` run
# worlds with (fake/campaign.TuneGC); lines of the second start with
# "mailflow-gogc400".
# BASE=<dir of another checkout> also runs that checkout's world benchmarks
# in every round (before/after figures). BIG=1 adds the full university
# (100 departments x 1,000 addresses, one run; with BASE, the other
# checkout's too).
set -euo pipefail
cd "$(dirname "$0")/.."
ROUNDS=${1:-3}
export PATH="/usr/local/go/bin:$PATH"
BIN=$(mktemp -d)
build() { (cd "$1" && go test -c -o "$BIN/$2.test" .) }
build fake/sim sim
build fake fake
build mailops mailops
build fake/mailflow mailflow
build fake/dnsserver dnsserver
build dnscheck dnscheck
build fake/smtpserve smtpserve
build fake/campaign campaign
build fake/campaign/campaignq campaignq
build fake/lab lab
if [ -n "${BASE:-}" ]; then build "$BASE/fake/mailflow" base-mailflow; fi

run() { # dir binary bench [benchtime]
	(cd "$1" && "$BIN/$2.test" -test.run '^$' -test.bench "$3" -test.benchmem -test.benchtime "${4:-1s}" 2>&1 | grep -E '^(Benchmark|--- FAIL|\s+\S+_test.go)' | sed "s|^|$2 |") || echo "$2 $3: no result"

}
echo "# $(date -u +%Y-%m-%dT%H:%MZ) $(go version) $(nproc) cores, load $(cut -d' ' -f1-3 /proc/loadavg)"
for r in $(seq "$ROUNDS"); do
	echo "## round $r load $(cut -d' ' -f1-3 /proc/loadavg)"
	run fake/sim sim 'Events|ProcessSwitch$'
	run fake fake 'TenantOps'
	run mailops mailops 'ClientOps|ClientOverScriptDriver'
	run fake/mailflow mailflow '^Benchmark(WorldTraffic|WorldEvents|Consolidation200|HandWrittenConsolidation200)$' 5x
	if [ -n "${BASE:-}" ]; then run "$BASE/fake/mailflow" base-mailflow '^Benchmark(WorldTraffic|WorldEvents|Consolidation200)$' 5x; fi
	# The same worlds at the collector target the mailops command runs them
	# with (campaign.GCPercent), reported as "mailflow-gogc400".
	GOGC=400 run fake/mailflow mailflow '^Benchmark(WorldTraffic|WorldEvents|Consolidation200)$' 5x | sed 's|^mailflow |mailflow-gogc400 |'
	run fake/mailflow mailflow '^Benchmark(SmallConsolidation|SessionInProcess)$'
	run fake/mailflow mailflow '^BenchmarkConsolidation1000$' 2x
	run fake/mailflow mailflow '^BenchmarkBoundedLedger$' 1x
	run fake/mailflow mailflow '^BenchmarkUniversity$/^(10x100|100x100|10x1000)$' 1x
	run fake/dnsserver dnsserver 'ExchangeInProcess$|UDP|ResolverCached'
	run dnscheck dnscheck 'CheckInProcess'
	run fake/smtpserve smtpserve 'Loopback'
	run fake/campaign campaign 'CampaignWorkers' 4x
	run fake/campaign/campaignq campaignq 'QueueSeeds' 16x # PostgreSQL 15's server binaries (internal/pgtest)
	run fake/lab lab '^BenchmarkLab(Day|Days)$' 1x
done
if [ -n "${BIG:-}" ]; then
	echo "## university load $(cut -d' ' -f1-3 /proc/loadavg)"
	/usr/bin/time -f "university 100x1000: user %U s, system %S s, wall %e s, max RSS %M KB" \
		bash -c "cd fake/mailflow && '$BIN/mailflow.test' -test.run '^\$' -test.bench '^BenchmarkUniversity\$/^100x1000\$' -test.benchtime 1x 2>&1 | grep -E '^Benchmark' | sed 's|^|mailflow |'"
	if [ -n "${BASE:-}" ]; then
		/usr/bin/time -f "base university 100x1000: user %U s, system %S s, wall %e s, max RSS %M KB" \
			bash -c "cd fake/mailflow && '$BIN/base-mailflow.test' -test.run '^\$' -test.bench '^BenchmarkUniversity\$/^100x1000\$' -test.benchtime 1x 2>&1 | grep -E '^Benchmark' | sed 's|^|base-mailflow |'"
	fi
fi
rm -rf "$BIN"
