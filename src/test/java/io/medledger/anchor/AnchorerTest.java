package io.medledger.anchor;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.medledger.anchor.bitcoin.OutPoint;
import io.medledger.anchor.bitcoin.Script;
import io.medledger.anchor.bitcoin.Transaction;
import io.medledger.anchor.bitcoin.TxInput;
import io.medledger.anchor.bitcoin.TxOutput;
import io.medledger.codec.MalformedEncodingException;
import io.medledger.crypto.Digest;
import io.medledger.crypto.Sha256;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

public class AnchorerTest {
  @TempDir Path dir;

  /** A clock the test moves by hand. */
  public static final class ManualClock extends Clock {
    Instant now = Instant.parse("2026-01-01T00:00:00Z");

    @Override
    public java.time.ZoneId getZone() {
      return ZoneOffset.UTC;
    }

    @Override
    public Clock withZone(java.time.ZoneId zone) {
      return this;
    }

    @Override
    public Instant instant() {
      return now;
    }

    void advance(Duration d) {
      now = now.plus(d);
    }
  }

  /** A scripted network: the test says what each txid looks like. */
  static final class FakeBitcoin implements BitcoinPort {
    final Map<Digest, TxObservation> seen = new HashMap<>();
    final List<Digest> broadcasts = new ArrayList<>();
    long feeRate = 5;
    boolean down;
    boolean mempoolAcceptsBroadcasts = true;

    @Override
    public TxObservation observe(Digest txid) {
      if (down) {
        throw new AnchorException("connection refused");
      }
      return seen.getOrDefault(txid, new TxObservation.Unknown());
    }

    @Override
    public void broadcast(byte[] raw) {
      if (down) {
        throw new AnchorException("connection refused");
      }
      Digest txid = Sha256.doubleHash(raw);
      broadcasts.add(txid);
      if (mempoolAcceptsBroadcasts) {
        seen.put(txid, new TxObservation.InMempool());
      }
    }

    @Override
    public long feeRate() {
      if (down) {
        throw new AnchorException("connection refused");
      }
      return feeRate;
    }
  }

  /** Makes distinct unsigned transactions that carry the commitment, the fee rate and a counter. */
  static final class FakeFactory implements AnchorTransactionFactory {
    int made;

    private SignedTransaction make(Digest commitment, long rate) {
      byte[] data = ByteBuffer.allocate(48).put(commitment.toByteArray()).putLong(rate).putLong(made++).array();
      Transaction tx = new Transaction(2,
          List.of(TxInput.unsigned(new OutPoint(Sha256.doubleHash(data), 0), TxInput.SEQUENCE_RBF)),
          List.of(new TxOutput(0, Script.opReturn(data))), 0);
      return new SignedTransaction(tx.txid(), tx.serialize(), rate, rate * 150);
    }

    @Override
    public SignedTransaction create(Digest commitment, long feeRate) {
      return make(commitment, feeRate);
    }

    @Override
    public SignedTransaction replace(SignedTransaction previous, Digest commitment, long feeRate) {
      assertTrue(feeRate > previous.feeRate());
      return make(commitment, feeRate);
    }
  }

  private final ManualClock clock = new ManualClock();
  private final FakeBitcoin btc = new FakeBitcoin();
  private final FakeFactory factory = new FakeFactory();
  private final AnchorPolicy policy =
      new AnchorPolicy(10, Duration.ofHours(1), 3, Duration.ofHours(2), Duration.ofMinutes(10), 1.5, 100);

  private static AnchorCommitment commitment(long height) {
    return new AnchorCommitment(Sha256.hash(new byte[] {1}), height, height * 7, Sha256.hash(new byte[] {(byte) height}));
  }

  private static Digest block(int n) {
    return Sha256.hash(new byte[] {9, (byte) n});
  }

