package io.medledger.anchor.bitcoin;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.medledger.codec.MalformedEncodingException;
import io.medledger.crypto.Digest;
import io.medledger.testing.SharedVectors;
import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class SpvVerifierTest {
  private static final BitcoinChainParams MAIN = BitcoinChainParams.MAINNET;

  private static Map<Long, BitcoinBlockHeader> knownHeights() {
    Map<Long, BitcoinBlockHeader> m = new HashMap<>();
    for (JsonNode b : SharedVectors.json("vectors/bitcoin/mainnet-blocks.json").get("blocks")) {
      if (!b.get("height").isNull()) {
        m.put(b.get("height").asLong(), BitcoinBlockHeader.fromHex(b.get("header_hex").asText()));
      }
    }
    return m;
  }

  @Test
  void branchesOfRealBlocksAreProvenAgainstAFileSource() {
    FileHeaderSource src = FileHeaderSource.of(knownHeights());
    SpvVerifier v = new SpvVerifier(src, MAIN);
    int n = 0;
    for (JsonNode b : SharedVectors.json("vectors/bitcoin/mainnet-blocks.json").get("blocks")) {
      if (b.get("height").isNull()) {
        continue;
      }
      long height = b.get("height").asLong();
      for (JsonNode s : b.get("spv_branches")) {
        List<Digest> path = new ArrayList<>();
        s.get("branch").forEach(x -> path.add(MerkleBranchTest.internal(x)));
        MerkleBranch branch = new MerkleBranch(MerkleBranchTest.internal(s.get("txid")), s.get("tx_index").asLong(), path);
        TxInclusion r = v.verifyBranch(branch, height);
        assertInstanceOf(TxInclusion.Proven.class, r, r.toString());
        assertEquals(height, ((TxInclusion.Proven) r).height());
        assertEquals(830000 - height + 1, ((TxInclusion.Proven) r).confirmations());
        assertTrue(v.verifyBranch(branch, Digest.fromHex(b.get("hash").asText()).reversed()).proven());
        // The same branch against another block's header fails.
        long other = height == 170 ? 0 : 170;
        assertFalse(v.verifyBranch(branch, other).proven());
        n++;
      }
    }
    assertTrue(n > 20);
    assertFalse(v.verifyBranch(new MerkleBranch(Digest.of(new byte[32]), 0, List.of()), 5).proven());
  }

  @Test
  void merkleBlockMatchesAreTiedToTheSource() {
    Map<Long, BitcoinBlockHeader> heights = knownHeights();
    SpvVerifier v = new SpvVerifier(FileHeaderSource.of(heights), MAIN);
    int n = 0;
    for (JsonNode mb : SharedVectors.json("vectors/bitcoin/mainnet-merkleblocks.json").get("merkleblocks")) {
      if (mb.get("block_height").isNull() || !heights.containsKey(mb.get("block_height").asLong())) {
        continue;
      }
      BitcoinBlockHeader header = BitcoinBlockHeader.fromHex(mb.get("header_hex").asText());
      List<Digest> matched = new ArrayList<>();
      mb.get("matched").forEach(m -> matched.add(MerkleBranchTest.internal(m.get("txid"))));
      // What a partial-tree parser yields after folding the tree (here the published root).
      MerkleBlockMatches m = new MerkleBlockMatches(header, MerkleBranchTest.internal(mb.get("merkle_root")),
          mb.get("total_transactions").asLong(), matched);
      for (Digest txid : matched) {
        assertTrue(v.verifyMerkleBlock(txid, m).proven());
      }
      assertFalse(v.verifyMerkleBlock(Digest.of(new byte[32]), m).proven());
      MerkleBlockMatches wrongRoot = new MerkleBlockMatches(header, Digest.of(new byte[32]), m.totalTransactions(), matched);
      assertFalse(v.verifyMerkleBlock(matched.get(0), wrongRoot).proven());
      n++;
    }
    assertTrue(n >= 6, "merkleblocks of blocks 100001 and 830000");
    // A merkleblock of a block the source does not know proves nothing.
    SpvVerifier empty = new SpvVerifier(FileHeaderSource.of(Map.of()), MAIN);
    BitcoinBlockHeader h = heights.get(100000L);
    TxInclusion r = empty.verifyMerkleBlock(h.merkleRoot(), new MerkleBlockMatches(h, h.merkleRoot(), 1, List.of(h.merkleRoot())));
    assertTrue(((TxInclusion.NotProven) r).reason().contains("not in the header source"));
  }

  @Test
  void aValidatedHeaderChainIsAHeaderSource() {
    JsonNode run = SharedVectors.json("vectors/bitcoin/mainnet-headers.json").get("runs").get(0);
    List<BitcoinBlockHeader> headers = new ArrayList<>();
    run.get("headers").forEach(h -> headers.add(BitcoinBlockHeader.fromHex(h.asText())));
    HeaderChain chain = HeaderChain.fromGenesis(MAIN, headers.get(0));
    assertTrue(chain.appendAll(headers.subList(1, headers.size())).accepted());
    SpvVerifier v = new SpvVerifier(chain, MAIN);
    JsonNode b170 = null;
    for (JsonNode b : SharedVectors.json("vectors/bitcoin/mainnet-blocks.json").get("blocks")) {
      if (b.get("height").asLong(-1) == 170) {
        b170 = b;
      }
    }
    List<Digest> txids = new ArrayList<>();
    b170.get("txids").forEach(t -> txids.add(MerkleBranchTest.internal(t)));
    for (int i = 0; i < txids.size(); i++) {
      TxInclusion r = v.verifyBranch(MerkleBranch.fromTxids(txids, i), 170);
      assertTrue(r.proven(), r.toString());
      assertEquals(438 - 170 + 1, ((TxInclusion.Proven) r).confirmations());
    }
    assertFalse(v.verifyBranch(MerkleBranch.fromTxids(txids, 0), 171).proven());
    assertFalse(v.verifyBranch(MerkleBranch.fromTxids(txids, 0), 439).proven());
  }

  @Test
  void serializedMerkleBlocksAreTraversedAndTiedToTheSource() {
    Map<Long, BitcoinBlockHeader> heights = knownHeights();
    SpvVerifier v = new SpvVerifier(FileHeaderSource.of(heights), MAIN);
    JsonNode file = SharedVectors.json("vectors/bitcoin/mainnet-merkleblocks.json");
    int proven = 0;
    for (JsonNode mb : file.get("merkleblocks")) {
      byte[] bytes = io.medledger.codec.Hex.decode(mb.get("merkleblock_hex").asText());
      boolean known = !mb.get("block_height").isNull() && heights.containsKey(mb.get("block_height").asLong());
      for (JsonNode m : mb.get("matched")) {
        TxInclusion r = v.verifyMerkleBlock(MerkleBranchTest.internal(m.get("txid")), bytes);
        assertEquals(known, r.proven(), mb.get("description").asText() + ": " + r);
        if (known) {
          assertEquals(mb.get("block_height").asLong(), ((TxInclusion.Proven) r).height());
          proven++;
        }
      }
      assertFalse(v.verifyMerkleBlock(Digest.of(new byte[32]), bytes).proven());
    }
    assertTrue(proven >= 10, "proven " + proven);
    // The forged and mutated proofs of block 100001 prove nothing (or do not even parse).
    Digest tx0 = MerkleBranchTest.internal(file.get("merkleblocks").get(1).get("matched").get(0).get("txid"));
    int rejected = 0;
    for (JsonNode bad : file.get("invalid_cases")) {
      byte[] bytes = io.medledger.codec.Hex.decode(bad.get("merkleblock_hex").asText());
      try {
        for (JsonNode any : file.get("merkleblocks").get(1).get("matched")) {
          assertFalse(v.verifyMerkleBlock(MerkleBranchTest.internal(any.get("txid")), bytes).proven(),
              bad.get("description").asText());
        }
        assertFalse(v.verifyMerkleBlock(tx0, bytes).proven());
      } catch (MalformedEncodingException e) {
        assertTrue(e.getMessage() != null);
      }
      rejected++;
    }
    assertTrue(rejected >= 5);
  }

  @Test
  void headersFileFormat() {
    Map<Long, BitcoinBlockHeader> heights = knownHeights();
    StringBuilder json = new StringBuilder("{");
    heights.forEach((k, h) -> json.append('"').append(k).append("\":\"").append(h.toHex()).append("\","));
    json.setLength(json.length() - 1);
    json.append('}');
    FileHeaderSource src = FileHeaderSource.parse(in(json.toString()));
    assertEquals(heights.size(), src.size());
    assertEquals(830000, src.bestHeight().getAsLong());
    assertEquals(heights.get(100001L), src.headerAt(100001).orElseThrow());
    assertEquals(100000, src.headerByHash(heights.get(100000L).hash()).orElseThrow().height());
    assertTrue(src.headerAt(1).isEmpty());

    String h0 = heights.get(0L).toHex();
    String h170 = heights.get(170L).toHex();
    assertThrows(MalformedEncodingException.class, () -> FileHeaderSource.parse(in("[]")));
    assertThrows(MalformedEncodingException.class, () -> FileHeaderSource.parse(in("{\"-1\":\"" + h0 + "\"}")));
    assertThrows(MalformedEncodingException.class, () -> FileHeaderSource.parse(in("{\"01\":\"" + h0 + "\"}")));
    assertThrows(MalformedEncodingException.class, () -> FileHeaderSource.parse(in("{\"x\":\"" + h0 + "\"}")));
    assertThrows(MalformedEncodingException.class, () -> FileHeaderSource.parse(in("{\"0\":\"" + h0.substring(2) + "\"}")));
    assertThrows(MalformedEncodingException.class, () -> FileHeaderSource.parse(in("{\"0\":5}")));
    assertThrows(MalformedEncodingException.class, () -> FileHeaderSource.parse(in("{\"0\":\"" + h0 + "\"")));
    // Consecutive heights must link: genesis followed by block 170's header does not.
    MalformedEncodingException e = assertThrows(MalformedEncodingException.class,
        () -> FileHeaderSource.parse(in("{\"0\":\"" + h0 + "\",\"1\":\"" + h170 + "\"}")));
    assertTrue(e.getMessage().contains("does not link"));
  }

  private static ByteArrayInputStream in(String s) {
    return new ByteArrayInputStream(s.getBytes(StandardCharsets.UTF_8));
  }
}
