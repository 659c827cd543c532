package io.medledger.merkle;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.medledger.crypto.Digest;
import io.medledger.crypto.Sha256;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;
import java.util.concurrent.ForkJoinPool;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

/**
 * The log against a direct transcription of the RFC 9162 recursive definitions (MTH, PATH,
 * PROOF/SUBPROOF) kept in this test, plus exhaustive verification and tamper sweeps.
 *
 * <p>Bit-flip sweeps: flipping every bit of every proof element, root, index and size for all
 * index &lt; size &lt;= 300 would take about 10^9 hash operations, so the sweep is exhaustive for
 * all sizes up to {@link #FLIP_EXHAUSTIVE} and covers every bit of a seeded random sample of
 * (index, size) and (size1, size2) pairs up to 300. Both scale with the system property
 * {@code medledger.test.seeds} (200 by default, 10,000 with {@code -Pslow}): the sample size is the
 * property, and the exhaustive bound is 64 from 192 seeds up; the {@code mutation} profile's 3 seeds
 * give a bound of 16, and the two sweeps then take seconds instead of tens of seconds for each
 * mutant PIT runs them against (docs/testing.md).
 *
 * <p>A flipped size cannot always be detected by an RFC 9162 verifier: the algorithm only sees
 * the path's shape (which side each sibling is on, and how many there are), and two sizes can
 * give the same shape; for example leaf 0 has siblings [1, 2-3, 4] in a tree of 5 and [1, 2-3,
 * 4-6] in a tree of 7, so a path for size 5 also "verifies" as size 7 against the size-5 root.
 * The sweep therefore requires rejection exactly when the shape (computed here from the tree
 * recursion, not from the verifier's bit arithmetic) differs, and acceptance when it does not;
 * flips of proof elements and roots must always be rejected.
 */
class MerkleLogTest {
  static final int EXHAUSTIVE = 64;
  static final int MAX = 300;
  static final int SAMPLES = Integer.getInteger("medledger.test.seeds", 200);
  /** The bit-flip sweeps' exhaustive bound: {@value #EXHAUSTIVE}, or down to 16 for few seeds. */
  static final int FLIP_EXHAUSTIVE = Math.min(EXHAUSTIVE, Math.max(16, SAMPLES / 3));

  /** Distinct leaf inputs: "leaf-i". */
  static byte[] data(int i) {
    return ("leaf-" + i).getBytes(StandardCharsets.US_ASCII);
  }

  static MerkleLog logOf(int n) {
    MerkleLog log = new MerkleLog();
    for (int i = 0; i < n; i++) {
      assertEquals(i, log.append(data(i)));
    }
    return log;
  }

  // ---- the RFC's recursive definitions, transcribed directly (the oracle) ----

  static Digest mth(List<Digest> d) {
    int n = d.size();
    if (n == 0) {
      return Sha256.hash(new byte[0]);
    }
    if (n == 1) {
      return d.get(0);
    }
    int k = 1;
    while (k * 2 < n) {
      k *= 2;
    }
    return Sha256.hashPrefixed((byte) 1, mth(d.subList(0, k)), mth(d.subList(k, n)));
  }

  static List<Digest> path(int m, List<Digest> d) {
    int n = d.size();
    List<Digest> out = new ArrayList<>();
    if (n <= 1) {
      return out;
    }
    int k = 1;
    while (k * 2 < n) {
      k *= 2;
    }
    if (m < k) {
      out.addAll(path(m, d.subList(0, k)));
      out.add(mth(d.subList(k, n)));
    } else {
      out.addAll(path(m - k, d.subList(k, n)));
      out.add(mth(d.subList(0, k)));
    }
    return out;
  }

