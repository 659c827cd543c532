#!/usr/bin/env bash
# Node benchmark (docs/benchmarks.md): 4 federation + 4 audit node processes on loopback with TLS,
# driven by `medledger load`; prints the load line, each node's CPU per final entry as a ratio to
# one Ed25519 verification measured in the same run, and the load average.
# Usage: scripts/node-bench.sh [RATE] [DURATION_S]   (after `mvn -q package -DskipTests`)
# NODE_BENCH_JFR=DIR records a JFR profile of node-1 (federation) and node-5 (audit) into DIR.
# NODE_BENCH_PERF=DIR samples node-1 and node-5 with `perf record` (all threads, native code
# included) during the measured load, and writes each JVM's map of compiled code beside it; the
# load generator is sampled too, whole (generator.data).
# NODE_BENCH_PROFILE=DIR samples node-1, node-2 and node-5 with async-profiler (CPU, every thread,
# native code included) during the timed phase only, into DIR/node-N.collapsed (collapsed stacks,
# one line per stack with its thread first); NODE_BENCH_PROFILER_LIB names libasyncProfiler.so
# (docs/benchmarks.md, "Profiling the nodes"). The profiler is loaded into the running JVMs with
# jcmd just before the timed phase begins and stopped as soon as it ends.
# NODE_BENCH_WARMUP="RATE SECONDS" sets the unmeasured warm-up load (default "300 300").
# NODE_BENCH_WARMUP_AT_RATE=SECONDS: the measured load command first runs that long at RATE,
# unmeasured (`load --warmup`, default 60; 0 skips it), so that the code paths of the measured load
# are compiled, in the nodes and in the generator, before the timed phase.
# NODE_BENCH_HEAP sets each node's heap and collector (default "-Xmx768m -Xmn384m -XX:+UseSerialGC":
# docs/benchmarks.md, the young generation sized for the collector's CPU); NODE_BENCH_JAVA_OPTS adds
# further JVM options to the node processes.
# NODE_BENCH_BLOCK sets the testnet's max_block_entries (default 1000, the node's own default).
# NODE_BENCH_BATCH_DELAY_MS sets the testnet's batch delay (default 100 ms);
# NODE_BENCH_ROUND_TIMEOUT_MS each node's consensus.round_timeout_ms (default: the node's own, 1000).
# NODE_BENCH_PROBE=1 measures the yardstick a second time, halfway through the timed phase (a JVM of
# its own on the busy cores; off by default since 2026-12-05).
# NODE_BENCH_WORKLOAD=mixed has the measured load command submit `bench ingest`'s mix (`load --workload
# mixed`, with the testnet's institutions; its unmeasured setup runs before its warm-up at RATE,
# which must then be on) instead of patient registrations under fresh keys (the default); NODE_BENCH_PATIENTS sets its --patients (default 10000).
# NODE_BENCH_TIMELINE=FILE has the load command write the timed phase's latencies per second of
# submission to FILE (`load --timeline`). NODE_BENCH_KEEP_LOGS=DIR copies each node's RocksDB log
# (DIR/rocksdb-N.LOG: its flushes and compactions, with times) and standard error there at the end.
# Each node's line also gives the CPU of its JIT-compiler, GC and RocksDB threads and its system time.
set -euo pipefail
here=$(CDPATH= cd -- "$(dirname -- "$0")/.." && pwd)
rate=${1:-1000}
duration=${2:-30}
if [ -n "${NODE_BENCH_PROFILE:-}" ]; then # checked before any node starts; the JVMs get an absolute path
  [ -r "${NODE_BENCH_PROFILER_LIB:-}" ] || { echo "node-bench: NODE_BENCH_PROFILER_LIB must name libasyncProfiler.so" >&2; exit 2; }
  mkdir -p "$NODE_BENCH_PROFILE" && NODE_BENCH_PROFILE=$(CDPATH= cd -- "$NODE_BENCH_PROFILE" && pwd)
