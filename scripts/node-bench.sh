#!/usr/bin/env bash
# Node benchmark (docs/benchmarks.md): 4 federation + 4 audit node processes on loopback with TLS,
# driven by `medledger load`; prints the load line, each node's CPU per final entry as a ratio to
# one Ed25519 verification measured in the same run, and the load average.
# Usage: scripts/node-bench.sh [RATE] [DURATION_S]   (after `mvn -q package -DskipTests`)
# NODE_BENCH_JFR=DIR records a JFR profile of node-1 (federation) and node-5 (audit) into DIR.
# NODE_BENCH_PERF=DIR samples node-1 and node-5 with `perf record` (all threads, native code
# included) during the measured load, and writes each JVM's map of compiled code beside it; the
# load generator is sampled too, whole (generator.data).
# NODE_BENCH_WARMUP="RATE SECONDS" sets the unmeasured warm-up load (default "300 300").
# NODE_BENCH_WARMUP_AT_RATE=SECONDS: the measured load command first runs that long at RATE,
# unmeasured (`load --warmup`, default 60; 0 skips it), so that the code paths of the measured load
# are compiled, in the nodes and in the generator, before the timed phase.
# NODE_BENCH_HEAP sets each node's heap and collector (default "-Xmx768m -Xmn384m -XX:+UseSerialGC":
# docs/benchmarks.md, the young generation sized for the collector's CPU); NODE_BENCH_JAVA_OPTS adds
# further JVM options to the node processes.
# NODE_BENCH_BLOCK sets the testnet's max_block_entries (default 1000, the node's own default).
# NODE_BENCH_PROBE=0 skips the second measurement of the yardstick, halfway through the timed phase.
# Each node's line also gives the CPU of its JIT-compiler, GC and RocksDB threads and its system time.
set -euo pipefail
here=$(CDPATH= cd -- "$(dirname -- "$0")/.." && pwd)
rate=${1:-1000}
duration=${2:-30}
dir=$(mktemp -d)
pids=()
load_pid=""
probe_pid=""
cleanup() { for p in "${pids[@]}" $load_pid $probe_pid; do kill -9 "$p" 2>/dev/null || true; done; rm -rf "$dir"; }
trap cleanup EXIT
trap 'exit 143' TERM INT # so that a timeout still runs the cleanup
ml() { "$here/bin/medledger" "$@"; }
# node-1's "height entries" (its ledger's entry count). The query starts a JVM, which on the busy
# cores takes seconds, so the blocks between two queries are not exactly the window's; their mean
# size is taken from the entries they hold, not from the window's final count.
height() { ml node status --dir "$dir/net/node-1" 2>/dev/null | sed -E 's/.*"height":([0-9]+).*"entries":([0-9]+).*/\1 \2/'; }
ml testnet --dir "$dir/net" --federation 4 --audit 4 --batch-delay-ms 100 --max-block-entries "${NODE_BENCH_BLOCK:-1000}" >/dev/null
for i in 1 2 3 4 5 6 7 8; do
  jfr=""
  if [ -n "${NODE_BENCH_JFR:-}" ] && { [ "$i" = 1 ] || [ "$i" = 5 ]; }; then
    jfr="-XX:StartFlightRecording=filename=$NODE_BENCH_JFR/node-$i.jfr,settings=profile"
  fi
  MEDLEDGER_JAVA_OPTS="${NODE_BENCH_HEAP:--Xmx768m -Xmn384m -XX:+UseSerialGC} ${NODE_BENCH_JAVA_OPTS:-} $jfr" "$here/bin/medledger" node run --dir "$dir/net/node-$i" >"$dir/out-$i" 2>"$dir/err-$i" &
  pids+=($!)
done
for i in 1 2 3 4 5 6 7 8; do
  for _ in $(seq 1 600); do grep -q '"started"' "$dir/out-$i" 2>/dev/null && break; sleep 0.2; done
