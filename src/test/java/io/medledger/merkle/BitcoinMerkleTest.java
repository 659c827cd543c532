package io.medledger.merkle;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.medledger.codec.Hex;
import io.medledger.codec.MalformedEncodingException;
import io.medledger.crypto.Digest;
import io.medledger.crypto.Sha256;
import io.medledger.merkle.PartialMerkleTree.Matched;
import io.medledger.merkle.PartialMerkleTree.Reason;
import io.medledger.merkle.PartialMerkleTree.Rejected;
import io.medledger.testing.SharedVectors;
import java.io.ByteArrayOutputStream;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** Bitcoin's Merkle tree and BIP 37 partial trees against real mainnet blocks and merkleblocks. */
class BitcoinMerkleTest {
  private static final JsonNode BLOCKS = SharedVectors.json("vectors/bitcoin/mainnet-blocks.json");
  private static final JsonNode MERKLEBLOCKS = SharedVectors.json("vectors/bitcoin/mainnet-merkleblocks.json");

  /** A display-order hex hash (as explorers print it) in internal byte order. */
  private static Digest internal(JsonNode displayHex) {
    return Digest.fromHex(displayHex.asText()).reversed();
  }

  private static List<Digest> txids(JsonNode block) {
    List<Digest> out = new ArrayList<>();
    block.get("txids").forEach(t -> out.add(internal(t)));
    return out;
  }

  private static Map<String, JsonNode> blocksByHash() {
    Map<String, JsonNode> m = new HashMap<>();
    BLOCKS.get("blocks").forEach(b -> m.put(b.get("hash").asText(), b));
    return m;
  }

  @Test
  void mainnetBlocksGiveTheirHeadersMerkleRoot() {
    int blocks = 0;
    for (JsonNode b : BLOCKS.get("blocks")) {
      List<Digest> txids = txids(b);
      assertEquals(b.get("tx_count").asInt(), txids.size());
      byte[] header = Hex.decode(b.get("header_hex").asText());
      Digest headerRoot = Digest.of(header, 36);
      assertEquals(internal(b.get("merkle_root")), headerRoot);
      assertEquals(internal(b.get("hash")), Sha256.doubleHash(header));
      assertEquals(headerRoot, BitcoinMerkle.root(txids), "block " + b.get("hash").asText());
      assertFalse(BitcoinMerkle.hasDuplicateSiblings(txids));
      for (JsonNode s : b.get("spv_branches")) {
        int index = s.get("tx_index").asInt();
        List<Digest> branch = new ArrayList<>();
        s.get("branch").forEach(h -> branch.add(internal(h)));
        assertEquals(branch, BitcoinMerkle.branch(txids, index));
        assertEquals(headerRoot, BitcoinMerkle.rootFromBranch(internal(s.get("txid")), index, branch));
        if (!branch.isEmpty() && !branch.get(0).equals(internal(s.get("txid")))) {
          // The same branch read for the sibling position leads elsewhere.
          assertFalse(headerRoot.equals(BitcoinMerkle.rootFromBranch(internal(s.get("txid")), index ^ 1, branch)));
        }
      }
      blocks++;
    }
    assertEquals(14, blocks);
  }

  @Test
  void duplicatingTheTailKeepsTheRootButIsDetected() {
    for (JsonNode b : BLOCKS.get("blocks")) {
      List<Digest> txids = txids(b);
      if (txids.size() % 2 == 1 && txids.size() > 1) {
        List<Digest> padded = new ArrayList<>(txids);
        padded.add(txids.get(txids.size() - 1));
        assertEquals(BitcoinMerkle.root(txids), BitcoinMerkle.root(padded));
        assertTrue(BitcoinMerkle.hasDuplicateSiblings(padded));
      }
    }
    assertThrows(IllegalArgumentException.class, () -> BitcoinMerkle.root(List.of()));
    Digest one = Sha256.hash(new byte[] {1});
    assertEquals(one, BitcoinMerkle.root(List.of(one)));
    assertEquals(Sha256.doubleHash(one, one), BitcoinMerkle.nodeHash(one, one));
  }

