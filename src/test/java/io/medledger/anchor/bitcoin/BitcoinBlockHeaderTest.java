package io.medledger.anchor.bitcoin;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.medledger.codec.Hex;
import io.medledger.codec.MalformedEncodingException;
import io.medledger.crypto.Digest;
import io.medledger.testing.SharedVectors;
import java.math.BigInteger;
import org.junit.jupiter.api.Test;

class BitcoinBlockHeaderTest {
  private static final BitcoinChainParams MAIN = BitcoinChainParams.MAINNET;

  @Test
  void realBlockHeadersDecodeHashAndMeetTheirTargets() {
    JsonNode blocks = SharedVectors.json("vectors/bitcoin/mainnet-blocks.json").get("blocks");
    int n = 0;
    for (JsonNode b : blocks) {
      BitcoinBlockHeader h = BitcoinBlockHeader.fromHex(b.get("header_hex").asText());
      assertEquals(b.get("hash").asText(), h.hashHex());
      assertEquals(Digest.fromHex(b.get("hash").asText()).reversed(), h.hash());
      assertEquals(b.get("version").asInt(), h.version());
      assertEquals(b.get("prev_hash").asText(), h.previousBlockHash().reversed().toHex());
      assertEquals(b.get("merkle_root").asText(), h.merkleRootHex());
      assertEquals(b.get("time").asLong(), h.time());
      assertEquals(b.get("bits").asText(), CompactTarget.toHex(h.bits()));
      assertEquals(b.get("nonce").asLong(), h.nonce());
      assertEquals(new BigInteger(b.get("target").asText(), 16), h.target().target());
      assertTrue(h.checkProofOfWork(MAIN), b.get("hash").asText());
      assertEquals(b.get("header_hex").asText(), h.toHex());
      BitcoinBlockHeader rebuilt = BitcoinBlockHeader.of(h.version(), h.previousBlockHash(), h.merkleRoot(),
          h.time(), h.bits(), h.nonce());
      assertEquals(h, rebuilt);
      assertArrayEquals(h.serialize(), rebuilt.serialize());
      n++;
    }
    assertEquals(14, n);
  }

  @Test
  void everyHeaderOfTheRealRunsMeetsItsTargetAndABitFlipBreaksIt() {
    JsonNode runs = SharedVectors.json("vectors/bitcoin/mainnet-headers.json").get("runs");
    int checked = 0;
    for (JsonNode run : runs) {
      int i = 0;
      for (JsonNode hex : run.get("headers")) {
        byte[] raw = Hex.decode(hex.asText());
        assertTrue(BitcoinBlockHeader.parse(raw).checkProofOfWork(MAIN), "height " + (run.get("start_height").asLong() + i));
        // Flip one bit of the nonce or of the Merkle root: the hash changes and misses the target.
        int bit = (i * 37) % 32;
        raw[(i % 2 == 0 ? 76 : 36) + bit / 8] ^= (byte) (1 << (bit % 8));
        assertFalse(BitcoinBlockHeader.parse(raw).checkProofOfWork(MAIN));
        i++;
        checked++;
      }
    }
    assertEquals(439 + 2017, checked);
  }

  @Test
  void parsingIsStrictAboutLength() {
    assertThrows(MalformedEncodingException.class, () -> BitcoinBlockHeader.parse(new byte[79]));
    assertThrows(MalformedEncodingException.class, () -> BitcoinBlockHeader.parse(new byte[81]));
    assertThrows(MalformedEncodingException.class, () -> BitcoinBlockHeader.parse(new byte[100], 21));
    assertThrows(MalformedEncodingException.class, () -> BitcoinBlockHeader.fromHex("00".repeat(79)));
    assertThrows(MalformedEncodingException.class, () -> BitcoinBlockHeader.fromHex("zz".repeat(80)));
    byte[] buf = new byte[100];
    buf[20] = 7;
    assertEquals(7, BitcoinBlockHeader.parse(buf, 20).version());
  }

  @Test
  void compactDecodingsAndEncodingsMatchCore() {
    JsonNode r = SharedVectors.json("vectors/bitcoin/mainnet-retargets.json");
    for (JsonNode c : r.get("compact_decodings")) {
      int bits = CompactTarget.fromHex(c.get("bits").asText());
      CompactTarget.Decoded d = CompactTarget.decode(bits);
      assertFalse(d.negative());
      assertFalse(d.overflow());
      assertEquals(new BigInteger(c.get("target").asText(), 16), d.target(), c.get("bits").asText());
      assertEquals(c.get("recompacted").asText(), CompactTarget.toHex(CompactTarget.encode(d.target())));
    }
  }

  @Test
  void compactEdgeCasesFollowCheckProofOfWork() {
    JsonNode r = SharedVectors.json("vectors/bitcoin/mainnet-retargets.json");
    int n = 0;
    for (JsonNode c : r.get("compact_pow_edge_cases")) {
      int bits = CompactTarget.fromHex(c.get("bits").asText());
      // A header whose hash is the given value: build its bytes around a hash we cannot choose,
      // so check the rule on the decoded target directly, as CheckProofOfWork does.
      BigInteger hash = new BigInteger(c.get("hash").asText(), 16);
      CompactTarget.Decoded d = CompactTarget.decode(bits);
      boolean valid = d.isUsableTarget() && d.target().compareTo(MAIN.powLimit()) <= 0 && hash.compareTo(d.target()) <= 0;
      assertEquals(c.get("expected_valid").asBoolean(), valid, c.get("description").asText());
      n++;
    }
    assertEquals(7, n);
    assertTrue(CompactTarget.decode(0x1d80ffff).negative());
    assertTrue(CompactTarget.decode(0xff7fffff).overflow());
    assertTrue(CompactTarget.decode(0x22000100).overflow());
    assertFalse(CompactTarget.decode(0x21000100).overflow());
    assertFalse(CompactTarget.decode(0x04800000).negative(), "sign bit on a zero mantissa is not negative");
    assertEquals(BigInteger.ZERO, CompactTarget.work(0x1d000000));
  }

  @Test
  void theHeaderLevelCheckRejectsUnusableTargets() {
    BitcoinBlockHeader genesis = genesis();
    for (int bits : new int[] {0x1d80ffff, 0xff7fffff, 0x1d01ffff, 0x1d000000}) {
      BitcoinBlockHeader h = BitcoinBlockHeader.of(genesis.version(), genesis.previousBlockHash(),
          genesis.merkleRoot(), genesis.time(), bits, genesis.nonce());
      assertFalse(h.checkProofOfWork(MAIN), CompactTarget.toHex(bits));
    }
  }

  static BitcoinBlockHeader genesis() {
    JsonNode runs = SharedVectors.json("vectors/bitcoin/mainnet-headers.json").get("runs");
    return BitcoinBlockHeader.fromHex(runs.get(0).get("headers").get(0).asText());
  }
}
