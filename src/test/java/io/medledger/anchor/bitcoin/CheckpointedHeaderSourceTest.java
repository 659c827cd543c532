package io.medledger.anchor.bitcoin;

import static org.junit.jupiter.api.Assertions.assertEquals;
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
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Headers from a file count on mainnet only as part of a chain validated from an embedded
 * checkpoint. Real mainnet headers: the run 822528..824544 of {@code mainnet-headers.json} (one
 * whole difficulty period from a checkpoint to the next, across a retarget).
 */
@Timeout(60)
class CheckpointedHeaderSourceTest {
  private static final long START = 822528;

  private static TreeMap<Long, BitcoinBlockHeader> run() {
    JsonNode run = SharedVectors.json("vectors/bitcoin/mainnet-headers.json").get("runs").get(1);
    assertEquals(START, run.get("start_height").asLong());
    TreeMap<Long, BitcoinBlockHeader> m = new TreeMap<>();
    long h = START;
    for (JsonNode x : run.get("headers")) {
      m.put(h++, BitcoinBlockHeader.fromHex(x.asText()));
    }
    assertEquals(824544, m.lastKey());
    return m;
  }

  @Test
  void theEmbeddedCheckpointsAreTheRealOnes() {
    HeaderCheckpoints cps = HeaderCheckpoints.mainnet();
    assertEquals(437, cps.all().size());
    assertEquals(BitcoinChainParams.MAINNET.genesisHash(), cps.lowest().header().hash());
    assertEquals(878976, cps.highest().height());
    JsonNode retargets = SharedVectors.json("vectors/bitcoin/mainnet-retargets.json").get("retargets");
    int compared = 0;
    for (JsonNode r : retargets) {
      ChainedHeader c = cps.at(r.get("height").asLong()).orElseThrow();
      assertEquals(BitcoinBlockHeader.fromHex(r.get("next_header_hex").asText()), c.header(), "height " + c.height());
      assertEquals(new BigInteger(r.get("chainwork_next").asText(), 16), c.chainWork(), "height " + c.height());
      compared++;
    }
    assertTrue(compared > 200, "compared " + compared);
  }

  @Test
  void aGenuineChainFromTheCheckpointProvesEveryHeightWithEnoughConfirmations() {
    TreeMap<Long, BitcoinBlockHeader> run = run();
    CheckpointedHeaderSource src = new CheckpointedHeaderSource(FileHeaderSource.of(run), 6);
    assertEquals(run.get(823000L), src.headerAt(823000).orElseThrow());
    assertEquals(run.get(START), src.headerAt(START).orElseThrow());
    assertEquals(run.get(824539L), src.headerAt(824539).orElseThrow(), "the last height with six confirmations");
    assertEquals(823000, src.headerByHash(run.get(823000L).hash()).orElseThrow().height());
    assertEquals(824544, src.bestHeight().getAsLong());
  }

  @Test
  void theBestHeightIsTheTipOfTheValidatedChainNotTheSourcesClaim() {
    TreeMap<Long, BitcoinBlockHeader> run = run();
    TreeMap<Long, BitcoinBlockHeader> stray = new TreeMap<>(run);
    stray.put(824_600L, run.get(823000L)); // a header above the run, not linked to it
    CheckpointedHeaderSource src = new CheckpointedHeaderSource(new MapSource(stray), 6);
    assertEquals(824544, src.bestHeight().getAsLong(), "a stray header counts no confirmations");
    stray.put(2_000_000L, run.get(823000L));
    CheckpointedHeaderSource far = new CheckpointedHeaderSource(new MapSource(stray), 6);
    assertEquals(HeaderCheckpoints.mainnet().highest().height(), far.bestHeight().getAsLong(),
        "above the last checkpoint only that (trusted) checkpoint counts");
    TreeMap<Long, BitcoinBlockHeader> broken = new TreeMap<>(run);
    broken.remove(824544L); // so the highest header lies above the checkpoint 822528
    broken.put(824000L, run.get(823000L)); // breaks the links from 824000 on
    CheckpointedHeaderSource cut = new CheckpointedHeaderSource(new MapSource(broken), 6);
    assertEquals(823999, cut.bestHeight().getAsLong());
    assertTrue(cut.headerAt(823000).isEmpty(), "nor does a header below the break prove anything without the next checkpoint");
  }