  static List<Digest> subproof(int m, List<Digest> d, boolean b) {
    int n = d.size();
    List<Digest> out = new ArrayList<>();
    if (m == n) {
      if (!b) {
        out.add(mth(d));
      }
      return out;
    }
    int k = 1;
    while (k * 2 < n) {
      k *= 2;
    }
    if (m <= k) {
      out.addAll(subproof(m, d.subList(0, k), b));
      out.add(mth(d.subList(k, n)));
    } else {
      out.addAll(subproof(m - k, d.subList(k, n), false));
      out.add(mth(d.subList(0, k)));
    }
    return out;
  }

  static List<Digest> leafHashes(int n) {
    List<Digest> out = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      out.add(Sha256.hashPrefixed((byte) 0, data(i)));
    }
    return out;
  }

  // ---- shapes: what an RFC 9162 verifier can see of (index, size) and (size1, size2) ----

  /** Sibling sides bottom-up ('L' sibling on the left, 'R' on the right); null if no such leaf. */
  static String inclusionShape(long index, long size) {
    if (index < 0 || index >= size) {
      return null;
    }
    StringBuilder topDown = new StringBuilder();
    long lo = 0;
    long hi = size;
    while (hi - lo > 1) {
      long k = Long.highestOneBit(hi - lo - 1);
      if (index < lo + k) {
        topDown.append('R');
        hi = lo + k;
      } else {
        topDown.append('L');
        lo += k;
      }
    }
    return topDown.reverse().toString();
  }

  /**
   * "=" for equal sizes; otherwise 'P' (old root is the first node) or 'S' (first path element
   * is) followed bottom-up by 'L' (sibling left of both old and new subtree) or 'R' (right
   * sibling, new subtree only). Null when no proof exists.
   */
  static String consistencyShape(long size1, long size2) {
    if (size1 <= 0 || size1 > size2) {
      return null;
    }
    if (size1 == size2) {
      return "=";
    }
    StringBuilder topDown = new StringBuilder();
    long lo = 0;
    long hi = size2;
    boolean whole = true;
    while (size1 != hi) {
      long k = Long.highestOneBit(hi - lo - 1);
      if (size1 - lo <= k) {
        topDown.append('R');
        hi = lo + k;
      } else {
        topDown.append('L');
        lo += k;
        whole = false;
      }
    }
    return (whole ? "P" : "S") + topDown.reverse();
  }

  static Digest flip(Digest d, int bit) {
    byte[] b = d.toByteArray();
    b[bit >>> 3] ^= (byte) (1 << (bit & 7));
    return Digest.of(b);
  }

  // ---- tests ----

  @Test
  void rootsOfEverySizeMatchTheDefinition() {
    MerkleLog log = logOf(MAX);
    List<Digest> leaves = leafHashes(MAX);
    assertEquals(Rfc9162.emptyRoot(), log.root(0));
    assertEquals(Rfc9162.emptyRoot(), new MerkleLog().root());
    for (int n = 0; n <= MAX; n++) {
      assertEquals(mth(leaves.subList(0, n)), log.root(n), "size " + n);
      if (n < MAX) {
        assertEquals(leaves.get(n), log.leafHash(n));
      }
    }
    assertEquals(log.root(MAX), log.root());
    assertEquals(MAX, log.size());
  }

  @Test
  void proofsMatchTheDefinitionUpTo64() {
    MerkleLog log = logOf(EXHAUSTIVE);
    List<Digest> leaves = leafHashes(EXHAUSTIVE);
    for (int n = 1; n <= EXHAUSTIVE; n++) {
      for (int i = 0; i < n; i++) {
        assertEquals(path(i, leaves.subList(0, n)), log.inclusionProof(i, n).path(), i + "/" + n);
      }
      for (int m = 1; m <= n; m++) {
        assertEquals(subproof(m, leaves.subList(0, n), true), log.consistencyProof(m, n).path(), m + "/" + n);
      }
    }
  }

  @Test
  void everyInclusionProofUpTo300Verifies() {
    MerkleLog log = logOf(MAX);
    int count = 0;
    for (int n = 1; n <= MAX; n++) {
      Digest root = log.root(n);
      for (int i = 0; i < n; i++) {
        InclusionProof p = log.inclusionProof(i, n);
        assertEquals(inclusionShape(i, n).length(), p.path().size());
        assertTrue(p.verify(log.leafHash(i), root), i + "/" + n);
        count++;
      }
    }
    assertEquals(MAX * (MAX + 1) / 2, count);
  }

  @Test
  void everyConsistencyProofUpTo300Verifies() {
    MerkleLog log = logOf(MAX);
    Digest[] roots = new Digest[MAX + 1];
    for (int n = 0; n <= MAX; n++) {
      roots[n] = log.root(n);
    }
    int count = 0;
    for (int n = 1; n <= MAX; n++) {
      for (int m = 1; m <= n; m++) {
        ConsistencyProof p = log.consistencyProof(m, n);
        assertTrue(p.verify(roots[m], roots[n]), m + "/" + n);
        if (m < n) {
          assertFalse(p.verify(roots[n], roots[m]), "swapped roots " + m + "/" + n);
        }
        count++;
      }
    }
    assertEquals(MAX * (MAX + 1) / 2, count);
  }

  @Test
  void bitFlipsBreakInclusionProofs() {
    MerkleLog log = logOf(MAX);
    int[] sameShape = {0};
    for (int n = 1; n <= FLIP_EXHAUSTIVE; n++) {
      for (int i = 0; i < n; i++) {
        sweepInclusion(log, i, n, sameShape);
      }
    }
    Random rnd = new Random(20260417L);
    for (int s = 0; s < SAMPLES; s++) {
      int n = 1 + rnd.nextInt(MAX);
      sweepInclusion(log, rnd.nextInt(n), n, sameShape);
    }
    // Such indistinguishable sizes exist (e.g. leaf 0 in trees of 5 and 7); they were all accepted above.
    assertTrue(sameShape[0] > 0);
  }

  private static void sweepInclusion(MerkleLog log, long i, long n, int[] sameShape) {
    InclusionProof p = log.inclusionProof(i, n);
    Digest leaf = log.leafHash(i);
    Digest root = log.root(n);
    assertTrue(p.verify(leaf, root));
    List<Digest> path = p.path();
    for (int e = 0; e < path.size(); e++) {
      for (int bit = 0; bit < 256; bit++) {
        List<Digest> bad = new ArrayList<>(path);
        bad.set(e, flip(path.get(e), bit));
        assertFalse(MerkleVerifier.verifyInclusion(i, n, bad, leaf, root), "path[" + e + "] bit " + bit + " " + i + "/" + n);
      }
    }
    for (int bit = 0; bit < 256; bit++) {
      assertFalse(p.verify(leaf, flip(root, bit)), "root bit " + bit);
      assertFalse(p.verify(flip(leaf, bit), root), "leaf bit " + bit);
    }
    String shape = inclusionShape(i, n);
    for (int bit = 0; bit < 64; bit++) {
      long i2 = i ^ (1L << bit);
      assertEquals(shape.equals(inclusionShape(i2, n)), MerkleVerifier.verifyInclusion(i2, n, path, leaf, root),
          "index bit " + bit + " " + i + "/" + n);
      long n2 = n ^ (1L << bit);
      boolean same = shape.equals(inclusionShape(i, n2));
      if (same) {
        sameShape[0]++;
      }
      assertEquals(same, MerkleVerifier.verifyInclusion(i, n2, path, leaf, root), "size bit " + bit + " " + i + "/" + n);
    }
    List<Digest> longer = new ArrayList<>(path);
    longer.add(root);
    assertFalse(MerkleVerifier.verifyInclusion(i, n, longer, leaf, root));
    if (!path.isEmpty()) {
      assertFalse(MerkleVerifier.verifyInclusion(i, n, path.subList(0, path.size() - 1), leaf, root));
    }
  }

  @Test
  void bitFlipsBreakConsistencyProofs() {
    MerkleLog log = logOf(MAX);
    int[] sameShape = {0};
    for (int n = 1; n <= FLIP_EXHAUSTIVE; n++) {
      for (int m = 1; m <= n; m++) {
        sweepConsistency(log, m, n, sameShape);
      }
    }
    Random rnd = new Random(20260418L);
    for (int s = 0; s < SAMPLES; s++) {
      int n = 1 + rnd.nextInt(MAX);
      sweepConsistency(log, 1 + rnd.nextInt(n), n, sameShape);
    }
    assertTrue(sameShape[0] > 0);
  }

  private static void sweepConsistency(MerkleLog log, long m, long n, int[] sameShape) {
    ConsistencyProof p = log.consistencyProof(m, n);
    Digest r1 = log.root(m);
    Digest r2 = log.root(n);
    assertTrue(p.verify(r1, r2));
    List<Digest> path = p.path();
    for (int e = 0; e < path.size(); e++) {
      for (int bit = 0; bit < 256; bit++) {
        List<Digest> bad = new ArrayList<>(path);
        bad.set(e, flip(path.get(e), bit));
        assertFalse(MerkleVerifier.verifyConsistency(m, n, bad, r1, r2), "path[" + e + "] bit " + bit + " " + m + "/" + n);
      }
    }
    for (int bit = 0; bit < 256; bit++) {
      assertFalse(p.verify(flip(r1, bit), r2), "root1 bit " + bit + " " + m + "/" + n);
      assertFalse(p.verify(r1, flip(r2, bit)), "root2 bit " + bit + " " + m + "/" + n);
    }
    String shape = consistencyShape(m, n);
    for (int bit = 0; bit < 64; bit++) {
      long m2 = m ^ (1L << bit);
      boolean same1 = shape.equals(consistencyShape(m2, n));
      assertEquals(same1, MerkleVerifier.verifyConsistency(m2, n, path, r1, r2), "size1 bit " + bit + " " + m + "/" + n);
      long n2 = n ^ (1L << bit);
      boolean same2 = shape.equals(consistencyShape(m, n2));
      assertEquals(same2, MerkleVerifier.verifyConsistency(m, n2, path, r1, r2), "size2 bit " + bit + " " + m + "/" + n);
      if (same1 || same2) {
        sameShape[0]++;
      }
    }
    List<Digest> longer = new ArrayList<>(path);
    longer.add(r2);
    assertFalse(MerkleVerifier.verifyConsistency(m, n, longer, r1, r2));
    if (!path.isEmpty()) {
      assertFalse(MerkleVerifier.verifyConsistency(m, n, path.subList(0, path.size() - 1), r1, r2));
      assertFalse(MerkleVerifier.verifyConsistency(m, n, path.subList(1, path.size()), r1, r2));
    }
  }

  @Test
  void compactRangeAndBatchRootEqualTheLog() {
    MerkleLog log = new MerkleLog();
    CompactRange range = new CompactRange();
    List<byte[]> leaves = new ArrayList<>();
    for (int i = 0; i < 2100; i++) {
      assertEquals(log.root(), range.root(), "size " + i);
      assertEquals(log.root(), BatchRoot.sequential(leaves));
      if (i % 97 == 0) {
        CompactRange copy = CompactRange.restore(range.size(), range.subtreeRoots());
        assertEquals(range.root(), copy.root());
        assertEquals(Long.bitCount(i), range.subtreeRoots().size());
      }
      byte[] d = data(i);
      leaves.add(d);
      log.append(d);
      assertEquals(i, range.append(d));
    }
    assertEquals(log.root(), Rfc9162.rootOfLeaves(leaves));
    assertEquals(log.root(), BatchRoot.parallel(leaves));
    ForkJoinPool pool = new ForkJoinPool(3);
    try {
      // Sizes around the sequential and parallel thresholds, and odd sizes above them.
      int[] sizes = {4095, 4096, 4097, 8191, 8193, 16383, 16384, 16385, 40000, 65536, 70001};
      for (int i = leaves.size(); i < 70001; i++) {
        byte[] d = data(i);
        leaves.add(d);
        log.append(d);
      }
      for (int n : sizes) {
        List<byte[]> sub = leaves.subList(0, n);
        Digest want = log.root(n);
        assertEquals(want, BatchRoot.parallel(sub, pool), "parallel " + n);
        assertEquals(want, BatchRoot.parallel(sub), "common pool " + n);
        assertEquals(want, BatchRoot.sequential(sub), "sequential " + n);
        assertEquals(want, Rfc9162.rootOfLeaves(sub), "auto " + n);
      }
    } finally {
      pool.shutdown();
    }
  }

  @Test
  void leafHashListRootAtEverySizeAroundPowersOfTwo() {
    List<Digest> hashes = leafHashes(1025);
    for (int n : new int[] {0, 1, 2, 3, 4, 5, 7, 8, 9, 15, 16, 17, 31, 32, 33, 63, 64, 65, 127, 128, 129, 255, 256, 257,
        511, 512, 513, 1023, 1024, 1025}) {
      List<Digest> sub = hashes.subList(0, n);
      assertEquals(mth(sub), Rfc9162.rootOfLeafHashes(sub), "size " + n);
    }
  }

  @Test
  void aRangeSizedForSomeLeavesHoldsThemAndRefusesBeyondItsCapacity() {
    for (int n : new int[] {0, 1, 2, 3, 4, 7, 8, 100, 1024}) {
      CompactRange r = CompactRange.forLeaves(n);
      long capacity = (1L << Math.max(1, 64 - Long.numberOfLeadingZeros(n))) - 1;
      List<Digest> hashes = leafHashes((int) capacity);
      for (Digest h : hashes) {
        r.appendLeafHash(h);
      }
      assertEquals(mth(hashes), r.root(), "capacity of " + n);
      assertThrows(IllegalStateException.class, () -> r.appendLeafHash(hashes.get(0)), "past the capacity of " + n);
    }
    assertThrows(IllegalArgumentException.class, () -> CompactRange.forLeaves(-1));
  }

  @Test
  void leafHashListRootAndAppendLeafHash() {
    List<Digest> hashes = leafHashes(77);
    MerkleLog log = new MerkleLog();
    CompactRange range = new CompactRange();
    for (Digest h : hashes) {
      log.appendLeafHash(h);
      range.appendLeafHash(h);
    }
    assertEquals(mth(hashes), log.root());
    assertEquals(mth(hashes), range.root());
    assertEquals(mth(hashes), Rfc9162.rootOfLeafHashes(hashes));
    assertEquals(Rfc9162.emptyRoot(), Rfc9162.rootOfLeafHashes(List.of()));
    assertEquals(Rfc9162.leafHash(data(5)), hashes.get(5));
    assertEquals(Sha256.hashPrefixed((byte) 1, hashes.get(0), hashes.get(1)), Rfc9162.nodeHash(hashes.get(0), hashes.get(1)));
  }

  @Test
  void rejectsArgumentsOutsideTheLog() {
    MerkleLog log = logOf(10);
    assertThrows(IllegalArgumentException.class, () -> log.inclusionProof(10, 10));
    assertThrows(IllegalArgumentException.class, () -> log.inclusionProof(0, 11));
    assertThrows(IllegalArgumentException.class, () -> log.inclusionProof(-1, 5));
    assertThrows(IllegalArgumentException.class, () -> log.inclusionProof(0, 0));
    assertThrows(IllegalArgumentException.class, () -> log.consistencyProof(0, 5));
    assertThrows(IllegalArgumentException.class, () -> log.consistencyProof(6, 5));
    assertThrows(IllegalArgumentException.class, () -> log.consistencyProof(5, 11));
    assertThrows(IllegalArgumentException.class, () -> log.root(11));
    assertThrows(IllegalArgumentException.class, () -> log.root(-1));
    assertThrows(IndexOutOfBoundsException.class, () -> log.leafHash(10));
    assertThrows(IllegalArgumentException.class, () -> CompactRange.restore(5, List.of(Rfc9162.emptyRoot())));
    assertTrue(log.consistencyProof(4, 4).path().isEmpty());
    assertTrue(log.inclusionProof(0, 1).path().isEmpty());
  }

  @Test
  void verifiersRejectDegenerateInputsWithoutThrowing() {
    MerkleLog log = logOf(8);
    Digest leaf = log.leafHash(3);
    InclusionProof p = log.inclusionProof(3, 8);
    assertFalse(MerkleVerifier.verifyInclusion(3, 8, p.path(), leaf, null));
    assertFalse(MerkleVerifier.verifyInclusion(3, 8, null, leaf, log.root()));
    assertFalse(MerkleVerifier.verifyInclusion(-3, 8, p.path(), leaf, log.root()));
    assertFalse(MerkleVerifier.verifyInclusion(3, Long.MIN_VALUE, p.path(), leaf, log.root()));
    assertFalse(MerkleVerifier.verifyInclusion(3, 0, List.of(), leaf, log.root()));
    List<Digest> withNull = new ArrayList<>(p.path());
    withNull.set(1, null);
    assertFalse(MerkleVerifier.verifyInclusion(3, 8, withNull, leaf, log.root()));
    assertFalse(MerkleVerifier.verifyConsistency(2, 8, withNull, log.root(2), log.root()));
    assertFalse(MerkleVerifier.verifyConsistency(0, 0, List.of(), Rfc9162.emptyRoot(), Rfc9162.emptyRoot()));
    assertFalse(MerkleVerifier.verifyConsistency(-1, -1, List.of(), leaf, leaf));
    assertFalse(MerkleVerifier.verifyConsistency(3, 8, List.of(), log.root(3), log.root()));
    assertFalse(MerkleVerifier.verifyInclusionRaw(3, 8, List.of(new byte[31]), leaf.toByteArray(), log.root().toByteArray()));
    assertFalse(MerkleVerifier.verifyConsistencyRaw(3, 8, null, new byte[32], new byte[32]));
    // The records copy their path.
    List<Digest> mutable = new ArrayList<>(p.path());
    InclusionProof copy = new InclusionProof(3, 8, mutable);
    Collections.reverse(mutable);
    assertTrue(copy.verify(leaf, log.root()));
  }

  @Test
  void concurrentReadersSeeConsistentPrefixes() throws Exception {
    MerkleLog log = new MerkleLog();
    int total = 30_000;
    AtomicReference<Throwable> failure = new AtomicReference<>();
    Runnable reader = () -> {
      Random rnd = new Random(Thread.currentThread().getId());
      long previous = 0;
      Digest previousRoot = Rfc9162.emptyRoot();
      try {
        while (previous < total) {
          long n = log.size();
          if (n == 0) {
            continue;
          }
          Digest root = log.root(n);
          long i = (long) (rnd.nextDouble() * n);
          if (!log.inclusionProof(i, n).verify(log.leafHash(i), root)) {
            throw new AssertionError("inclusion " + i + "/" + n);
          }
          if (previous > 0 && !log.consistencyProof(previous, n).verify(previousRoot, root)) {
            throw new AssertionError("consistency " + previous + "/" + n);
          }
          previous = n;
          previousRoot = root;
        }
      } catch (Throwable t) {
        failure.compareAndSet(null, t);
      }
    };
    Thread a = new Thread(reader);
    Thread b = new Thread(reader);
    a.start();
    b.start();
    CompactRange check = new CompactRange();
    for (int i = 0; i < total; i++) {
      log.append(data(i));
      check.append(data(i));
    }
    a.join(60_000);
    b.join(60_000);
    if (failure.get() != null) {
      throw new AssertionError(failure.get());
    }
    assertFalse(a.isAlive() || b.isAlive());
    assertEquals(check.root(), log.root());
  }
}
