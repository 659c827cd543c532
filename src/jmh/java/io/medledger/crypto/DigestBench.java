package io.medledger.crypto;

import java.security.MessageDigest;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;

/**
 * {@link Digest#equals} (constant time, four 8-byte words) beside its peer
 * {@link MessageDigest#isEqual} (constant time, byte by byte) on the same two equal 32-byte
 * arrays, and a hash-map lookup keyed by digests (the ledger's caches) for scale.
 */
@State(Scope.Thread)
public class DigestBench {
  Digest a;
  Digest b;
  byte[] ab;
  byte[] bb;
  Map<Digest, Integer> map;
  Digest[] probes;
  int next;

  @Setup
  public void setUp() {
    ab = Sha256.hash(new byte[] {1}).toByteArray();
    bb = ab.clone();
    a = Digest.of(ab);
    b = Digest.of(bb); // equal, not the same array: equals compares every byte
    map = new HashMap<>();
    probes = new Digest[4096];
    for (int i = 0; i < probes.length; i++) {
      Digest d = Sha256.hash(new byte[] {(byte) i, (byte) (i >> 8)});
      map.put(d, i);
      probes[i] = Digest.of(d.toByteArray());
    }
  }

  @Benchmark
  @BenchmarkMode(Mode.AverageTime)
  @OutputTimeUnit(TimeUnit.NANOSECONDS)
  public boolean digestEquals() {
    return a.equals(b);
  }

  @Benchmark
  @BenchmarkMode(Mode.AverageTime)
  @OutputTimeUnit(TimeUnit.NANOSECONDS)
  public boolean messageDigestIsEqual() {
    return MessageDigest.isEqual(ab, bb);
  }

  @Benchmark
  @BenchmarkMode(Mode.AverageTime)
  @OutputTimeUnit(TimeUnit.NANOSECONDS)
  public Integer hashMapGet() {
    next = (next + 1) & (probes.length - 1);
    return map.get(probes[next]);
  }
}