  @Test
  void tooFewConfirmationsAreRefused() {
    TreeMap<Long, BitcoinBlockHeader> run = run();
    CheckpointedHeaderSource six = new CheckpointedHeaderSource(FileHeaderSource.of(run), 6);
    assertTrue(six.headerAt(824540).isEmpty(), "only five blocks from 824540 to 824544");
    assertEquals("the headers do not prove height 824540: they need every header from the trusted checkpoint at"
        + " height 822528 to height 824545 (6 confirmations), and height 824545 is missing", six.missingReason(824540));
    assertTrue(six.headerByHash(run.get(824540L).hash()).isEmpty());
    CheckpointedHeaderSource five = new CheckpointedHeaderSource(FileHeaderSource.of(run), 5);
    assertEquals(run.get(824540L), five.headerAt(824540).orElseThrow());
    assertThrows(IllegalArgumentException.class, () -> new CheckpointedHeaderSource(FileHeaderSource.of(run), 0));
  }

  @Test
  void aHeaderThatDoesNotReachTheNextCheckpointIsRefused() {
    // A real header with real proof of work, on its own, as a headers file that "proves" it gives.
    TreeMap<Long, BitcoinBlockHeader> one = new TreeMap<>(Map.of(823000L, run().get(823000L)));
    CheckpointedHeaderSource alone = new CheckpointedHeaderSource(FileHeaderSource.of(one), 1);
    assertTrue(alone.headerAt(823000).isEmpty());
    assertTrue(alone.missingReason(823000).contains("height 822529 is missing"), alone.missingReason(823000));
    // A stale block: real proof of work at the real difficulty, but the main chain does not go through it.
    JsonNode stale = SharedVectors.json("vectors/bitcoin/mainnet-headers.json").get("stale_headers").get(0);
    long h = stale.get("height").asLong();
    TreeMap<Long, BitcoinBlockHeader> forked = new TreeMap<>(run().headMap(h));
    forked.put(h, BitcoinBlockHeader.fromHex(stale.get("header_hex").asText()));
    CheckpointedHeaderSource src = new CheckpointedHeaderSource(FileHeaderSource.of(forked), 1);
    assertTrue(src.headerAt(h).isEmpty());
    assertTrue(src.missingReason(h).contains("to height 824544 (the next checkpoint), and height " + (h + 1) + " is missing"),
        src.missingReason(h));
  }

  @Test
  void aHeaderOtherThanTheCheckpointAtItsHeightIsRefused() {
    TreeMap<Long, BitcoinBlockHeader> run = run();
    JsonNode stale = SharedVectors.json("vectors/bitcoin/mainnet-headers.json").get("stale_headers").get(0);
    run.put(START, BitcoinBlockHeader.fromHex(stale.get("header_hex").asText()));
    CheckpointedHeaderSource src = new CheckpointedHeaderSource(new MapSource(run), 6);
    assertTrue(src.headerAt(823000).isEmpty());
    assertTrue(src.missingReason(823000).startsWith("the header at height 822528 is not the trusted checkpoint"),
        src.missingReason(823000));
  }

  @Test
  void aHeightBelowTheLowestCheckpointIsRefused() {
    TreeMap<Long, BitcoinBlockHeader> run = run();
    ChainedHeader embedded = HeaderCheckpoints.mainnet().at(START).orElseThrow();
    HeaderCheckpoints only = HeaderCheckpoints.of(BitcoinChainParams.MAINNET, List.of(embedded));
    CheckpointedHeaderSource src = new CheckpointedHeaderSource(FileHeaderSource.of(run), only, 6, Clock.systemUTC());
    assertEquals(run.get(823000L), src.headerAt(823000).orElseThrow());
    assertTrue(src.headerAt(822527).isEmpty());
    assertEquals("height 822527 is below the lowest trusted checkpoint (height 822528)", src.missingReason(822527));
  }

  // A synthetic network where grinding is cheap shows the difficulty rule itself.
  private static final BigInteger EASY_LIMIT = new BigInteger("7fffff", 16).shiftLeft(232);
  private static final int LIMIT_BITS = 0x207fffff;
  private static final int HARDER_BITS = 0x1f0fffff;

  private static BitcoinBlockHeader mine(Digest prev, int i, long time, int bits, BitcoinChainParams params) {
    Digest root = Sha256.hash(new byte[] {(byte) i});
    for (long nonce = 0; ; nonce++) {
      BitcoinBlockHeader h = BitcoinBlockHeader.of(4, prev, root, time, bits, nonce);
      if (h.checkProofOfWork(params)) {
        return h;
      }
    }
  }

  /** A network with a checkpoint at height 0 harder than its limit. */
  private record Synthetic(BitcoinBlockHeader checkpoint, BitcoinChainParams params, HeaderCheckpoints checkpoints) {
    static Synthetic make() {
      BitcoinChainParams probe = new BitcoinChainParams("synthetic", Digest.of(new byte[32]), EASY_LIMIT, 10, 6000,
          false, 0, 0, 0);
      BitcoinBlockHeader cp = mine(Digest.of(new byte[32]), 0, 1_600_000_000L, HARDER_BITS, probe);
      BitcoinChainParams p = new BitcoinChainParams("synthetic", cp.hash(), EASY_LIMIT, 10, 6000, false, 0, 0, 0);
      return new Synthetic(cp, p, HeaderCheckpoints.of(p, List.of(HeaderCheckpoints.checkpoint(0, cp, cp.work()))));
    }
  }

