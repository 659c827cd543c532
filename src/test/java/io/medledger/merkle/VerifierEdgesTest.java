package io.medledger.merkle;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.medledger.crypto.Digest;
import io.medledger.crypto.Sha256;
import java.io.ByteArrayOutputStream;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The verifiers' edges that the sweeps do not reach: raw inputs of the wrong length, equal sizes
 * over raw roots, and the partial-tree limits exactly at each bound.
 */
class VerifierEdgesTest {
  private static List<byte[]> raw(List<Digest> path) {
    List<byte[]> out = new ArrayList<>();
    path.forEach(d -> out.add(d.toByteArray()));
    return out;
  }

  @Test
  void rawInclusionNeeds32ByteHashesEverywhere() {
    MerkleLog log = MerkleLogTest.logOf(7);
    List<byte[]> path = raw(log.inclusionProof(2, 7).path());
    byte[] leaf = log.leafHash(2).toByteArray();
    byte[] root = log.root().toByteArray();
    assertTrue(MerkleVerifier.verifyInclusionRaw(2, 7, path, leaf, root));
    assertFalse(MerkleVerifier.verifyInclusionRaw(2, 7, null, leaf, root));
    assertFalse(MerkleVerifier.verifyInclusionRaw(2, 7, path, null, root));
    assertFalse(MerkleVerifier.verifyInclusionRaw(2, 7, path, leaf, null));
    assertFalse(MerkleVerifier.verifyInclusionRaw(2, 7, path, Arrays.copyOf(leaf, 33), root));
    assertFalse(MerkleVerifier.verifyInclusionRaw(2, 7, path, leaf, Arrays.copyOf(root, 31)));
    for (int len : new int[] {0, 31, 33}) {
      List<byte[]> bad = new ArrayList<>(path);
      bad.set(1, Arrays.copyOf(path.get(1), len));
      assertFalse(MerkleVerifier.verifyInclusionRaw(2, 7, bad, leaf, root), "length " + len);
    }
    List<byte[]> withNull = new ArrayList<>(path);
    withNull.set(0, null);
    assertFalse(MerkleVerifier.verifyInclusionRaw(2, 7, withNull, leaf, root));
    // an index equal to the size is outside the tree
    assertFalse(MerkleVerifier.verifyInclusion(7, 7, log.inclusionProof(6, 7).path(), log.leafHash(6), log.root()));
    assertTrue(MerkleVerifier.verifyInclusion(0, 1, List.of(), log.leafHash(0), log.root(1)));
  }

  @Test
  void rawConsistencyComparesEqualSizesAsGiven() {
    MerkleLog log = MerkleLogTest.logOf(8);
    byte[] r3 = log.root(3).toByteArray();
    byte[] r8 = log.root(8).toByteArray();
    List<byte[]> path = raw(log.consistencyProof(3, 8).path());
    assertTrue(MerkleVerifier.verifyConsistencyRaw(3, 8, path, r3, r8));
    assertTrue(MerkleVerifier.verifyConsistencyRaw(3, 3, List.of(), r3, r3.clone()));
    assertFalse(MerkleVerifier.verifyConsistencyRaw(3, 3, List.of(), r3, r8));
    assertFalse(MerkleVerifier.verifyConsistencyRaw(3, 3, List.of(r3), r3, r3));
    // equal sizes compare the roots as given, whatever their length (the Javadoc's rule)
    assertTrue(MerkleVerifier.verifyConsistencyRaw(3, 3, List.of(), new byte[5], new byte[5]));
    // size 0 proves nothing, even with equal roots
    assertFalse(MerkleVerifier.verifyConsistencyRaw(0, 0, List.of(), r3, r3));
    assertFalse(MerkleVerifier.verifyConsistencyRaw(3, 8, path, null, r8));
    assertFalse(MerkleVerifier.verifyConsistencyRaw(3, 8, path, r3, null));
    assertFalse(MerkleVerifier.verifyConsistencyRaw(3, 8, path, Arrays.copyOf(r3, 31), r8));
    assertFalse(MerkleVerifier.verifyConsistencyRaw(3, 8, path, r3, Arrays.copyOf(r8, 33)));
    List<byte[]> shortElement = new ArrayList<>(path);
    shortElement.set(0, new byte[31]);
    assertFalse(MerkleVerifier.verifyConsistencyRaw(3, 8, shortElement, r3, r8));
    // a power-of-two first size: the old root is the first node, not part of the path
    assertTrue(MerkleVerifier.verifyConsistency(4, 8, log.consistencyProof(4, 8).path(), log.root(4), log.root(8)));
    assertFalse(MerkleVerifier.verifyConsistency(9, 8, List.of(), log.root(8), log.root(8)));
    assertTrue(MerkleVerifier.verifyConsistency(8, 8, List.of(), log.root(8), log.root(8)));
  }