done
# warm-up: fresh node JVMs keep their JIT compilers busy for minutes under load (docs/benchmarks.md,
# "Fresh JVMs"); the measured phase starts after it
read -r warm_rate warm_s <<<"${NODE_BENCH_WARMUP:-300 300}"
ml load --client "$dir/net/client.json" --rate "$warm_rate" --duration "$warm_s" --wait 120 >/dev/null || true
# The height queries around the timed phase open a client connection to node-1. The first such
# connection deoptimizes node-1's compiled transport code (its pipeline meets new handler types),
# which then recompiles; that happens here, in the warm-up, and not in the timed phase.
height >/dev/null || true
warm_at_rate=${NODE_BENCH_WARMUP_AT_RATE:-60}
# The measured load command first runs its own warm-up at RATE (`load --warmup`): the nodes' and its
# own compilers then do their work before the timed phase, whose start it announces with a line
# {"warmup_submitted":...}; everything below is measured from that line on.
gen_perf=()
if [ -n "${NODE_BENCH_PERF:-}" ]; then # the load generator too (perf's own CPU then counts as the generator's)
  gen_perf=(perf record -F 997 -g -o "$NODE_BENCH_PERF/generator.data" --)
fi
MEDLEDGER_JAVA_OPTS="${NODE_BENCH_PERF:+-XX:+PreserveFramePointer -XX:+UnlockDiagnosticVMOptions -XX:+DumpPerfMapAtExit}" \
  "${gen_perf[@]}" "$here/bin/medledger" load --client "$dir/net/client.json" --rate "$rate" --duration "$duration" \
  --wait 180 --warmup "$warm_at_rate" >"$dir/load.out" 2>"$dir/load.err" &
load_pid=$!
gen_java=$load_pid
if [ -n "${NODE_BENCH_PERF:-}" ]; then
  for _ in $(seq 1 100); do gen_java=$(pgrep -P "$load_pid" java || true); [ -n "$gen_java" ] && break; sleep 0.1; done
fi
if [ "$warm_at_rate" -gt 0 ]; then
  while ! grep -q '"warmup_submitted"' "$dir/load.out" 2>/dev/null; do
    kill -0 "$load_pid" 2>/dev/null || { echo "node-bench: the load command ended before its timed phase:" >&2; cat "$dir/load.err" >&2; exit 2; }
    sleep 0.1
  done