  @Test
  void aMinimumDifficultyHeaderAfterAHarderCheckpointIsRefused() {
    Synthetic syn = Synthetic.make();
    BitcoinBlockHeader cpHeader = syn.checkpoint();
    BitcoinChainParams p = syn.params();
    HeaderCheckpoints cps = syn.checkpoints();
    Clock clock = Clock.fixed(Instant.ofEpochSecond(1_700_000_000L), ZoneOffset.UTC);
    // The forger's block meets its own target, the network's limit, but not the difficulty in force.
    BitcoinBlockHeader forged = mine(cpHeader.hash(), 1, cpHeader.time() + 600, LIMIT_BITS, p);
    assertTrue(forged.checkProofOfWork(p));
    CheckpointedHeaderSource src = new CheckpointedHeaderSource(
        FileHeaderSource.of(Map.of(0L, cpHeader, 1L, forged)), cps, 1, clock);
    assertTrue(src.headerAt(1).isEmpty());
    assertEquals("the header at height 1 is not on a valid chain from the trusted checkpoint at height 0: wrong"
        + " difficulty: bits 207fffff, expected 1f0fffff", src.missingReason(1));
    BitcoinBlockHeader honest = mine(cpHeader.hash(), 1, cpHeader.time() + 600, HARDER_BITS, p);
    CheckpointedHeaderSource ok = new CheckpointedHeaderSource(FileHeaderSource.of(Map.of(1L, honest)), cps, 1, clock);
    assertEquals(honest, ok.headerAt(1).orElseThrow());
  }

  /**
   * Many attestations against one headers file (an OpenTimestamps proof may hold 1,000) validate
   * each header once: a later, lower height is still proven by the valid prefix before a bad
   * header, and the bad header's reason is given again without reading the file again.
   */
  @Test
  void eachHeaderIsReadAndValidatedOnceAcrossManyHeights() {
    Synthetic syn = Synthetic.make();
    BitcoinBlockHeader cpHeader = syn.checkpoint();
    BitcoinChainParams p = syn.params();
    HeaderCheckpoints cps = syn.checkpoints();
    TreeMap<Long, BitcoinBlockHeader> m = new TreeMap<>(Map.of(0L, cpHeader));
    for (int i = 1; i <= 6; i++) {
      m.put((long) i, mine(m.get(i - 1L).hash(), i, cpHeader.time() + 600L * i, i == 6 ? LIMIT_BITS : HARDER_BITS, p));
    }
    int[] reads = {0};
    MapSource counted = new MapSource(m);
    HeaderSource counting = new HeaderSource() {
      @Override
      public java.util.Optional<BitcoinBlockHeader> headerAt(long height) {
        reads[0]++;
        return counted.headerAt(height);
      }

      @Override
      public java.util.Optional<HeightAndHeader> headerByHash(Digest blockHash) {
        return counted.headerByHash(blockHash);
      }

      @Override
      public java.util.OptionalLong bestHeight() {
        return counted.bestHeight();
      }
    };
    CheckpointedHeaderSource src = new CheckpointedHeaderSource(counting, cps, 1,
        Clock.fixed(Instant.ofEpochSecond(1_700_000_000L), ZoneOffset.UTC));
    for (int round = 0; round < 50; round++) {
      assertTrue(src.headerAt(6).isEmpty());
      String why = src.missingReason(6);
      assertTrue(why.endsWith("wrong difficulty: bits 207fffff, expected 1f0fffff"), why);
      for (long h = 1; h <= 5; h++) {
        assertEquals(m.get(h), src.headerAt(h).orElseThrow(), "height " + h);
      }
    }
    // One read of the checkpoint height per call, and each of heights 1..6 once.
    assertEquals(50 * 7 + 6, reads[0]);
  }

  /** An untrusted source that does not check links, as a peer might serve. */
  private record MapSource(TreeMap<Long, BitcoinBlockHeader> m) implements HeaderSource {
    @Override
    public java.util.Optional<BitcoinBlockHeader> headerAt(long height) {
      return java.util.Optional.ofNullable(m.get(height));
    }

    @Override
    public java.util.Optional<HeightAndHeader> headerByHash(Digest blockHash) {
      return m.entrySet().stream().filter(e -> e.getValue().hash().equals(blockHash)).findFirst()
          .map(e -> new HeightAndHeader(e.getKey(), e.getValue()));
    }

    @Override
    public java.util.OptionalLong bestHeight() {
      return java.util.OptionalLong.of(m.lastKey());
    }
  }
}