fi
dir=$(mktemp -d)
pids=()
load_pid=""
probe_pid=""
cleanup() {
  for p in "${pids[@]}" $load_pid $probe_pid; do kill -9 "$p" 2>/dev/null || true; done
  if [ -n "${NODE_BENCH_KEEP_LOGS:-}" ]; then
    mkdir -p "$NODE_BENCH_KEEP_LOGS"
    for i in 1 2 3 4 5 6 7 8; do
      cp "$dir/net/node-$i/data/state/LOG" "$NODE_BENCH_KEEP_LOGS/rocksdb-$i.LOG" 2>/dev/null || true
      cp "$dir/err-$i" "$NODE_BENCH_KEEP_LOGS/err-$i" 2>/dev/null || true
    done
  fi
  rm -rf "$dir"
}
trap cleanup EXIT
trap 'exit 143' TERM INT # so that a timeout still runs the cleanup
ml() { "$here/bin/medledger" "$@"; }
ml testnet --dir "$dir/net" --federation 4 --audit 4 --batch-delay-ms "${NODE_BENCH_BATCH_DELAY_MS:-100}" --max-block-entries "${NODE_BENCH_BLOCK:-1000}" \
  ${NODE_BENCH_ROUND_TIMEOUT_MS:+--round-timeout-ms "$NODE_BENCH_ROUND_TIMEOUT_MS"} >/dev/null
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
# The yardstick (one Ed25519 verification's CPU time) is measured twice, here with the nodes up and
# idle and again after the run, and the ratios use the lower figure: the host's speed drifts (82 to
# 124 us within one afternoon, with the nodes' own CPU per entry unchanged), and the lower figure
# gives the higher, more conservative ratio.
verify_before_us=$(ml bench ed25519-verify --count 3000 | sed -E 's/.*=//')
# warm-up: fresh node JVMs keep their JIT compilers busy for minutes under load (docs/benchmarks.md,
# "Fresh JVMs"); the measured phase starts after it
read -r warm_rate warm_s <<<"${NODE_BENCH_WARMUP:-300 300}"
ml load --client "$dir/net/client.json" --rate "$warm_rate" --duration "$warm_s" --wait 120 >/dev/null || true
warm_at_rate=${NODE_BENCH_WARMUP_AT_RATE:-60}
workload=()
if [ "${NODE_BENCH_WORKLOAD:-registrations}" = mixed ]; then
  [ "$warm_at_rate" -gt 0 ] || { echo "node-bench: NODE_BENCH_WORKLOAD=mixed needs NODE_BENCH_WARMUP_AT_RATE > 0 (the window starts after the setup)" >&2; exit 2; }
  workload=(--workload mixed --institutions "$dir/net/institutions" --patients "${NODE_BENCH_PATIENTS:-10000}")
elif [ "${NODE_BENCH_WORKLOAD:-registrations}" != registrations ]; then
  echo "node-bench: NODE_BENCH_WORKLOAD must be registrations or mixed" >&2; exit 2
fi
# The measured load command first runs its own warm-up at RATE (`load --warmup`): the nodes' and its
# own compilers then do their work before the timed phase, whose start it announces with a line
# {"warmup_submitted":...}; everything below is measured from that line on.
gen_perf=()
if [ -n "${NODE_BENCH_PERF:-}" ]; then # the load generator too (perf's own CPU then counts as the generator's)
  gen_perf=(perf record -F 997 -g -o "$NODE_BENCH_PERF/generator.data" --)
fi
MEDLEDGER_JAVA_OPTS="${NODE_BENCH_PERF:+-XX:+PreserveFramePointer -XX:+UnlockDiagnosticVMOptions -XX:+DumpPerfMapAtExit}" \
  "${gen_perf[@]}" "$here/bin/medledger" load --client "$dir/net/client.json" --rate "$rate" --duration "$duration" \
  --wait 180 --warmup "$warm_at_rate" ${workload[@]+"${workload[@]}"} ${NODE_BENCH_TIMELINE:+--timeline "$NODE_BENCH_TIMELINE"} >"$dir/load.out" 2>"$dir/load.err" &
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
profiled=(0 1 4) # node-1, node-2, node-5
profiler() { # $1: async-profiler's command for the profiled nodes (its own quotes keep jcmd from splitting it)
  for k in "${profiled[@]}"; do
    jcmd "${pids[$k]}" JVMTI.agent_load "$NODE_BENCH_PROFILER_LIB" "\"${1//@n@/$((k+1))}\"" >/dev/null 2>&1 \
      || echo "node-bench: async-profiler did not answer on node-$((k+1))" >&2
  done
}
if [ -n "${NODE_BENCH_PROFILE:-}" ]; then
  profiler "start,event=cpu,interval=1ms,threads" # before the window: jcmd's own JVMs stay out of it
fi
snapshot before
load_before=$(cut -d' ' -f1-3 /proc/loadavg)
measured_from=$(date -u +%H:%M:%S)
# The yardstick measured once more halfway through the timed phase, on the same busy cores as the
# nodes (its thread's CPU time, so waiting for a core does not count, but the caches and the
# sibling hyper-thread that the nodes share with it do). Off unless NODE_BENCH_PROBE=1: its JVM takes
# a second or more of CPU from the nodes in the window. Started as a grandchild (its pid in a file).
if [ "${NODE_BENCH_PROBE:-0}" != 0 ]; then
  ( (sleep $((duration / 2)); exec "$here/bin/medledger" bench ed25519-verify --count 1000) \
      >"$dir/verify-during" 2>/dev/null & echo $! >"$dir/probe.pid" )
  probe_pid=$(cat "$dir/probe.pid")