  @Test
  void fullLifeWithReorgFeeBumpAndRestart() {
    AnchorJournal journal = AnchorJournal.inDirectory(dir);
    Anchorer a = new Anchorer(policy, btc, factory, journal, clock);
    AnchorRecord planned = a.planIfDue(commitment(5)).orElseThrow();
    assertEquals(AnchorStatus.PLANNED, planned.status());
    assertTrue(a.planIfDue(commitment(6)).isEmpty(), "not due: 1 block and no time passed");

    List<AnchorEvent> ev = a.tick();
    assertInstanceOf(AnchorEvent.Sent.class, ev.get(0));
    Digest tx1 = a.get(planned.id()).orElseThrow().latest().orElseThrow().txid();
    assertEquals(List.of(tx1), btc.broadcasts);

    assertInstanceOf(AnchorEvent.SeenInMempool.class, a.tick().get(0));
    assertEquals(AnchorStatus.IN_MEMPOOL, a.get(planned.id()).orElseThrow().status());

    // Stuck for longer than bumpAfter: replaced by fee.
    clock.advance(Duration.ofHours(3));
    ev = a.tick();
    AnchorEvent.Sent bump = assertInstanceOf(AnchorEvent.Sent.class, ev.get(0));
    assertTrue(bump.feeBump());
    AnchorRecord afterBump = a.get(planned.id()).orElseThrow();
    assertEquals(2, afterBump.attempts().size());
    assertEquals(8, afterBump.latest().orElseThrow().feeRate(), "ceil(5 * 1.5)");

    // Restart: the journal brings the anchor back where it was.
    a = new Anchorer(policy, btc, factory, AnchorJournal.inDirectory(dir), clock);
    assertEquals(afterBump, a.get(planned.id()).orElseThrow());

    // The ORIGINAL transaction wins the race and confirms: that still counts.
    btc.seen.put(tx1, new TxObservation.Confirmed(block(1), 800_000, 1));
    btc.seen.remove(bump.txid());
    AnchorEvent.Confirmed c = assertInstanceOf(AnchorEvent.Confirmed.class, a.tick().get(0));
    assertEquals(1, c.confirmations());
    assertEquals(tx1, a.get(planned.id()).orElseThrow().confirmation().txid());

    // Reorganization drops the block: back to unconfirmed.
    btc.seen.put(tx1, new TxObservation.InMempool());
    AnchorEvent.Reorganized re = assertInstanceOf(AnchorEvent.Reorganized.class, a.tick().get(0));
    assertEquals(block(1), re.droppedBlock());
    assertEquals(AnchorStatus.BROADCAST, a.get(planned.id()).orElseThrow().status());

    // Re-mined in another block, then buried: final.
    btc.seen.put(tx1, new TxObservation.Confirmed(block(2), 800_001, 2));
    assertInstanceOf(AnchorEvent.Confirmed.class, a.tick().get(0));
    btc.seen.put(tx1, new TxObservation.Confirmed(block(2), 800_001, 3));
    ev = a.tick();
    assertInstanceOf(AnchorEvent.Final.class, ev.get(ev.size() - 1));
    AnchorRecord done = a.get(planned.id()).orElseThrow();
    assertEquals(AnchorStatus.FINAL, done.status());
    assertEquals(block(2), done.confirmation().blockHash());
    assertTrue(a.tick().isEmpty(), "final anchors are left alone");

    Anchorer reopened = new Anchorer(policy, btc, factory, AnchorJournal.inDirectory(dir), clock);
    assertEquals(done, reopened.get(planned.id()).orElseThrow());
  }

  /** A final anchor is done: adopting another transaction for it would bring it back from finished/ for nothing. */
  @Test
  void aFinalAnchorIsNotTakenBackByAdopt() {
    AnchorJournal j = AnchorJournal.inDirectory(dir);
    Anchorer a = new Anchorer(policy, btc, factory, j, clock);
    AnchorRecord r = a.plan(commitment(2));
    a.tick();
    btc.seen.put(a.get(r.id()).orElseThrow().latest().orElseThrow().txid(),
        new TxObservation.Confirmed(block(3), 800_000, 3));
    a.tick();
    AnchorRecord done = a.get(r.id()).orElseThrow();
    assertEquals(AnchorStatus.FINAL, done.status());
    assertEquals(done, a.adopt(commitment(2), factory.create(commitment(2).digest(), 9)));
    assertEquals(List.of(), a.inFlight());
    assertEquals(List.of(), AnchorJournal.inDirectory(dir).load(0), "nothing is in flight after a restart either");
  }

  @Test
  void lostTransactionIsRebroadcastAndNetworkErrorsAreSurvived() {
    btc.mempoolAcceptsBroadcasts = false;
    Anchorer a = new Anchorer(policy, btc, factory, AnchorJournal.inMemory(), clock);
    AnchorRecord r = a.plan(commitment(1));
    a.tick();
    assertEquals(1, btc.broadcasts.size());
    assertTrue(a.tick().isEmpty(), "too early to rebroadcast");
    clock.advance(Duration.ofMinutes(11));
    AnchorEvent.Sent again = assertInstanceOf(AnchorEvent.Sent.class, a.tick().get(0));
    assertFalse(again.feeBump());
    assertEquals(List.of(again.txid(), again.txid()), btc.broadcasts);

    btc.down = true;
    AnchorEvent.Failed err = assertInstanceOf(AnchorEvent.Failed.class, a.tick().get(0));
    assertTrue(err.reason().contains("refused"));
    assertEquals(AnchorStatus.BROADCAST, a.get(r.id()).orElseThrow().status());
    assertEquals(1, a.get(r.id()).orElseThrow().attempts().size(), "state kept through the failure");
  }