  @Test
  void realMerkleblocksVerifyWithTheRightMatches() {
    Map<String, JsonNode> blocks = blocksByHash();
    int n = 0;
    for (JsonNode mb : MERKLEBLOCKS.get("merkleblocks")) {
      MerkleBlock block = MerkleBlock.parse(Hex.decode(mb.get("merkleblock_hex").asText()));
      assertArrayEquals(Hex.decode(mb.get("header_hex").asText()), block.header());
      assertEquals(internal(mb.get("block_hash")), block.blockHash());
      assertEquals(mb.get("total_transactions").asLong(), block.tree().totalTransactions());
      List<Digest> hashes = new ArrayList<>();
      mb.get("hashes").forEach(h -> hashes.add(internal(h)));
      assertEquals(hashes, block.tree().hashes());
      assertArrayEquals(Hex.decode(mb.get("flags_hex").asText()), block.tree().flagBytes());

      Matched m = assertInstanceOf(Matched.class, block.verify(), mb.get("description").asText());
      assertEquals(internal(mb.get("merkle_root")), m.root());
      assertEquals(block.headerMerkleRoot(), m.root());
      JsonNode full = blocks.get(mb.get("block_hash").asText());
      List<Digest> all = txids(full);
      assertEquals(mb.get("matched").size(), m.matches().size());
      for (int i = 0; i < m.matches().size(); i++) {
        JsonNode want = mb.get("matched").get(i);
        PartialMerkleTree.Match got = m.matches().get(i);
        assertEquals(want.get("index").asLong(), got.index());
        assertEquals(internal(want.get("txid")), got.txid());
        assertEquals(all.get((int) got.index()), got.txid());
      }
      assertEquals(m.matches().stream().map(PartialMerkleTree.Match::txid).toList(), m.txids());
      // Re-encoding the same tree with our builder gives the same bytes.
      BitSet match = new BitSet();
      m.matches().forEach(x -> match.set((int) x.index()));
      assertArrayEquals(Hex.decode(mb.get("merkleblock_hex").asText()), MerkleBlockBuilder.build(block.header(), all, match));
      n++;
    }
    assertEquals(8, n);
  }

  @Test
  void forgedMerkleblocksAreRejected() {
    int n = 0;
    for (JsonNode c : MERKLEBLOCKS.get("invalid_cases")) {
      assertEquals("reject", c.get("expected").asText());
      String reason = c.get("reason").asText();
      Reason want;
      if (reason.contains("root_mismatch")) {
        want = Reason.ROOT_MISMATCH;
      } else if (reason.contains("unused hashes")) {
        want = Reason.UNUSED_HASHES;
      } else if (reason.contains("overflowed hashes")) {
        want = Reason.HASHES_EXHAUSTED;
      } else if (reason.contains("unused flag")) {
        want = Reason.UNUSED_FLAG_BITS;
      } else if (reason.contains("CVE-2012-2459")) {
        want = Reason.DUPLICATE_SUBTREE;
      } else {
        throw new AssertionError("unexpected reason " + reason);
      }
      MerkleBlock block = MerkleBlock.parse(Hex.decode(c.get("merkleblock_hex").asText()));
      Rejected r = assertInstanceOf(Rejected.class, block.verify(), c.get("description").asText());
      assertEquals(want, r.reason(), c.get("description").asText());
      n++;
    }
    assertEquals(7, n);
  }

  @Test
  void randomPartialTreesRoundTrip() {
    Random rnd = new Random(37);
    int samples = Integer.getInteger("medledger.test.seeds", 200);
    for (int s = 0; s < samples; s++) {
      int count = 1 + rnd.nextInt(s % 10 == 0 ? 3000 : 300);
      List<Digest> txids = new ArrayList<>();
      for (int i = 0; i < count; i++) {
        byte[] b = new byte[32];
        rnd.nextBytes(b);
        txids.add(Digest.of(b));
      }
      BitSet match = new BitSet();
      double p = rnd.nextDouble() * 0.2;
      for (int i = 0; i < count; i++) {
        if (rnd.nextDouble() < p) {
          match.set(i);
        }
      }
      Digest root = BitcoinMerkle.root(txids);
      byte[] header = header(root);
      byte[] msg = MerkleBlockBuilder.build(header, txids, match);
      Matched m = assertInstanceOf(Matched.class, MerkleBlock.parse(msg).verify());
      assertEquals(root, m.root());
      assertEquals(match.cardinality(), m.matches().size());
      for (PartialMerkleTree.Match x : m.matches()) {
        assertTrue(match.get((int) x.index()));
        assertEquals(txids.get((int) x.index()), x.txid());
      }
      // Any single-byte change is undecodable, rejected, or still leads to its header's root. A
      // change in the tree part may legitimately survive (padding bits, or a leaf's match flag,
      // which BIP 37 does not authenticate), but then every match is still a real txid.
      for (int t = 0; t < 20; t++) {
        byte[] bad = msg.clone();
        int at = rnd.nextInt(bad.length);
        bad[at] ^= (byte) (1 + rnd.nextInt(255));
        PartialMerkleTree.Result r;
        try {
          r = MerkleBlock.parse(bad).verify();
        } catch (MalformedEncodingException e) {
          continue;
        }
        if (r instanceof Matched mm) {
          assertEquals(Digest.of(bad, 36), mm.root());
          if (at >= 84) {
            for (PartialMerkleTree.Match x : mm.matches()) {
              assertEquals(txids.get((int) x.index()), x.txid(), "forged match after a change at " + at);
            }
          }
        }
      }
    }
  }

  @Test
  void structuralRules() {
    byte[] h = new byte[80];
    // The Core rules checked before the traversal.
    assertEquals(Reason.NO_TRANSACTIONS, reject(tree(0, 0, new byte[] {1})));
    assertEquals(Reason.TOO_MANY_TRANSACTIONS, reject(tree(16667, 1, new byte[] {1})));
    assertEquals(Reason.TOO_MANY_HASHES, reject(tree(1, 2, new byte[] {3})));
    assertEquals(Reason.TOO_FEW_FLAG_BITS, reject(tree(16, 9, new byte[] {-1})));
    assertEquals(Reason.FLAG_BITS_EXHAUSTED, reject(tree(16, 8, new byte[] {-1})));
    assertEquals(Reason.HASHES_EXHAUSTED, reject(tree(2, 1, new byte[] {7})));
    assertEquals(Reason.UNUSED_HASHES, reject(tree(4, 1, new byte[] {0}, 1)));
    assertInstanceOf(Matched.class, PartialMerkleTree.decode(tree(1, 1, new byte[] {1})).extract());
    assertEquals(16666, PartialMerkleTree.MAX_TRANSACTIONS);
    assertEquals(h.length, MerkleBlock.HEADER_LENGTH);
  }

