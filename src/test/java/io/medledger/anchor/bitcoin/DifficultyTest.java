package io.medledger.anchor.bitcoin;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.medledger.testing.SharedVectors;
import java.math.BigInteger;
import org.junit.jupiter.api.Test;

class DifficultyTest {
  private static final BitcoinChainParams MAIN = BitcoinChainParams.MAINNET;

  @Test
  void everyPublishedRetargetIsRecomputedExactly() {
    JsonNode r = SharedVectors.json("vectors/bitcoin/mainnet-retargets.json").get("retargets");
    int n = 0;
    int changed = 0;
    for (JsonNode t : r) {
      BitcoinBlockHeader first = BitcoinBlockHeader.fromHex(t.get("period_first_header_hex").asText());
      BitcoinBlockHeader last = BitcoinBlockHeader.fromHex(t.get("period_last_header_hex").asText());
      BitcoinBlockHeader next = BitcoinBlockHeader.fromHex(t.get("next_header_hex").asText());
      String where = "retarget at " + t.get("height").asLong();
      assertTrue(first.checkProofOfWork(MAIN) && last.checkProofOfWork(MAIN) && next.checkProofOfWork(MAIN), where);
      assertEquals(last.hash(), next.previousBlockHash(), where);
      assertEquals(t.get("period_first_time").asLong(), first.time());
      assertEquals(t.get("period_last_time").asLong(), last.time());
      int before = CompactTarget.fromHex(t.get("bits_before").asText());
      assertEquals(before, last.bits());
      int expected = CompactTarget.fromHex(t.get("expected_bits").asText());
      int computed = MAIN.nextWorkRequired(last.bits(), first.time(), last.time());
      assertEquals(expected, computed, where);
      assertEquals(expected, next.bits(), where);
      if (expected != before) {
        changed++;
        // Carrying the old bits over the boundary is wrong.
        assertNotEquals(before, computed);
      }
      // Cumulative work: 2015 blocks at the old target, then one at the new.
      BigInteger cwFirst = new BigInteger(t.get("chainwork_period_first").asText(), 16);
      BigInteger cwLast = new BigInteger(t.get("chainwork_period_last").asText(), 16);
      BigInteger cwNext = new BigInteger(t.get("chainwork_next").asText(), 16);
      assertEquals(cwLast.subtract(cwFirst), last.work().multiply(BigInteger.valueOf(2015)), where);
      assertEquals(cwNext.subtract(cwLast), next.work(), where);
      n++;
    }
    assertEquals(276, n);
    assertTrue(changed > 200);
  }

  @Test
  void coreCalculateNextWorkRequiredVectors() {
    JsonNode v = SharedVectors.json("vectors/bitcoin/mainnet-retargets.json").get("core_pow_tests").get("vectors");
    int n = 0;
    for (JsonNode t : v) {
      int computed = MAIN.nextWorkRequired(CompactTarget.fromHex(t.get("bits_before").asText()),
          t.get("period_first_time").asLong(), t.get("period_last_time").asLong());
      assertEquals(t.get("expected_bits").asText(), CompactTarget.toHex(computed), t.get("test_case").asText());
      n++;
    }
    assertEquals(4, n);
  }

  @Test
  void checkpointsCarryConsistentWork() {
    JsonNode c = SharedVectors.json("vectors/bitcoin/mainnet-checkpoints.json").get("checkpoints");
    BitcoinBlockHeader prev = null;
    BigInteger prevWork = null;
    for (JsonNode cp : c) {
      BitcoinBlockHeader h = BitcoinBlockHeader.fromHex(cp.get("header_hex").asText());
      assertEquals(cp.get("hash").asText(), h.hashHex());
      assertTrue(h.checkProofOfWork(MAIN), "checkpoint " + cp.get("height"));
      assertEquals(cp.get("bits").asText(), CompactTarget.toHex(h.bits()));
      assertEquals(cp.get("time").asLong(), h.time());
      assertEquals(0, cp.get("height").asLong() % 2016);
      BigInteger work = new BigInteger(cp.get("chainwork").asText(), 16);
      if (prev != null) {
        assertEquals(work.subtract(prevWork), prev.work().multiply(BigInteger.valueOf(2015)).add(h.work()),
            "checkpoint " + cp.get("height"));
      }
      prev = h;
      prevWork = work;
    }
  }

  /**
   * Compact bits in hex are text from outside (a node's answer, a file): a sign or a non-ASCII
   * digit ({@code -0000001}, {@code +1d00fff}, an Arabic-Indic one) was read by
   * {@code Long.parseLong} as a number, so texts that are not 8 hex digits were accepted as other
   * bits, and other bad text threw {@code IllegalArgumentException}.
   */
  @Test
  void compactBitsHexIsEightHexDigitsOrMalformed() {
    assertEquals(0x1d00ffff, CompactTarget.fromHex("1d00ffff"));
    assertEquals(0x1d00ffff, CompactTarget.fromHex("1D00FFFF"));
    for (String t : new String[] {"-0000001", "+1d00fff", "\u0661d00ffff", "1d00fff", "1d00fffg"}) {
      org.junit.jupiter.api.Assertions.assertThrows(io.medledger.codec.MalformedEncodingException.class,
          () -> CompactTarget.fromHex(t), t);
    }
    io.medledger.testing.HostileText.check("compact bits hex", 43, java.util.List.of("1d00ffff", "207fffff", "00000000"),
        CompactTarget::fromHex);
  }

  @Test
  void clampsAndTheLimit() {
    long span = MAIN.targetTimespan();
    int bits = 0x1b04864c;
    // Far too fast: clamped to a quarter; far too slow: clamped to four times.
    assertEquals(MAIN.nextWorkRequired(bits, 0, span / 4), MAIN.nextWorkRequired(bits, 0, 1));
    assertEquals(MAIN.nextWorkRequired(bits, 0, span * 4), MAIN.nextWorkRequired(bits, 0, span * 40));
    assertEquals(bits, MAIN.nextWorkRequired(bits, 1000, 1000 + span));
    // Never easier than the proof-of-work limit.
    assertEquals(0x1d00ffff, MAIN.nextWorkRequired(0x1d00ffff, 0, span * 4));
    assertEquals(0x207fffff, BitcoinChainParams.REGTEST.nextWorkRequired(0x207fffff, 0, 1));
  }
}