fi
ticks=$(getconf CLK_TCK)
cpu() { # total user+system ticks of process $1 (bin/medledger execs java, so the pid is the JVM)
  awk '{print $14+$15}' "/proc/$1/stat"
}
sys_ticks() { awk '{print $15}' "/proc/$1/stat"; }
# per-thread CPU ticks of a process, "tid name ticks" per line (names with spaces joined by _)
# (one awk over every thread's stat file, so that eight processes are read within a fraction of a
# second: the timed phase is already running when they are read)
thread_ticks() {
  awk '{ o = index($0, "("); c = 0; for (i = length($0); i > o; i--) if (substr($0, i, 1) == ")") { c = i; break }
         name = substr($0, o + 1, c - o - 1); gsub(/ /, "_", name); split(substr($0, c + 2), f, " ")
         print $1, name, f[12] + f[13] }' /proc/"$1"/task/*/stat 2>/dev/null || true
}
# ticks of a process's threads whose name (spaces as _) matches $2
threads_cpu() { thread_ticks "$1" | awk -v re="$2" '$2 ~ re {s+=$3} END {print s+0}'; }
jit_re='^C[12]_CompilerThre'
gc_re='^(GC_|VM_Thread|G1_|Parallel_GC|Shenandoah|Z(Driver|Director|Worker|Stat|Unmapper))'
rocks_re='^rocksdb:'
# every node's counters in ticks, "cpu jit gc rocksdb system" per node, into the array named $1; and
# node-1's and node-5's CPU by thread into threads-1.$1 and threads-5.$1
snapshot() {
  local -n into=$1
  local k
  for k in "${!pids[@]}"; do
    into[$k]="$(cpu "${pids[$k]}") $(threads_cpu "${pids[$k]}" "$jit_re") $(threads_cpu "${pids[$k]}" "$gc_re") $(threads_cpu "${pids[$k]}" "$rocks_re") $(sys_ticks "${pids[$k]}")"
  done
  thread_ticks "${pids[0]}" >"$dir/threads-1.$1"
  thread_ticks "${pids[4]}" >"$dir/threads-5.$1"
}
declare -a before after
snapshot before
load_before=$(cut -d' ' -f1-3 /proc/loadavg)
measured_from=$(date -u +%H:%M:%S)
# The yardstick measured once more halfway through the timed phase, on the same busy cores as the
# nodes (its thread's CPU time, so waiting for a core does not count, but the caches and the
# sibling hyper-thread that the nodes share with it do); about 1 s of CPU of its own in the window.
# NODE_BENCH_PROBE=0 leaves it out.
# It is started as a grandchild (its pid in a file), so that this shell never reaps it and `times`
# below does not count its CPU as the load generator's.
if [ "${NODE_BENCH_PROBE:-1}" != 0 ]; then
  ( (sleep $((duration / 2)); exec "$here/bin/medledger" bench ed25519-verify --count 1000) \
      >"$dir/verify-during" 2>/dev/null & echo $! >"$dir/probe.pid" )
  probe_pid=$(cat "$dir/probe.pid")
fi
# user+system seconds of this shell's reaped children (the load generator below), from `times`
# (run in this shell, not in $(...): a subshell's children are its own)
children_cpu() { tail -n 1 "$dir/times" | tr 'ms' '  ' | awk '{print $1*60+$2+$3*60+$4}'; }
times >"$dir/times"
gen_before=$(children_cpu) # the generator is not reaped yet: only earlier children
gen_at_start=$(awk -v t="$(getconf CLK_TCK)" '{print ($14+$15)/t}' "/proc/$gen_java/stat") # its warm-up and set-up
perf_pid=""
if [ -n "${NODE_BENCH_PERF:-}" ]; then
  perf record -F 997 -g -o "$NODE_BENCH_PERF/perf.data" -p "${pids[0]},${pids[4]}" >/dev/null 2>&1 &
  perf_pid=$!
fi
# Only now the height query: it starts a JVM that takes seconds on the busy cores, and every counter
# above must be read when the timed phase begins, or the CPU of its first seconds would be left out
# while all of its final entries are counted. (node-1's share of the query is charged to the window.)
q0=$(date +%s.%N)
read -r h_before e_before <<<"$(height || echo 0 0)"
height_query_s=$(awk -v a="$q0" -v b="$(date +%s.%N)" 'BEGIN { printf "%.1f", b - a }')
wait "$load_pid" || true
# The window ends here: every node's counters are read before this script asks anything of them
# (the height query below opens a TLS connection to node-1, whose handshake and cold code paths
# would otherwise be charged to the window; so would compilations still queued when the load ends).
snapshot after
line=$(tail -n 1 "$dir/load.out")
load_after=$(cut -d' ' -f1-3 /proc/loadavg)
times >"$dir/times"
gen_after=$(children_cpu)
if [ -n "$perf_pid" ]; then # stop sampling, then map the compiled code the samples fell in
  kill -INT "$perf_pid" 2>/dev/null || true
  wait "$perf_pid" 2>/dev/null || true
  for k in 0 4; do jcmd "${pids[$k]}" Compiler.perfmap >/dev/null 2>&1 || true; cp "/tmp/perf-${pids[$k]}.map" "$NODE_BENCH_PERF/" 2>/dev/null || true; done
