package io.medledger.merkle;

import io.medledger.crypto.Digest;
import io.medledger.crypto.Sha256;
import java.security.DigestException;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;

/**
 * Merkle work beside its ceiling, raw JDK SHA-256, in one run so results read as ratios:
 *
 * <ul>
 *   <li>{@code sha256_33}, {@code sha256_65}: one hash of a leaf-sized (0x00 + 32) and a
 *       node-sized (0x01 + 32 + 32) input; {@code sha256_33and65} does both, the hash work of
 *       one log append (a leaf hash plus, on average, one node hash).
 *   <li>{@code logAppend}: {@link MerkleLog#append} of a 32-byte leaf (the log restarts every
 *       2^20 leaves, so memory stays bounded).
 *   <li>{@code batchRootSequential}, {@code batchRootParallel}: {@link BatchRoot} over 1,000,000
 *       leaves of 32 bytes.
 *   <li>{@code inclusionProofGenerate}, {@code inclusionProofVerify}: proofs in a log of
 *       1,000,000 leaves, for leaves in the first 2^19 (all paths have 20 nodes);
 *       {@code sha256_65chain20} is the ceiling of a verification, 20 chained node hashes.
 * </ul>
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Fork(value = 1, jvmArgsAppend = {"-Xmx4g"})
public class MerkleBench {
  static final int TREE = 1_000_000;
  static final int PATH = 20;

  /** Raw hashing inputs and one digest instance per benchmark thread. */
  @State(Scope.Thread)
  public static class Raw {
    final MessageDigest md = Sha256.newMessageDigest();
    final byte[] in33 = new byte[33];
    final byte[] in65 = new byte[65];
    final byte[] out = new byte[32];

    @Setup
    public void setup() {
      new Random(1).nextBytes(in33);
      new Random(2).nextBytes(in65);
    }

    void hash(byte[] in) {
      md.update(in, 0, in.length);
      try {
        md.digest(out, 0, 32);
      } catch (DigestException e) {
        throw new IllegalStateException(e);
      }
    }
  }

  /** A log being appended to. */
  @State(Scope.Thread)
  public static class Appending {
    static final long RESTART = 1L << 20;
    MerkleLog log;
    final byte[] leaf = new byte[32];

    @Setup(Level.Iteration)
    public void setup() {
      log = new MerkleLog();
      new Random(3).nextBytes(leaf);
    }
  }

  /** One million 32-byte leaves. */
  @State(Scope.Benchmark)
  public static class Leaves {
    List<byte[]> leaves;

    @Setup
    public void setup() {
      Random rnd = new Random(4);
      leaves = new ArrayList<>(TREE);
      for (int i = 0; i < TREE; i++) {
        byte[] b = new byte[32];
        rnd.nextBytes(b);
        leaves.add(b);
      }
    }
  }

  /** A log of one million leaves with proofs ready to verify. */
  @State(Scope.Benchmark)
  public static class Proofs {
    static final int COUNT = 1024;
    MerkleLog log;
    Digest root;
    long[] index = new long[COUNT];
    InclusionProof[] proofs = new InclusionProof[COUNT];
    Digest[] leafHashes = new Digest[COUNT];

    @Setup
    public void setup() {
      Random rnd = new Random(5);
      log = new MerkleLog();
      byte[] b = new byte[32];
      for (int i = 0; i < TREE; i++) {
        rnd.nextBytes(b);
        log.append(b);
      }
      root = log.root();
      for (int i = 0; i < COUNT; i++) {
        index[i] = rnd.nextInt(1 << 19);
        proofs[i] = log.inclusionProof(index[i], TREE);
        leafHashes[i] = log.leafHash(index[i]);
        if (proofs[i].path().size() != PATH || !proofs[i].verify(leafHashes[i], root)) {
          throw new IllegalStateException("unexpected proof for " + index[i]);
        }
      }
    }
  }

  /** Cycles through the prepared proofs. */
  @State(Scope.Thread)
  public static class Cursor {
    int next;

    int take() {
      next = (next + 1) & (Proofs.COUNT - 1);
      return next;
    }
  }

  @Benchmark
  public byte[] sha256_33(Raw r) {
    r.hash(r.in33);
    return r.out;
  }

  @Benchmark
  public byte[] sha256_65(Raw r) {
    r.hash(r.in65);
    return r.out;
  }

  @Benchmark
  public byte[] sha256_33and65(Raw r) {
    r.hash(r.in33);
    r.hash(r.in65);
    return r.out;
  }

  @Benchmark
  public byte[] sha256_65chain20(Raw r) {
    for (int i = 0; i < PATH; i++) {
      System.arraycopy(r.out, 0, r.in65, 1, 32);
      r.hash(r.in65);
    }
    return r.out;
  }

  @Benchmark
  public long logAppend(Appending a) {
    if (a.log.size() == Appending.RESTART) {
      a.log = new MerkleLog();
    }
    a.leaf[0]++;
    return a.log.append(a.leaf);
  }

  @Benchmark
  @OutputTimeUnit(TimeUnit.MILLISECONDS)
  public Digest batchRootSequential(Leaves l) {
    return BatchRoot.sequential(l.leaves);
  }

  @Benchmark
  @OutputTimeUnit(TimeUnit.MILLISECONDS)
  public Digest batchRootParallel(Leaves l) {
    return BatchRoot.parallel(l.leaves);
  }

  @Benchmark
  public InclusionProof inclusionProofGenerate(Proofs p, Cursor c) {
    return p.log.inclusionProof(p.index[c.take()], TREE);
  }

  @Benchmark
  public boolean inclusionProofVerify(Proofs p, Cursor c) {
    int i = c.take();
    return p.proofs[i].verify(p.leafHashes[i], p.root);
  }
}