  @Test
  void decodingIsBounded() {
    byte[] good = MerkleBlockBuilder.build(header(Sha256.hash(new byte[0])), List.of(Sha256.hash(new byte[0])), new BitSet());
    MerkleBlock.parse(good);
    assertThrows(MalformedEncodingException.class, () -> MerkleBlock.parse(new byte[79]));
    assertThrows(MalformedEncodingException.class, () -> MerkleBlock.parse(java.util.Arrays.copyOf(good, good.length - 1)));
    assertThrows(MalformedEncodingException.class, () -> MerkleBlock.parse(java.util.Arrays.copyOf(good, good.length + 1)));
    // 2^32 - 1 hashes claimed with nothing behind them: rejected before any allocation.
    ByteArrayOutputStream o = new ByteArrayOutputStream();
    o.writeBytes(new byte[80]);
    o.writeBytes(new byte[] {1, 0, 0, 0, (byte) 0xfe, (byte) 0xff, (byte) 0xff, (byte) 0xff, 0x01});
    assertThrows(MalformedEncodingException.class, () -> MerkleBlock.parse(o.toByteArray()));
    o.reset();
    o.writeBytes(new byte[80]);
    o.writeBytes(new byte[] {1, 0, 0, 0, (byte) 0xff, 0, 0, 0, 0, 0, 0, 0, 0x10});
    assertThrows(MalformedEncodingException.class, () -> MerkleBlock.parse(o.toByteArray()));
    // Non-canonical compact size (1 written in three bytes).
    o.reset();
    o.writeBytes(new byte[] {1, 0, 0, 0, (byte) 0xfd, 1, 0});
    o.writeBytes(new byte[32]);
    o.writeBytes(new byte[] {1, 1});
    assertThrows(MalformedEncodingException.class, () -> PartialMerkleTree.decode(o.toByteArray()));
    // More flag bytes claimed than present.
    o.reset();
    o.writeBytes(new byte[] {1, 0, 0, 0, 1});
    o.writeBytes(new byte[32]);
    o.writeBytes(new byte[] {5, 1});
    assertThrows(MalformedEncodingException.class, () -> PartialMerkleTree.decode(o.toByteArray()));
  }

  private static Reason reject(byte[] encodedTree) {
    return assertInstanceOf(Rejected.class, PartialMerkleTree.decode(encodedTree).extract()).reason();
  }

  private static byte[] tree(long total, int hashes, byte[] flags) {
    return tree(total, hashes, flags, 0);
  }

  /** A tree with distinct made-up hashes; {@code extraHashes} more are appended. */
  private static byte[] tree(long total, int hashes, byte[] flags, int extraHashes) {
    ByteArrayOutputStream o = new ByteArrayOutputStream();
    o.writeBytes(new byte[] {(byte) total, (byte) (total >>> 8), (byte) (total >>> 16), (byte) (total >>> 24)});
    o.write(hashes + extraHashes);
    for (int i = 0; i < hashes + extraHashes; i++) {
      o.writeBytes(Sha256.hash(new byte[] {(byte) i}).toByteArray());
    }
    o.write(flags.length);
    o.writeBytes(flags);
    return o.toByteArray();
  }

  /** The library's gettxoutproof builder ({@link MerkleBlock#of}) against the builder written from the BIP. */
  @Test
  void singleMatchMerkleBlocksEqualTheBipBuilders() {
    java.util.Random rnd = new java.util.Random(11);
    for (int count : new int[] {1, 2, 3, 5, 7, 8, 9, 16, 17, 31, 100, 300}) {
      List<Digest> txids = new ArrayList<>();
      for (int i = 0; i < count; i++) {
        byte[] b = new byte[32];
        rnd.nextBytes(b);
        txids.add(Digest.of(b));
      }
      byte[] header = header(BitcoinMerkle.root(txids));
      for (int i = 0; i < count; i += 1 + count / 10) {
        BitSet match = new BitSet();
        match.set(i);
        MerkleBlock mb = MerkleBlock.of(header, txids, i);
        assertArrayEquals(MerkleBlockBuilder.build(header, txids, match), mb.encode(), count + " txids, match " + i);
        Matched m = assertInstanceOf(Matched.class, mb.verify());
        assertEquals(List.of(new PartialMerkleTree.Match(i, txids.get(i))), m.matches());
      }
    }
  }

  private static byte[] header(Digest merkleRoot) {
    byte[] h = new byte[80];
    h[0] = 1;
    merkleRoot.copyTo(h, 36);
    return h;
  }
}