  /** A partial tree of {@code total} transactions with {@code hashes} distinct hashes and these flags. */
  private static PartialMerkleTree tree(long total, int hashes, int... flags) {
    ByteArrayOutputStream o = new ByteArrayOutputStream();
    o.writeBytes(new byte[] {(byte) total, (byte) (total >>> 8), (byte) (total >>> 16), (byte) (total >>> 24)});
    o.write(hashes);
    for (int i = 0; i < hashes; i++) {
      o.writeBytes(Sha256.hash(new byte[] {(byte) i}).toByteArray());
    }
    o.write(flags.length);
    for (int f : flags) {
      o.write(f);
    }
    return PartialMerkleTree.decode(o.toByteArray());
  }

  private static PartialMerkleTree.Reason reason(PartialMerkleTree t) {
    return assertInstanceOf(PartialMerkleTree.Rejected.class, t.extract()).reason();
  }

  @Test
  void partialTreeLimitsHoldExactlyAtTheirBounds() {
    // the largest block: a pruned root, nothing matched
    PartialMerkleTree big = tree(PartialMerkleTree.MAX_TRANSACTIONS, 1, 0);
    PartialMerkleTree.Matched m = assertInstanceOf(PartialMerkleTree.Matched.class, big.extract());
    assertEquals(Sha256.hash(new byte[] {0}), m.root());
    assertEquals(List.of(), m.txids());
    assertEquals(PartialMerkleTree.Reason.TOO_MANY_TRANSACTIONS, reason(tree(PartialMerkleTree.MAX_TRANSACTIONS + 1, 1, 0)));
    // as many flag bits as hashes is enough to start the walk
    assertEquals(PartialMerkleTree.Reason.UNUSED_HASHES, reason(tree(8, 8, 0)));
    assertEquals(PartialMerkleTree.Reason.TOO_FEW_FLAG_BITS, reason(tree(9, 9, 0)));
    // as many hashes as transactions is allowed
    assertEquals(PartialMerkleTree.Reason.UNUSED_HASHES, reason(tree(2, 2, 0)));
    // a whole unused flag byte after the padding of the last used one
    assertEquals(PartialMerkleTree.Reason.UNUSED_FLAG_BITS, reason(tree(1, 1, 1, 0)));
    PartialMerkleTree one = tree(1, 1, 1);
    PartialMerkleTree.Matched single = assertInstanceOf(PartialMerkleTree.Matched.class, one.extract());
    assertEquals(List.of(Sha256.hash(new byte[] {0})), single.txids());
    assertEquals(List.of(new PartialMerkleTree.Match(0, Sha256.hash(new byte[] {0}))), single.matches());
  }