fi
if [ -n "${NODE_BENCH_JFR:-}" ]; then # the nodes are killed with -9 below, so dump the recordings now
  for k in 0 4; do jcmd "${pids[$k]}" JFR.dump filename="$NODE_BENCH_JFR/node-$((k+1)).jfr" >/dev/null || true; done
fi
final=$(sed -E 's/.*final=([0-9]+).*/\1/' <<<"$line")
read -r h_after e_after <<<"$(height || echo 0 0)"
verify_us=$(ml bench ed25519-verify --count 3000 | sed -E 's/.*=//')
verify_busy_us=""
if [ -n "$probe_pid" ]; then
  for _ in $(seq 1 600); do kill -0 "$probe_pid" 2>/dev/null || break; sleep 0.1; done
  verify_busy_us=$(sed -nE 's/^ed25519_verify_us=//p' "$dir/verify-during")
fi
echo "$line"
awk -v a="$h_before" -v b="$h_after" -v ea="$e_before" -v eb="$e_after" 'BEGIN { n=b-a; printf "blocks=%d entries_per_block=%.1f (node-1 heights %d to %d)\n", n, (n>0)? (eb-ea)/n : 0, a, b }'
echo "ed25519_verify_us=$verify_us load_before=[$load_before] load_after=[$load_after] measured_from=$measured_from UTC height_query_s=$height_query_s"
if [ -n "$verify_busy_us" ]; then
  awk -v q="$verify_us" -v b="$verify_busy_us" 'BEGIN { printf "ed25519_verify_us_during_load=%s (%.2f of the quiet figure above; node ratios below use the quiet one)\n", b, (q>0)? b/q : 0 }'
fi
awk -v b="$gen_before" -v a="$gen_after" -v w="$gen_at_start" -v f="$final" -v v="$verify_us" 'BEGIN { s=a-b-w; per=(f>0)? s/f*1e6 : 0;
  printf "load-generator cpu_s=%.2f us_per_final_entry=%.1f ratio_to_verify=%.2f (timed phase and final check; same 2 cores as the nodes)\n", s, per, (v>0)? per/v : 0 }'
for n in 1 5; do # CPU seconds of node-1 and node-5 by thread name (digits folded), largest first
  by_thread=$(awk -v t="$ticks" 'FNR==NR {b[$1]=$3; next} {name=$2; gsub(/[0-9]+/, "N", name); s[name]+=($3-b[$1])/t}
    END {for (k in s) if (s[k] >= 0.05) printf "%.2f %s\n", s[k], k}' "$dir/threads-$n.before" "$dir/threads-$n.after" \
    | sort -rn | head -n 12 | awk '{printf " %s=%s", $2, $1}')
  echo "node-$n threads_cpu_s:$by_thread"
done
for k in "${!pids[@]}"; do
  read -r c0 j0 g0 r0 s0 <<<"${before[$k]}"
  read -r c1 j1 g1 r1 s1 <<<"${after[$k]}"
  jit=$(( j1 - j0 ))
  gc=$(( g1 - g0 ))
  rocks=$(( r1 - r0 ))
  sys=$(( s1 - s0 ))
  awk -v b="$c0" -v a="$c1" -v t="$ticks" -v f="$final" -v v="$verify_us" -v n="$((k+1))" -v j="$jit" -v g="$gc" -v r="$rocks" -v y="$sys" \
    'BEGIN { s=(a-b)/t; per=(f>0)? s/f*1e6 : 0; rest=(f>0)? (s-(j+g)/t)/f*1e6 : 0
      printf "node-%d cpu_s=%.2f us_per_final_entry=%.1f ratio_to_verify=%.2f jit_cpu_s=%.2f gc_cpu_s=%.2f ratio_without_jit_gc=%.2f rocksdb_bg_cpu_s=%.2f system_cpu_s=%.2f\n", n, s, per, (v>0)? per/v : 0, j/t, g/t, (v>0)? rest/v : 0, r/t, y/t }'
done