fi
# the generator's CPU (its warm-up and set-up) when the timed phase begins
gen_at_start=$(awk -v t="$(getconf CLK_TCK)" '{print ($14+$15)/t}' "/proc/$gen_java/stat")
perf_pid=""
if [ -n "${NODE_BENCH_PERF:-}" ]; then
  perf record -F 997 -g -o "$NODE_BENCH_PERF/perf.data" -p "${pids[0]},${pids[4]}" >/dev/null 2>&1 &
  perf_pid=$!
fi
# The window ends when the load command has every answer of its timed phase, before its final check
# (every node asked whether it holds every acknowledged entry: the benchmark's audit, not the
# workload). Nothing else starts a JVM or asks a node anything in the window: the blocks and heights
# come from the answers themselves (the load command's "answered" line).
while ! grep -q '"answered"' "$dir/load.out" 2>/dev/null; do
  kill -0 "$load_pid" 2>/dev/null || break
  sleep 0.2
done
snapshot after
[ -n "${NODE_BENCH_PROFILE:-}" ] && profiler "stop,file=$NODE_BENCH_PROFILE/node-@n@.collapsed,collapsed"
[ -n "$perf_pid" ] && kill -INT "$perf_pid" 2>/dev/null || true # perf samples the window only
load_after=$(cut -d' ' -f1-3 /proc/loadavg)
gen_at_end=$(awk -v t="$(getconf CLK_TCK)" '{print ($14+$15)/t}' "/proc/$gen_java/stat" 2>/dev/null || echo "$gen_at_start")
wait "$load_pid" || true
declare -a checked
snapshot checked # after the final check, to report its CPU apart
line=$(tail -n 1 "$dir/load.out")
answered=$(grep '"answered"' "$dir/load.out" || true)
if [ -n "$perf_pid" ]; then # sampling stopped above: map the compiled code the samples fell in
  wait "$perf_pid" 2>/dev/null || true
  for k in 0 4; do jcmd "${pids[$k]}" Compiler.perfmap >/dev/null 2>&1 || true; cp "/tmp/perf-${pids[$k]}.map" "$NODE_BENCH_PERF/" 2>/dev/null || true; done
fi
if [ -n "${NODE_BENCH_JFR:-}" ]; then # the nodes are killed with -9 below, so dump the recordings now
  for k in 0 4; do jcmd "${pids[$k]}" JFR.dump filename="$NODE_BENCH_JFR/node-$((k+1)).jfr" >/dev/null || true; done
fi
final=$(sed -E 's/.*final=([0-9]+).*/\1/' <<<"$line")
verify_after_us=$(ml bench ed25519-verify --count 3000 | sed -E 's/.*=//')
verify_us=$(awk -v a="$verify_before_us" -v b="$verify_after_us" 'BEGIN { print (a + 0 < b + 0) ? a : b }')
verify_busy_us=""
if [ -n "$probe_pid" ]; then
  for _ in $(seq 1 600); do kill -0 "$probe_pid" 2>/dev/null || break; sleep 0.1; done
  verify_busy_us=$(sed -nE 's/^ed25519_verify_us=//p' "$dir/verify-during")
fi
echo "$line"
# the blocks that held the timed phase's entries, from the heights its answers named
sed -E 's/.*"answered":([0-9]+),"first_height":([0-9]+),"last_height":([0-9]+),"heights":([0-9]+).*/\1 \2 \3 \4/' <<<"$answered" \
  | awk 'NF == 4 { printf "blocks=%d entries_per_block=%.1f (heights %d to %d)\n", $4, ($4>0)? $1/$4 : 0, $2, $3 }'
echo "ed25519_verify_us=$verify_us (lower of before=$verify_before_us after=$verify_after_us) load_before=[$load_before] load_after=[$load_after] measured_from=$measured_from UTC"
if [ -n "$verify_busy_us" ]; then
  awk -v q="$verify_us" -v b="$verify_busy_us" 'BEGIN { printf "ed25519_verify_us_during_load=%s (%.2f of the quiet figure above; node ratios below use the quiet one)\n", b, (q>0)? b/q : 0 }'
fi
awk -v a="$gen_at_end" -v w="$gen_at_start" -v f="$final" -v v="$verify_us" 'BEGIN { s=a-w; per=(f>0)? s/f*1e6 : 0;
  printf "load-generator cpu_s=%.2f us_per_final_entry=%.1f ratio_to_verify=%.2f (timed phase; same 2 cores as the nodes)\n", s, per, (v>0)? per/v : 0 }'
fc=0
for k in "${!pids[@]}"; do read -r c1 _ <<<"${after[$k]}"; read -r c2 _ <<<"${checked[$k]}"; fc=$(( fc + c2 - c1 )); done
awk -v c="$fc" -v t="$ticks" 'BEGIN { printf "final_check nodes_cpu_s=%.2f (all eight nodes, after the window)\n", c/t }'
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
