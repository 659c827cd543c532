#!/usr/bin/env bash
# Ledger at scale (docs/benchmarks.md, issue 14): `bench ingest` of N entries, then `bench query`
# in a fresh JVM, both with -Xmx256m, unattended. Every line both print goes to OUT/scale.txt with
# the load average, the wall clock and the CPU time (/usr/bin/time -v: user, system, max RSS) of
# each phase, and the disk use of D/blocks, D/state and D/log at the end.
# Usage: scripts/scale-bench.sh N D OUT [COUNT]
#   N      entries (10000000 for the issue's run)
#   D      ledger directory; must be missing or empty (about 5 GB at 10 million entries)
#   OUT    directory for scale.txt (created)
#   COUNT  queries of each kind in `bench query` (default 1000)
# Build first: mvn -q package -DskipTests. Run it through the benchmark lock, for example
#   flock -w 900 /work/coord/bench.lock scripts/scale-bench.sh 10000000 /tmp/scale10m /tmp/scale10m-out
set -euo pipefail
here=$(CDPATH= cd -- "$(dirname -- "$0")/.." && pwd)
n=${1:?entries}
dir=${2:?ledger directory}
out=${3:?output directory}
count=${4:-1000}
if [ -e "$dir" ] && [ -n "$(ls -A "$dir" 2>/dev/null)" ]; then
  echo "scale-bench: $dir is not empty" >&2
  exit 2
fi
mkdir -p "$out"
log="$out/scale.txt"
timer=()
if [ -x /usr/bin/time ]; then timer=(/usr/bin/time -v); fi
note() { echo "# $1 $(date -u +%FT%TZ) load: $(cut -d' ' -f1-3 /proc/loadavg)" | tee -a "$log"; }
export MEDLEDGER_JAVA_OPTS="-Xmx256m"
note "commit $(git -C "$here" rev-parse --short HEAD 2>/dev/null || echo unknown) ingest start N=$n"
"${timer[@]}" "$here/bin/medledger" bench ingest --dir "$dir" --entries "$n" 2>&1 | tee -a "$log"
note "ingest end"
note "query start"
"${timer[@]}" "$here/bin/medledger" bench query --dir "$dir" --count "$count" 2>&1 | tee -a "$log"
note "query end"
du -sb "$dir/blocks" "$dir/state" "$dir/log" | tee -a "$log"
echo "# done: $log"
