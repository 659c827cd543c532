package io.medledger.node;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.medledger.anchor.AnchorCommitment;
import io.medledger.anchor.AnchorEvent;
import io.medledger.anchor.AnchorJournal;
import io.medledger.anchor.AnchorPolicy;
import io.medledger.anchor.AnchorReceipt;
import io.medledger.anchor.AnchorRecord;
import io.medledger.anchor.Anchorer;
import io.medledger.anchor.AnchorerTest;
import io.medledger.anchor.BitcoinCoreBackend;
import io.medledger.anchor.FakeBitcoinCore;
import io.medledger.anchor.ReceiptVerdict;
import io.medledger.anchor.WalletTransactionFactory;
import io.medledger.anchor.bitcoin.Address;
import io.medledger.anchor.bitcoin.BitcoinPrivateKey;
import io.medledger.anchor.bitcoin.BitcoinRpcClient;
import io.medledger.anchor.bitcoin.FileHeaderSource;
import io.medledger.anchor.bitcoin.Network;
import io.medledger.crypto.Digest;
import io.medledger.crypto.Sha256;
import io.medledger.merkle.MerkleLog;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The Bitcoin parts a node keeps of proven anchors: many anchors through the Bitcoin Core stand-in
 * leave only the most recently used in memory, the older ones are read back from their files and
 * still complete receipts that verify, and a damaged or swapped file is never taken for a part.
 */
class BitcoinPartCacheTest {
  @TempDir Path dir;

  /** An anchor made final on the stand-in, and its pending receipt for the entry it anchors last. */
  private record Made(AnchorCommitment commitment, AnchorReceipt pending, AnchorReceipt complete) {}

  @Test
  void memoryHoldsTheMostRecentlyUsedAndOldPartsAreReadBackFromTheirFiles() throws Exception {
    int capacity = 4;
    int anchors = capacity * 3;
    BitcoinPrivateKey key = BitcoinPrivateKey.generate(Network.REGTEST, new SecureRandom());
    Address address = Address.fromScript(key.publicKey().p2wpkhScript(), Network.REGTEST);
    try (FakeBitcoinCore core = new FakeBitcoinCore(address.toString())) {
      core.fundCoin(key, (byte) 3, 50_000_000);
      BitcoinRpcClient rpc = core.client();
      BitcoinCoreBackend backend = new BitcoinCoreBackend(rpc, address, 2);
      AnchorerTest.ManualClock clock = new AnchorerTest.ManualClock();
      AnchorPolicy policy = new AnchorPolicy(1, null, 1, Duration.ofHours(1), Duration.ofMinutes(10), 1.5, 100);
      Anchorer a = new Anchorer(policy, backend, new WalletTransactionFactory(key, address, backend),
          AnchorJournal.inDirectory(dir.resolve("journal")), clock);
      BitcoinPartCache cache = new BitcoinPartCache(dir.resolve("bitcoin"), capacity);

      MerkleLog log = new MerkleLog();
      List<Made> made = new ArrayList<>();
      for (int h = 0; h < anchors; h++) {
        log.append(("entry " + h).getBytes(StandardCharsets.UTF_8));
        AnchorCommitment c = new AnchorCommitment(Sha256.hash(new byte[] {6}), h, log.size(), log.root());
        a.planIfDue(c).orElseThrow();
        assertInstanceOf(AnchorEvent.Sent.class, a.tick().get(0));
        core.mine();
        List<AnchorEvent> ev = a.tick();
        assertInstanceOf(AnchorEvent.Final.class, ev.get(ev.size() - 1), ev.toString());
        AnchorRecord r = a.get(c.digest()).orElseThrow();
        AnchorReceipt pending = AnchorReceipt.pending(("entry " + h).getBytes(StandardCharsets.UTF_8),
            log.inclusionProof(h, c.logSize()), c);
        AnchorReceipt done = backend.complete(pending, r.confirmation(), "regtest");
        cache.keep(c.digest(), done);
        made.add(new Made(c, pending, done));
        assertTrue(cache.heldCount() <= capacity, "anchor " + h + ": " + cache.heldCount() + " parts held");
      }
      assertEquals(capacity, cache.heldCount());
      assertTrue(cache.held(made.get(0).commitment().digest()).isEmpty(), "the oldest part left memory");
      assertTrue(cache.held(made.get(anchors - 1).commitment().digest()).isPresent(), "the newest is held");

      // a part used again stays while newer ones come and go
      Made first = made.get(0);
      Made x = made.get(anchors - capacity);
      assertTrue(cache.held(x.commitment().digest()).isPresent());
      cache.hold(first.commitment().digest(), first.complete().bitcoin().orElseThrow());
      assertTrue(cache.holds(x.commitment().digest()), "the least recently used went, not the one just used");
      assertTrue(cache.held(made.get(anchors - capacity + 1).commitment().digest()).isEmpty());

      // every old part, long gone from memory, is read back from its file and completes a receipt that verifies
      FileHeaderSource headers = FileHeaderSource.of(core.headers());
      for (Made m : made) {
        Digest txid = m.complete().bitcoin().orElseThrow().branch().txid();
        AnchorReceipt.BitcoinPart part = cache.read(m.commitment().digest(), txid).orElseThrow();
        ReceiptVerdict v = m.pending().complete(part).verify(headers);
        assertInstanceOf(ReceiptVerdict.Anchored.class, v, v.toString());
        assertEquals(m.complete(), m.pending().complete(part));
      }
      assertEquals(capacity, cache.heldCount(), "reading the files held nothing more");

      // hostile disk: a damaged file, another anchor's file under this name, an oversized file, and
      // a file naming another transaction are each refused, so the part is fetched again
      Made damaged = made.get(1);
      Digest damagedTx = damaged.complete().bitcoin().orElseThrow().branch().txid();
      Path f = cache.file(damaged.commitment().digest());
      String json = Files.readString(f);
      Files.writeString(f, json.substring(0, json.length() / 2));
      assertTrue(cache.read(damaged.commitment().digest(), damagedTx).isEmpty(), "a file cut short");
      Files.copy(cache.file(made.get(2).commitment().digest()), f, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
      assertTrue(cache.read(damaged.commitment().digest(), damagedTx).isEmpty(), "another anchor's receipt");
      Files.write(f, new byte[BitcoinPartCache.MAX_FILE_BYTES + 1]);
      assertTrue(cache.read(damaged.commitment().digest(), damagedTx).isEmpty(), "an oversized file");
      Made other = made.get(3);
      assertTrue(cache.read(other.commitment().digest(), damagedTx).isEmpty(), "a receipt of another transaction");
    }
  }
}
