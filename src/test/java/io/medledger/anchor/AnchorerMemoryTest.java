package io.medledger.anchor;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.medledger.anchor.bitcoin.Address;
import io.medledger.anchor.bitcoin.BitcoinPrivateKey;
import io.medledger.anchor.bitcoin.BitcoinRpcClient;
import io.medledger.anchor.bitcoin.FileHeaderSource;
import io.medledger.anchor.bitcoin.Network;
import io.medledger.crypto.Sha256;
import io.medledger.merkle.MerkleLog;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Many anchors through the Bitcoin Core stand-in: the anchorer holds only the anchors in flight and
 * a bounded window of finished ones, before and after a restart, and receipts under the oldest
 * anchors, long gone from memory, still complete and verify.
 */
class AnchorerMemoryTest {
  @TempDir Path dir;

  @Test
  void memoryHoldsARecentWindowAndOldReceiptsStillVerifyAfterReopening() throws Exception {
    int anchors = Anchorer.RECENT * 2 + 6;
    BitcoinPrivateKey key = BitcoinPrivateKey.generate(Network.REGTEST, new SecureRandom());
    Address address = Address.fromScript(key.publicKey().p2wpkhScript(), Network.REGTEST);
    try (FakeBitcoinCore core = new FakeBitcoinCore(address.toString())) {
      core.fundCoin(key, (byte) 1, 50_000_000);
      BitcoinRpcClient rpc = core.client();
      BitcoinCoreBackend backend = new BitcoinCoreBackend(rpc, address, 2);
      AnchorerTest.ManualClock clock = new AnchorerTest.ManualClock();
      AnchorPolicy policy = new AnchorPolicy(1, null, 1, Duration.ofHours(1), Duration.ofMinutes(10), 1.5, 100);
      WalletTransactionFactory factory = new WalletTransactionFactory(key, address, backend);
      Anchorer a = new Anchorer(policy, backend, factory, AnchorJournal.inDirectory(dir), clock);

      MerkleLog log = new MerkleLog();
      List<AnchorCommitment> planned = new java.util.ArrayList<>();
      for (int h = 0; h < anchors; h++) {
        log.append(("entry " + h).getBytes(StandardCharsets.UTF_8));
        AnchorCommitment c = new AnchorCommitment(Sha256.hash(new byte[] {5}), h, log.size(), log.root());
        planned.add(c);
        a.planIfDue(c).orElseThrow();
        assertInstanceOf(AnchorEvent.Sent.class, a.tick().get(0));
        core.mine();
        List<AnchorEvent> ev = a.tick();
        assertInstanceOf(AnchorEvent.Final.class, ev.get(ev.size() - 1), ev.toString());
        clock.advance(Duration.ofMinutes(1));
        assertTrue(a.anchors().size() <= Anchorer.RECENT, "anchor " + h + ": " + a.anchors().size() + " held");
      }
      assertEquals(Anchorer.RECENT, a.anchors().size());
      assertEquals(List.of(), a.inFlight());
      assertEquals(anchors - 1, a.last().orElseThrow().commitment().height());
      try (Stream<Path> finished = Files.list(dir.resolve("finished"))) {
        assertEquals(anchors, finished.filter(p -> p.toString().endsWith(".anchor.json")).count());
      }

      Anchorer b = new Anchorer(policy, backend, factory, AnchorJournal.inDirectory(dir), clock);
      assertEquals(Anchorer.RECENT, b.anchors().size(), "a restart holds the window, not the journal");
      assertEquals(anchors - Anchorer.RECENT, b.anchors().get(0).commitment().height(), "the highest heights");
      assertEquals(anchors - 1, b.last().orElseThrow().commitment().height());
      AnchorRecord oldest = b.get(planned.get(0).digest()).orElseThrow();
      assertEquals(AnchorStatus.FINAL, oldest.status());
      assertEquals(oldest, b.plan(planned.get(0)), "planning an old anchor again finds it on disk");
      assertEquals(Anchorer.RECENT, b.anchors().size());

      FileHeaderSource headers = FileHeaderSource.of(core.headers());
      for (int entry : new int[] {0, 3, anchors / 2}) {
        AnchorRecord covering = b.finalCovering(entry).orElseThrow();
        assertEquals(entry, covering.commitment().height(), "the lowest final anchor at or above the entry");
        long size = covering.commitment().logSize();
        AnchorReceipt pending = AnchorReceipt.pending(("entry " + entry).getBytes(StandardCharsets.UTF_8),
            log.inclusionProof(entry, size), covering.commitment());
        ReceiptVerdict v = backend.complete(pending, covering.confirmation(), "regtest").verify(headers);
        assertInstanceOf(ReceiptVerdict.Anchored.class, v, v.toString());
      }
      assertTrue(b.finalCovering(anchors).isEmpty(), "no anchor above the last one");
    }
  }
}
