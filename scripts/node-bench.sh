#!/usr/bin/env bash
# Node benchmark (docs/benchmarks.md): 4 federation + 4 audit node processes on loopback with TLS,
# driven by `medledger load`; prints the load line, each node's CPU per final entry as a ratio to
# one Ed25519 verification measured in the same run, and the load average.
# Usage: scripts/node-bench.sh [RATE] [DURATION_S]   (after `mvn -q package -DskipTests`)
# NODE_BENCH_JFR=DIR records a JFR profile of node-1 (federation) and node-5 (audit) into DIR.
set -euo pipefail
here=$(CDPATH= cd -- "$(dirname -- "$0")/.." && pwd)
rate=${1:-1000}
duration=${2:-30}
dir=$(mktemp -d)
pids=()
cleanup() { for p in "${pids[@]}"; do kill -9 "$p" 2>/dev/null || true; done; rm -rf "$dir"; }
trap cleanup EXIT
trap 'exit 143' TERM INT # so that a timeout still runs the cleanup
ml() { "$here/bin/medledger" "$@"; }
ml testnet --dir "$dir/net" --federation 4 --audit 4 --batch-delay-ms 100 --max-block-entries 250 >/dev/null
for i in 1 2 3 4 5 6 7 8; do
  jfr=""
  if [ -n "${NODE_BENCH_JFR:-}" ] && { [ "$i" = 1 ] || [ "$i" = 5 ]; }; then
    jfr="-XX:StartFlightRecording=filename=$NODE_BENCH_JFR/node-$i.jfr,settings=profile"
  fi
  MEDLEDGER_JAVA_OPTS="-Xmx512m -XX:+UseSerialGC $jfr" "$here/bin/medledger" node run --dir "$dir/net/node-$i" >"$dir/out-$i" 2>"$dir/err-$i" &
  pids+=($!)
done
for i in 1 2 3 4 5 6 7 8; do
  for _ in $(seq 1 600); do grep -q '"started"' "$dir/out-$i" 2>/dev/null && break; sleep 0.2; done
done
# warm-up: a fresh JVM runs interpreted until the JIT compiles its hot code (AES-GCM's GHASH, Ed25519,
# the codecs), which on a loaded host takes tens of seconds; the measured phase starts after it
ml load --client "$dir/net/client.json" --rate 100 --duration 10 --wait 30 >/dev/null || true
ticks=$(getconf CLK_TCK)
cpu() { # total user+system ticks of process $1 (bin/medledger execs java, so the pid is the JVM)
  awk '{print $14+$15}' "/proc/$1/stat"
}
declare -a before
for k in "${!pids[@]}"; do before[$k]=$(cpu "${pids[$k]}"); done
load_before=$(cut -d' ' -f1-3 /proc/loadavg)
# user+system seconds of this shell's reaped children (the load generator below), from `times`
# (run in this shell, not in $(...): a subshell's children are its own)
children_cpu() { tail -n 1 "$dir/times" | tr 'ms' '  ' | awk '{print $1*60+$2+$3*60+$4}'; }
times >"$dir/times"
gen_before=$(children_cpu)
line=$(ml load --client "$dir/net/client.json" --rate "$rate" --duration "$duration" --wait 60 | tail -n 1)
load_after=$(cut -d' ' -f1-3 /proc/loadavg)
times >"$dir/times"
gen_after=$(children_cpu)
if [ -n "${NODE_BENCH_JFR:-}" ]; then # the nodes are killed with -9 below, so dump the recordings now
  for k in 0 4; do jcmd "${pids[$k]}" JFR.dump filename="$NODE_BENCH_JFR/node-$((k+1)).jfr" >/dev/null || true; done
fi
final=$(sed -E 's/.*final=([0-9]+).*/\1/' <<<"$line")
verify_us=$(ml bench ed25519-verify --count 3000 | sed -E 's/.*=//')
echo "$line"
echo "ed25519_verify_us=$verify_us load_before=[$load_before] load_after=[$load_after]"
awk -v b="$gen_before" -v a="$gen_after" -v f="$final" -v v="$verify_us" 'BEGIN { s=a-b; per=(f>0)? s/f*1e6 : 0;
  printf "load-generator cpu_s=%.2f us_per_final_entry=%.1f ratio_to_verify=%.2f (same 2 cores as the nodes)\n", s, per, (v>0)? per/v : 0 }'
for k in "${!pids[@]}"; do
  after=$(cpu "${pids[$k]}")
  awk -v b="${before[$k]}" -v a="$after" -v t="$ticks" -v f="$final" -v v="$verify_us" -v n="$((k+1))" \
    'BEGIN { s=(a-b)/t; per=(f>0)? s/f*1e6 : 0; printf "node-%d cpu_s=%.2f us_per_final_entry=%.1f ratio_to_verify=%.2f\n", n, s, per, (v>0)? per/v : 0 }'
done
