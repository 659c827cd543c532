package io.medledger.chain;

import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;

/**
 * {@link HeldPuts} at the size of one catch-up response: 150,000 puts of the keys of
 * {@link FlushBench} into a table that was cleared (as after a flush), and 150,000 gets of keys it
 * holds, and the held puts put in key order for the store. The table and its chunks are kept
 * across invocations, as a ledger keeps them. Beside each, its peer: for puts and gets, the same
 * on a {@code HashMap} of {@link io.medledger.internal.StateKey} to value copies, which held a
 * response's puts before {@code HeldPuts}; for the order, the same keys sorted as separate arrays,
 * as the store sorts a {@code StateStore.Batch}.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
public class HeldPutsBench {
  @State(Scope.Benchmark)
  public static class Puts {
    byte[][] keys;
    final byte[][] values = new byte[FlushBench.PUTS][];
    final HeldPuts held = new HeldPuts(1 << 12);
    final HeldPuts full = new HeldPuts(1 << 12);
    final java.util.Map<io.medledger.internal.StateKey, byte[]> map = new java.util.HashMap<>();
    final java.util.Map<io.medledger.internal.StateKey, byte[]> fullMap = new java.util.HashMap<>();

    @Setup(Level.Trial)
    public void make() {
      SplittableRandom random = new SplittableRandom(5);
      keys = FlushBench.keys(random);
      for (int i = 0; i < keys.length; i++) {
        values[i] = new byte[random.nextInt(61)];
        random.nextBytes(values[i]);
        full.put(keys[i], values[i]);
        fullMap.put(new io.medledger.internal.StateKey(keys[i].clone()), values[i].clone());
      }
    }
  }

  @Benchmark
  public int put(Puts s) {
    s.held.clear();
    for (int i = 0; i < s.keys.length; i++) {
      s.held.put(s.keys[i], s.values[i]);
    }
    return s.held.size();
  }

  @Benchmark
  public int get(Puts s) {
    int n = 0;
    for (byte[] k : s.keys) {
      n += s.full.get(k).length;
    }
    return n;
  }

  @Benchmark
  public int hashMapPut(Puts s) {
    s.map.clear();
    for (int i = 0; i < s.keys.length; i++) {
      s.map.put(new io.medledger.internal.StateKey(s.keys[i].clone()), s.values[i].clone());
    }
    return s.map.size();
  }

  @Benchmark
  public int hashMapGet(Puts s) {
    int n = 0;
    for (byte[] k : s.keys) {
      n += s.fullMap.get(new io.medledger.internal.StateKey(k)).clone().length;
    }
    return n;
  }

  @Benchmark
  public int sorted(Puts s) {
    return s.full.sorted().size();
  }

  @Benchmark
  public int arraysSorted(Puts s) {
    int[] order = new int[s.keys.length];
    for (int i = 0; i < order.length; i++) {
      order[i] = i;
    }
    io.medledger.internal.KeyOrder.sort(io.medledger.internal.KeyOrder.of(s.keys), order, 0, order.length);
    return order[0];
  }
}