  @Test
  void partialTreesAndMerkleblocksShowTheirShape() {
    PartialMerkleTree t = tree(3, 2, 0x1d);
    assertEquals(3, t.totalTransactions());
    assertEquals(List.of(Sha256.hash(new byte[] {0}), Sha256.hash(new byte[] {1})), t.hashes());
    byte[] flags = t.flagBytes();
    flags[0] = 0;
    assertEquals(0x1d, t.flagBytes()[0]);
    assertEquals("PartialMerkleTree[transactions=3, hashes=2, flagBytes=1]", t.toString());

    Digest txid = Sha256.hash(new byte[] {42});
    byte[] header = new byte[80];
    header[0] = 1;
    txid.copyTo(header, 36);
    MerkleBlock b = MerkleBlock.parse(MerkleBlockBuilder.build(header, List.of(txid), bits(0)));
    assertEquals(txid, b.headerMerkleRoot());
    assertEquals(Sha256.doubleHash(header), b.blockHash());
    assertEquals("MerkleBlock[" + Sha256.doubleHash(header).reversed().toHex()
        + ", PartialMerkleTree[transactions=1, hashes=1, flagBytes=1]]", b.toString());
    byte[] h = b.header();
    h[0] = 9;
    assertEquals(1, b.header()[0]);
    assertEquals(List.of(txid), assertInstanceOf(PartialMerkleTree.Matched.class, b.verify()).txids());
  }

  private static java.util.BitSet bits(int... set) {
    java.util.BitSet s = new java.util.BitSet();
    for (int i : set) {
      s.set(i);
    }
    return s;
  }

  @Test
  void aBadPathElementFailsEvenWhereAnEmptyPathWouldPass() {
    MerkleLog log = MerkleLogTest.logOf(3);
    byte[] r3 = log.root(3).toByteArray();
    assertFalse(MerkleVerifier.verifyConsistencyRaw(3, 3, List.of(new byte[31]), r3, r3));
    assertFalse(MerkleVerifier.verifyInclusionRaw(0, 1, List.of(new byte[33]), log.leafHash(0).toByteArray(),
        log.root(1).toByteArray()));
    assertTrue(MerkleVerifier.verifyInclusionRaw(0, 1, List.of(), log.leafHash(0).toByteArray(),
        log.root(1).toByteArray()));
  }

  @Test
  void leavesOfEveryLengthHashWithTheirPrefix() throws Exception {
    for (int len : new int[] {0, 1, 127, 128, 1000}) {
      byte[] data = new byte[len + 3];
      Arrays.fill(data, (byte) len);
      java.security.MessageDigest sha = java.security.MessageDigest.getInstance("SHA-256");
      sha.update((byte) 0);
      sha.update(data, 2, len);
      assertEquals(Digest.of(sha.digest()), Rfc9162.leafHash(data, 2, len), "length " + len);
    }
  }

  @Test
  void countsBeyondTheBytesLeftAreRefusedWithTheirOwnMessage() {
    ByteArrayOutputStream o = new ByteArrayOutputStream();
    o.writeBytes(new byte[] {3, 0, 0, 0, 2});
    o.writeBytes(new byte[32]);
    o.writeBytes(new byte[] {1, 1});
    assertEquals("hash count 2 exceeds the 34 bytes left", org.junit.jupiter.api.Assertions.assertThrows(
        io.medledger.codec.MalformedEncodingException.class, () -> PartialMerkleTree.decode(o.toByteArray())).getMessage());
    o.reset();
    o.writeBytes(new byte[] {3, 0, 0, 0, 1});
    o.writeBytes(new byte[32]);
    o.writeBytes(new byte[] {2, 1});
    assertEquals("flag byte count 2 exceeds the 1 bytes left", org.junit.jupiter.api.Assertions.assertThrows(
        io.medledger.codec.MalformedEncodingException.class, () -> PartialMerkleTree.decode(o.toByteArray())).getMessage());
  }

  @Test
  void aFailureInALeftSubtreeWithoutARightSiblingStopsTheWalk() {
    // 3 transactions: root (1), node 0 pruned (0, hash 0), node 1 (1), then leaf 2 needs a second hash
    assertEquals(PartialMerkleTree.Reason.HASHES_EXHAUSTED, reason(tree(3, 1, 0x05)));
  }
}
