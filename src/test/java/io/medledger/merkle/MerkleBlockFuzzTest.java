package io.medledger.merkle;

import com.code_intelligence.jazzer.junit.FuzzTest;
import io.medledger.crypto.Digest;
import io.medledger.crypto.Sha256;
import io.medledger.testing.DecoderFuzzing;
import io.medledger.testing.DecoderSpec;
import java.io.ByteArrayOutputStream;
import java.util.ArrayList;
import java.util.List;

/**
 * Fuzzes the BIP 37 {@code merkleblock} payload and partial Merkle tree decoders; decoded trees
 * are also extracted (the traversal that checks them). The encoder is written here from BIP 37,
 * independently of the decoder; seeds come from {@link MerkleBlockBuilder}. See {@link DecoderFuzzing}.
 */
class MerkleBlockFuzzTest extends DecoderFuzzing {
  @FuzzTest
  void fuzz(byte[] data) {
    fuzzOne(data);
  }

  static void compactSize(ByteArrayOutputStream o, long n) {
    if (n < 0xfd) {
      o.write((int) n);
    } else if (n <= 0xffff) {
      o.write(0xfd);
      o.write((int) n);
      o.write((int) (n >>> 8));
    } else {
      o.write(0xfe);
      for (int i = 0; i < 4; i++) {
        o.write((int) (n >>> (8 * i)));
      }
    }
  }

  static byte[] encode(PartialMerkleTree t) {
    ByteArrayOutputStream o = new ByteArrayOutputStream();
    long n = t.totalTransactions();
    for (int i = 0; i < 4; i++) {
      o.write((int) (n >>> (8 * i)));
    }
    compactSize(o, t.hashes().size());
    t.hashes().forEach(h -> o.writeBytes(h.toByteArray()));
    byte[] flags = t.flagBytes();
    compactSize(o, flags.length);
    o.writeBytes(flags);
    return o.toByteArray();
  }

  static byte[] encode(MerkleBlock b) {
    ByteArrayOutputStream o = new ByteArrayOutputStream();
    o.writeBytes(b.header());
    o.writeBytes(encode(b.tree()));
    return o.toByteArray();
  }

  @Override
  protected List<DecoderSpec<?>> specs() {
    return List.of(
        DecoderSpec.canonical("merkleblock", (byte[] b) -> {
          MerkleBlock m = MerkleBlock.parse(b);
          m.verify();
          m.blockHash();
          return m;
        }, MerkleBlockFuzzTest::encode).byEncoding(),
        DecoderSpec.canonical("partial-merkle-tree", (byte[] b) -> {
          PartialMerkleTree t = PartialMerkleTree.decode(b);
          t.extract();
          return t;
        }, MerkleBlockFuzzTest::encode).byEncoding());
  }

  /** The partial tree part of a merkleblock built by {@link MerkleBlockBuilder#build}. */
  static byte[] partialTree(List<Digest> txids, java.util.Set<Integer> match) {
    java.util.BitSet m = new java.util.BitSet();
    match.forEach(m::set);
    byte[] block = MerkleBlockBuilder.build(new byte[80], txids, m);
    return java.util.Arrays.copyOfRange(block, 80, block.length);
  }

  @Override
  protected List<Seed> seeds() {
    List<Digest> txids = new ArrayList<>();
    for (int i = 0; i < 11; i++) {
      txids.add(Sha256.hash(new byte[] {(byte) i}));
    }
    byte[] header = new byte[80];
    header[0] = 2;
    BitcoinMerkle.root(txids).copyTo(header, 36);
    byte[] tree = partialTree(txids, java.util.Set.of(5));
    byte[] block = new byte[80 + tree.length];
    System.arraycopy(header, 0, block, 0, 80);
    System.arraycopy(tree, 0, block, 80, tree.length);
    MerkleBlock mb = MerkleBlock.parse(block);
    if (!(mb.verify() instanceof PartialMerkleTree.Matched)) {
      throw new AssertionError("the seed merkleblock does not verify: " + mb.verify());
    }
    return List.of(
        new Seed(0, "one-of-11", mb),
        new Seed(1, "two-of-11", PartialMerkleTree.decode(partialTree(txids, java.util.Set.of(0, 10)))),
        new Seed(1, "single", PartialMerkleTree.decode(partialTree(txids.subList(0, 1), java.util.Set.of(0)))));
  }
}
