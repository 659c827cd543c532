package io.medledger.anchor.bitcoin;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.medledger.crypto.Digest;
import io.medledger.crypto.Sha256;
import io.medledger.testing.SharedVectors;
import java.math.BigInteger;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class HeaderChainTest {
  private static final BitcoinChainParams MAIN = BitcoinChainParams.MAINNET;

  private static List<BitcoinBlockHeader> run(int index) {
    JsonNode run = SharedVectors.json("vectors/bitcoin/mainnet-headers.json").get("runs").get(index);
    List<BitcoinBlockHeader> out = new ArrayList<>();
    run.get("headers").forEach(h -> out.add(BitcoinBlockHeader.fromHex(h.asText())));
    assertEquals(run.get("count").asInt(), out.size());
    return out;
  }

  private static HeaderChain checkpointChain(List<BitcoinBlockHeader> run1) {
    JsonNode cps = SharedVectors.json("vectors/bitcoin/mainnet-checkpoints.json").get("checkpoints");
    for (JsonNode cp : cps) {
      if (cp.get("height").asLong() == 822528) {
        BitcoinBlockHeader h = BitcoinBlockHeader.fromHex(cp.get("header_hex").asText());
        assertEquals(run1.get(0), h);
        return HeaderChain.fromCheckpoint(MAIN, 822528, h, new BigInteger(cp.get("chainwork").asText(), 16));
      }
    }
    throw new AssertionError("checkpoint 822528 missing from mainnet-checkpoints.json");
  }

  @Test
  void theFirst439MainnetHeadersChainFromGenesis() {
    List<BitcoinBlockHeader> run = run(0);
    HeaderChain chain = HeaderChain.fromGenesis(MAIN, run.get(0));
    for (BitcoinBlockHeader h : run.subList(1, run.size())) {
      HeaderValidation v = chain.append(h);
      assertTrue(v.accepted(), v.toString());
    }
    assertEquals(438, chain.tip().height());
    assertEquals("0000000025c6b644f8add734be7e666fa4afa43ca0204d623a0c0b1fd2104c7a", chain.tip().header().hashHex());
    // 439 blocks at difficulty 1, each worth 2^32 + 2^16 + 1 hashes (0x100010001).
    assertEquals(BigInteger.valueOf(0x100010001L).multiply(BigInteger.valueOf(439)), chain.tip().chainWork());
    assertEquals(170, chain.headerByHash(run.get(170).hash()).orElseThrow().height());
    assertEquals(run.get(5), chain.headerAt(5).orElseThrow());
    assertTrue(chain.headerAt(439).isEmpty());
    assertThrows(IllegalArgumentException.class, () -> HeaderChain.fromGenesis(MAIN, run.get(1)));
  }

  @Test
  void aFullDifficultyPeriodAndItsRetargetValidate() {
    List<BitcoinBlockHeader> run = run(1);
    HeaderChain chain = checkpointChain(run);
    HeaderValidation v = chain.appendAll(run.subList(1, run.size()));
    assertTrue(v.accepted(), v.toString());
    ChainedHeader tip = chain.tip();
    assertEquals(824544, tip.height());
    assertEquals(0x1703d869, tip.header().bits());
    // Cumulative work agrees with bitcoinj's checkpoint at the same height.
    JsonNode cps = SharedVectors.json("vectors/bitcoin/mainnet-checkpoints.json").get("checkpoints");
    for (JsonNode cp : cps) {
      if (cp.get("height").asLong() == 824544) {
        assertEquals(new BigInteger(cp.get("chainwork").asText(), 16), tip.chainWork());
        assertEquals(cp.get("hash").asText(), tip.header().hashHex());
      }
    }
  }

  @Test
  void theRealRetargetHeaderIsRejectedWhereBitsMustCarryOver() {
    List<BitcoinBlockHeader> run = run(1);
    // Mainnet's rules but without retargeting: the real header at 824544 changes its bits, so
    // only the retarget rule admits it (its own bits differ from the parent's 1703e8b3).
    BitcoinChainParams noRetarget = new BitcoinChainParams("main-without-retarget", MAIN.genesisHash(),
        MAIN.powLimit(), MAIN.retargetInterval(), MAIN.targetTimespan(), true,
        MAIN.bip34Height(), MAIN.bip66Height(), MAIN.bip65Height());
    HeaderChain chain = HeaderChain.fromCheckpoint(noRetarget, 822528, run.get(0), run.get(0).work());
    assertTrue(chain.appendAll(run.subList(1, 2016)).accepted());
    HeaderValidation v = chain.append(run.get(2016));
    assertInstanceOf(HeaderValidation.Rejected.class, v);
    assertTrue(((HeaderValidation.Rejected) v).reason().contains("wrong difficulty: bits 1703d869, expected 1703e8b3"), v.toString());
    HeaderChain real = checkpointChain(run);
    assertTrue(real.appendAll(run.subList(1, 2016)).accepted());
    assertTrue(real.append(run.get(2016)).accepted());
  }

  @Test
  void publishedInvalidMutationsAreRejectedAndLeaveTheChainUnchanged() {
    JsonNode cases = SharedVectors.json("vectors/bitcoin/mainnet-headers.json").get("invalid_cases");
    List<BitcoinBlockHeader> run = run(1);
    int n = 0;
    for (JsonNode c : cases) {
      assertEquals(1, c.get("run_index").asInt());
      List<BitcoinBlockHeader> mutated = new ArrayList<>(run);
      if (c.has("swap")) {
        int a = c.get("swap").get(0).asInt();
        int b = c.get("swap").get(1).asInt();
        mutated.set(a, run.get(b));
        mutated.set(b, run.get(a));
      } else {
        mutated.set(c.get("index").asInt(), BitcoinBlockHeader.fromHex(c.get("replacement_header_hex").asText()));
      }
      HeaderChain chain = checkpointChain(run);
      HeaderValidation v = chain.appendAll(mutated.subList(1, mutated.size()));
      assertFalse(v.accepted(), c.get("description").asText());
      assertEquals(822528, chain.tip().height(), "a rejected batch adds nothing");
      n++;
    }
    assertEquals(3, n);
  }

  @Test
  void aStaleBlockIsAForkThatNeedsMoreWork() {
    List<BitcoinBlockHeader> run = run(1);
    JsonNode stale = SharedVectors.json("vectors/bitcoin/mainnet-headers.json").get("stale_headers").get(0);
    BitcoinBlockHeader staleHeader = BitcoinBlockHeader.fromHex(stale.get("header_hex").asText());
    assertEquals(stale.get("hash").asText(), staleHeader.hashHex());
    int idx = stale.get("height").asInt() - 822528;
    HeaderChain chain = checkpointChain(run);
    assertTrue(chain.appendAll(run.subList(1, idx + 1)).accepted());
    // It does not extend the tip...
    assertFalse(chain.append(staleHeader).accepted());
    // ...and as a competing branch of equal work it does not replace the main-chain block.
    HeaderValidation v = chain.reorganize(List.of(staleHeader));
    assertFalse(v.accepted());
    assertEquals(run.get(idx), chain.tip().header());
    // Rewound to its parent, it extends the tip and is accepted; the main chain then wins back.
    HeaderChain other = checkpointChain(run);
    assertTrue(other.appendAll(run.subList(1, idx)).accepted());
    assertTrue(other.append(staleHeader).accepted());
    assertTrue(other.reorganize(run.subList(idx, idx + 2)).accepted());
    assertEquals(run.get(idx + 1), other.tip().header());
    assertTrue(other.headerByHash(staleHeader.hash()).isEmpty());
    assertEquals(run.get(idx), other.headerAt(idx + 822528L).orElseThrow());
  }

  @Test
  void aRetargetBeforeTheChainStartCannotBeChecked() {
    List<BitcoinBlockHeader> run = run(1);
    // Start mid-period: the retarget at 824544 needs the header at 822528, which is not held.
    HeaderChain chain = HeaderChain.fromCheckpoint(MAIN, 822529, run.get(1), run.get(1).work());
    assertTrue(chain.appendAll(run.subList(2, 2016)).accepted());
    HeaderValidation v = chain.append(run.get(2016));
    assertFalse(v.accepted());
    assertTrue(((HeaderValidation.Rejected) v).reason().contains("precedes the chain's start"));
  }

  // Synthetic chains under easy parameters exercise each rule in isolation.
  private static final BigInteger EASY_LIMIT = new BigInteger("7fffff", 16).shiftLeft(232);
  private static final int START_BITS = 0x200fffff;

  private static BitcoinChainParams easy(BitcoinBlockHeader genesis, int bip34) {
    return new BitcoinChainParams("synthetic", genesis.hash(), EASY_LIMIT, 10, 6000, false, bip34, 1_000_000, 1_000_000);
  }

  private static BitcoinBlockHeader mine(int version, Digest prev, Digest root, long time, int bits,
      BitcoinChainParams params) {
    for (long nonce = 0; ; nonce++) {
      BitcoinBlockHeader h = BitcoinBlockHeader.of(version, prev, root, time, bits, nonce);
      if (h.checkProofOfWork(params)) {
        return h;
      }
    }
  }

  private static Digest root(int i) {
    return Sha256.hash(new byte[] {(byte) i, (byte) (i >> 8)});
  }

  @Test
  void syntheticChainRules() {
    BitcoinBlockHeader genesis0 = BitcoinBlockHeader.of(2, Digest.of(new byte[32]), root(0), 1_600_000_000L, START_BITS, 0);
    BitcoinChainParams p0 = new BitcoinChainParams("synthetic", genesis0.hash(), EASY_LIMIT, 10, 6000, false, 5, 1_000_000, 1_000_000);
    BitcoinBlockHeader genesis = mine(2, Digest.of(new byte[32]), root(0), 1_600_000_000L, START_BITS, p0);
    BitcoinChainParams p = easy(genesis, 5);
    Clock clock = Clock.fixed(Instant.ofEpochSecond(1_700_000_000L), ZoneOffset.UTC);
    HeaderChain chain = HeaderChain.fromGenesis(p, genesis, clock);
    long t = genesis.time();
    BitcoinBlockHeader prev = genesis;
    for (int h = 1; h < 10; h++) {
      t += 150; // four times faster than the 600-second target spacing
      prev = mine(2, prev.hash(), root(h), t, START_BITS, p);
      assertTrue(chain.append(prev).accepted());
    }
    // Height 10 retargets: the period took 9*150 s of 6000 s, clamped to 1500 s: target / 4.
    int expected = p.nextWorkRequired(START_BITS, genesis.time(), t);
    assertEquals(CompactTarget.encode(CompactTarget.decode(START_BITS).target().divide(BigInteger.valueOf(4))), expected);
    BitcoinBlockHeader stale = mine(2, prev.hash(), root(10), t + 600, START_BITS, p);
    assertTrue(((HeaderValidation.Rejected) chain.append(stale)).reason().contains("wrong difficulty"));
    BitcoinBlockHeader good = mine(2, prev.hash(), root(10), t + 600, expected, p);
    assertTrue(chain.append(good).accepted());
    assertEquals(chain.chainedAt(9).orElseThrow().chainWork().add(good.work()), chain.tip().chainWork());

    // Off a retarget height the bits must stay.
    BitcoinBlockHeader drift = mine(2, good.hash(), root(11), t + 1200, START_BITS, p);
    assertTrue(((HeaderValidation.Rejected) chain.append(drift)).reason().contains("wrong difficulty"));
    // Time must exceed the median of the previous 11.
    long mtp = chain.medianTimePast(10);
    BitcoinBlockHeader old = mine(2, good.hash(), root(11), mtp, expected, p);
    assertTrue(((HeaderValidation.Rejected) chain.append(old)).reason().contains("median time past"));
    // Not more than two hours ahead of the clock.
    BitcoinBlockHeader future = mine(2, good.hash(), root(11), 1_700_000_000L + 7201, expected, p);
    assertTrue(((HeaderValidation.Rejected) chain.append(future)).reason().contains("future"));
    // Version 1 is obsolete from the BIP 34 height (5 here).
    BitcoinBlockHeader v1 = mine(1, good.hash(), root(11), t + 1200, expected, p);
    assertTrue(((HeaderValidation.Rejected) chain.append(v1)).reason().contains("obsolete version"));
    // A wrong parent.
    BitcoinBlockHeader orphan = mine(2, root(99), root(11), t + 1200, expected, p);
    assertTrue(((HeaderValidation.Rejected) chain.append(orphan)).reason().contains("does not extend"));
    // Proof of work that misses the target.
    BitcoinBlockHeader weak = BitcoinBlockHeader.of(2, good.hash(), root(11), t + 1200, expected, 0);
    while (weak.checkProofOfWork(p)) {
      weak = BitcoinBlockHeader.of(2, good.hash(), root(11), t + 1200, expected, weak.nonce() + 1);
    }
    assertTrue(((HeaderValidation.Rejected) chain.append(weak)).reason().contains("proof of work"));
    BitcoinBlockHeader fine = mine(2, good.hash(), root(11), t + 1200, expected, p);
    assertTrue(chain.append(fine).accepted());
    assertEquals(11, chain.bestHeight().getAsLong());
  }
}
