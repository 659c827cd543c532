#!/bin/sh
# Mutation proof of the consensus simulator (docs/consensus.md, "Mutation proof").
#
# Applies each of the six protocol mutants of issue 12, and one more (entries gossiped to the
# proposers only, a change that once broke a testnet's liveness), one at a time, to a copy of the source
# file, compiles only that file over target/classes, and runs the simulator sweep with the seed
# count of the default `mvn verify` (medledger.test.seeds, 200) for each quorum protocol, stopping
# at the first failing seed. Prints one table row per mutant and protocol:
#   mutant | protocol | seeds until caught | scenario that caught it | first violation
# and exits 1 if any mutant survives a protocol's whole sweep.
#
# Usage: scripts/consensus-mutants.sh [SEEDS] [MUTANT...]     (after `mvn -q -o compile`)
set -eu
here=$(CDPATH= cd -- "$(dirname -- "$0")/.." && pwd)
cd "$here"
seeds=${1:-200}
[ $# -gt 0 ] && shift
all="lock-check-removed quorum-ceil-2n-3 precommit-without-lock restore-ignores-state certificate-duplicate-signers rotation-ignores-round gossip-to-proposers-only"
mutants=${*:-$all}
[ -d target/classes ] || { echo "consensus-mutants: run 'mvn -q -o compile' first" >&2; exit 2; }
cp=$(mktemp)
mvn -q -o dependency:build-classpath -Dmdep.outputFile="$cp" >/dev/null
deps=$(cat "$cp")
work=$(mktemp -d)
trap 'rm -rf "$work" "$cp"' EXIT
# A snapshot of the compiled classes, so that a build running meanwhile cannot disturb the runs.
cp -r target/classes "$work/base"
src=src/main/java/io/medledger/consensus

# mutate FILE 'exact original text' 'replacement': fails if the original text is not there once.
# A second call for the same file mutates the first call's result.
mutate() {
  python3 - "$1" "$2" "$3" "$work/src/$(basename "$1")" <<'PY'
import os, sys
path, old, new, out = sys.argv[1:5]
s = open(out if os.path.exists(out) else path).read()
if s.count(old) != 1:
    sys.exit("mutant does not apply to %s: %d matches" % (path, s.count(old)))
open(out, "w").write(s.replace(old, new))
PY
}

status=0
echo "mutant | protocol | seeds until caught | scenario | first violation"
for m in $mutants; do
  rm -rf "$work/src" "$work/classes"
  mkdir -p "$work/src" "$work/classes"
  protocols="rotating-audit bft"
  case $m in
    lock-check-removed) f=$src/QuorumEngine.java
      mutate $f 'if (!lock.mayPrevote(p.hash(), aux, round)) {' 'if (false) {' ;;
    quorum-ceil-2n-3) f=$src/VoterSet.java
      mutate $f 'return 2 * n / 3 + 1;' 'return (2 * n + 2) / 3;' ;;
    precommit-without-lock) f=$src/QuorumEngine.java
      mutate $f '      lock.lock(round, hash);
' '' ;;
    restore-ignores-state) f=$src/QuorumEngine.java
      mutate $f '    Wire.Reader r = new Wire.Reader(state);' '    if (state != null) {
      return;
    }
    Wire.Reader r = new Wire.Reader(state);' ;;
    certificate-duplicate-signers) f=$src/QuorumCertificate.java
      mutate $f 'if (signatures.get(i).signer() <= signatures.get(i - 1).signer()) {' 'if (signatures.get(i).signer() < signatures.get(i - 1).signer()) {' ;;
    rotation-ignores-round) f=$src/QuorumEngine.java
      mutate $f 'return p.get((int) Math.floorMod(height + round, (long) p.size()));' 'return p.get((int) Math.floorMod(height, (long) p.size()));' ;;
    gossip-to-proposers-only) f=$src/QuorumEngine.java # only rotating-audit has voters that cannot propose
      protocols=rotating-audit
      for list in gossipOut again; do
        mutate $f "out.add(new Action.Broadcast(new EntryBatch($list)));" "for (Ed25519PublicKey k : proposers) {
        if (!k.equals(me)) {
          out.add(new Action.Send(k, new EntryBatch($list)));
        }
      }"
      done ;;
    *) echo "consensus-mutants: unknown mutant $m (known: $all)" >&2; exit 2 ;;
  esac
  javac -nowarn -d "$work/classes" -cp "$work/base:$deps" "$work/src/"*.java 2>"$work/javac.log" \
    || { cat "$work/javac.log" >&2; exit 2; }
  for p in $protocols; do
    out=$(java -XX:+UseSerialGC -cp "$work/classes:$work/base:$deps" io.medledger.cli.Main simulate \
      --protocol $p --seeds "$seeds" --fail-fast 2>&1 || true)
    fail=$(printf '%s\n' "$out" | grep '^FAIL seed=' | head -n 1 || true)
    if ! printf '%s\n' "$out" | grep -q '^runs='; then
      echo "$m | $p | ERROR | - | $(printf '%s\n' "$out" | tail -n 1 | cut -c1-110)"
      status=2
    elif [ -n "$fail" ]; then
      seed=$(printf '%s' "$fail" | sed 's/^FAIL seed=\([0-9]*\).*/\1/')
      scen=$(printf '%s' "$fail" | sed 's/.* scenario=\([a-z-]*\):.*/\1/')
      why=$(printf '%s' "$fail" | sed 's/^FAIL seed=[0-9]* scenario=[a-z-]*: //; s/; replay:.*//' | cut -c1-110)
      echo "$m | $p | $seed | $scen | $why"
    else
      echo "$m | $p | SURVIVED $seeds seeds | - | -"
      status=1
    fi
  done
done
exit $status