  @Test
  void sendFailureKeepsTheSignedTransaction() {
    btc.down = false;
    Anchorer a = new Anchorer(policy, btc, factory, AnchorJournal.inMemory(), clock);
    AnchorRecord r = a.plan(commitment(1));
    BitcoinPort flaky = new BitcoinPort() {
      @Override
      public TxObservation observe(Digest txid) {
        return btc.observe(txid);
      }

      @Override
      public void broadcast(byte[] raw) {
        throw new AnchorException("timeout");
      }

      @Override
      public long feeRate() {
        return 3;
      }
    };
    AnchorJournal j = AnchorJournal.inMemory();
    Anchorer b = new Anchorer(policy, flaky, factory, j, clock);
    b.plan(commitment(1));
    assertInstanceOf(AnchorEvent.Failed.class, b.tick().get(0));
    AnchorRecord kept = j.load(0).get(0);
    assertEquals(AnchorStatus.BROADCAST, kept.status());
    assertEquals(1, kept.attempts().size(), "signed transaction saved before sending");
    assertEquals(AnchorStatus.PLANNED, a.get(r.id()).orElseThrow().status());
  }

  @Test
  void policyTriggers() {
    Instant t0 = Instant.parse("2026-01-01T00:00:00Z");
    assertTrue(policy.isDue(-1, null, 0, t0));
    assertFalse(policy.isDue(5, t0, 5, t0.plus(Duration.ofDays(1))), "no new block");
    assertTrue(policy.isDue(5, t0, 15, t0));
    assertFalse(policy.isDue(5, t0, 14, t0.plus(Duration.ofMinutes(59))));
    assertTrue(policy.isDue(5, t0, 6, t0.plus(Duration.ofHours(1))));
    assertThrows(IllegalArgumentException.class,
        () -> new AnchorPolicy(0, null, 6, Duration.ofHours(1), Duration.ofMinutes(1), 1.5, 10));
    assertThrows(IllegalArgumentException.class,
        () -> new AnchorPolicy(1, null, 6, Duration.ofHours(1), Duration.ofMinutes(1), 1.0, 10));
  }

  @Test
  void commitmentPreimageRoundTripsAndIsStrict() {
    AnchorCommitment c = commitment(42);
    assertEquals(c, AnchorCommitment.fromPreimage(c.preimage()));
    assertEquals(Sha256.hash(c.preimage()), c.digest());
    byte[] bad = c.preimage();
    bad[3] ^= 1;
    assertThrows(MalformedEncodingException.class, () -> AnchorCommitment.fromPreimage(bad));
    assertThrows(MalformedEncodingException.class, () -> AnchorCommitment.fromPreimage(new byte[10]));
  }

  @Test
  void corruptJournalFileIsAClearError() throws Exception {
    AnchorJournal j = AnchorJournal.inDirectory(dir);
    j.save(new Anchorer(policy, btc, factory, AnchorJournal.inMemory(), clock).plan(commitment(3)));
    try (var files = Files.list(dir)) {
      Path f = files.filter(p -> p.toString().endsWith(".anchor.json")).findFirst().orElseThrow();
      Files.writeString(f, Files.readString(f).replace("PLANNED", "SOMEWHERE"));
    }
    MalformedEncodingException e = assertThrows(MalformedEncodingException.class, () -> j.load(0));
    assertTrue(e.getMessage().contains("anchor journal file"));
  }
  @Test
  void aJournalThatPairsOneTransactionsIdWithAnothersBytesIsAClearError() throws Exception {
    SignedTransaction sent = factory.create(commitment(4).digest(), 5);
    AnchorRecord r = new AnchorRecord(commitment(4), AnchorStatus.BROADCAST, clock.instant(),
        List.of(new AnchorRecord.Attempt(sent, clock.instant())), null, clock.instant(), null);
    AnchorJournal j = AnchorJournal.inDirectory(dir);
    j.save(r);
    assertEquals(List.of(r), j.load(0));
    String other = Sha256.hash(new byte[] {7}).toHex();
    try (var files = Files.list(dir)) {
      Path f = files.filter(p -> p.toString().endsWith(".anchor.json")).findFirst().orElseThrow();
      Files.writeString(f, Files.readString(f).replace(sent.txid().toHex(), other));
    }
    MalformedEncodingException e = assertThrows(MalformedEncodingException.class, () -> j.load(0));
    assertTrue(e.getMessage().contains("is not that of the transaction's bytes"), e.getMessage());
  }

  @Test
  void aSignedTransactionsIdIsThatOfItsBytes() {
    SignedTransaction t = factory.create(commitment(5).digest(), 3);
    assertThrows(IllegalArgumentException.class,
        () -> new SignedTransaction(Sha256.hash(new byte[] {1}), t.raw(), 3, 450));
    assertThrows(MalformedEncodingException.class,
        () -> new SignedTransaction(t.txid(), new byte[] {1, 2, 3}, 3, 450));
    assertEquals(t, new SignedTransaction(t.txid(), t.raw(), 3, 450));
  }
}
