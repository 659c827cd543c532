package io.medledger.node;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.medledger.crypto.Ed25519PrivateKey;
import io.medledger.crypto.Ed25519PublicKey;
import io.medledger.internal.transport.NodeFrames.SyncRequest;
import io.medledger.internal.transport.NodeFrames.SyncResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** The sans-IO sync planner: peer choice, backoff of liars, timeouts, prefetching. */
class BlockSyncTest {
  private final DriverOptions options = DriverOptions.defaults()
      .withSync(Duration.ofMillis(100), Duration.ofMillis(500), 10, Duration.ofSeconds(10));
  private final Ed25519PublicKey liar = Ed25519PrivateKey.generate().publicKey();
  private final Ed25519PublicKey honest = Ed25519PrivateKey.generate().publicKey();

  private static SyncResponse response(long from, long claimed, int blocks) {
    List<byte[]> bs = new ArrayList<>();
    List<io.medledger.consensus.QuorumCertificate> cs = new ArrayList<>();
    for (int i = 0; i < blocks; i++) {
      bs.add(new byte[] {1});
      cs.add(new io.medledger.consensus.QuorumCertificate(new io.medledger.consensus.Statement(
          io.medledger.consensus.StatementKind.PRECOMMIT, from + i, 0, io.medledger.crypto.Sha256.hash(new byte[] {1}), -1),
          List.of()));
    }
    return new SyncResponse(from, claimed, bs, cs);
  }

  @Test
  void aPeerLyingAboutItsHeightIsBackedOffAndTheOthersServe() {
    BlockSync s = new BlockSync(options);
    List<Ed25519PublicKey> peers = List.of(liar, honest);
    long now = 0;
    long height = 0;
    int liarAsked = 0;
    for (int step = 0; step < 200 && height < 100; step++) {
      now += 50;
      Optional<Map.Entry<Ed25519PublicKey, SyncRequest>> q = s.poll(now, height, peers);
      if (q.isEmpty()) {
        continue;
      }
      SyncRequest r = q.get().getValue();
      assertEquals(height + 1, r.fromHeight());
      if (q.get().getKey().equals(liar)) {
        liarAsked++;
        // claims a huge height, sends blocks that do not commit
        SyncResponse lie = response(r.fromHeight(), 1_000_000, 3);
        assertTrue(s.expects(liar, lie));
        s.completed(liar, lie, 0, height, now);
      } else {
        int n = (int) Math.min(r.count(), 100 - height);
        SyncResponse ok = response(r.fromHeight(), 100, n);
        assertTrue(s.expects(honest, ok));
        height += n;
        s.completed(honest, ok, n, height, now);
      }
    }
    assertEquals(100, height, "the honest peer served every block");
    assertTrue(liarAsked >= 1 && liarAsked <= 3, "the liar was asked " + liarAsked + " times (backoff)");
  }

  @Test
  void anUnansweredRequestTimesOutAndAnotherPeerIsAsked() {
    BlockSync s = new BlockSync(options);
    List<Ed25519PublicKey> peers = List.of(liar, honest);
    Map.Entry<Ed25519PublicKey, SyncRequest> first = s.poll(0, 5, peers).orElseThrow();
    assertTrue(s.poll(100, 5, peers).isEmpty(), "one request at a time");
    Map.Entry<Ed25519PublicKey, SyncRequest> second = s.poll(600, 5, peers).orElseThrow();
    assertFalse(first.getKey().equals(second.getKey()), "the silent peer is skipped after its timeout");
    // a response that was not asked for is ignored
    assertFalse(s.expects(first.getKey(), response(6, 50, 1)));
    assertFalse(s.expects(second.getKey(), response(7, 50, 1)), "wrong start height");
  }

  @Test
  void theNextRequestGoesOutWhileAResponseIsAppliedAndIsAwaitedFromWhenThatOneEnds() {
    BlockSync s = new BlockSync(options);
    List<Ed25519PublicKey> peers = List.of(honest, liar);
    Map.Entry<Ed25519PublicKey, SyncRequest> q = s.poll(0, 0, peers).orElseThrow();
    assertEquals(honest, q.getKey());
    SyncResponse first = response(1, 25, 10);
    assertTrue(s.expects(honest, first));
    Map.Entry<Ed25519PublicKey, SyncRequest> next = s.prefetch(honest, first, 100).orElseThrow();
    assertEquals(honest, next.getKey(), "the same peer");
    assertEquals(11, next.getValue().fromHeight(), "the blocks after the response");
    assertTrue(s.prefetch(honest, first, 100).isEmpty(), "one prefetch at a time");
    assertTrue(s.poll(200, 0, peers).isEmpty(), "no other request while two are out");
    assertFalse(s.expects(honest, response(11, 25, 10)), "the prefetched answer waits for the first");
    // applying the first response took longer than the timeout: the prefetch is not the peer's fault
    assertFalse(s.completed(honest, first, 10, 10, 5_000), "the prefetched response is awaited, not polled for");
    assertTrue(s.poll(5_100, 10, peers).isEmpty(), "its wait began when the first response was applied");
    SyncResponse second = response(11, 25, 10);
    assertTrue(s.expects(honest, second));
    assertTrue(s.prefetch(honest, second, 5_200).isPresent());
    assertFalse(s.completed(honest, second, 10, 20, 5_300));
    SyncResponse last = response(21, 25, 5);
    assertTrue(s.expects(honest, last));
    assertTrue(s.prefetch(honest, last, 5_400).isEmpty(), "nothing claimed beyond the last response");
    assertFalse(s.completed(honest, last, 5, 25, 5_500), "caught up: nothing to poll for");
    assertTrue(s.prefetch(honest, response(26, 30, 1), 5_600).isEmpty(), "nothing prefetched for an unasked response");
  }

  @Test
  void aResponseThatDoesNotCommitDropsThePrefetchAndBacksOffItsPeer() {
    BlockSync s = new BlockSync(options);
    List<Ed25519PublicKey> peers = List.of(liar, honest);
    assertEquals(liar, s.poll(0, 0, peers).orElseThrow().getKey());
    SyncResponse lie = response(1, 1_000, 10);
    assertTrue(s.prefetch(liar, lie, 10).isPresent(), "its first block committed");
    assertTrue(s.completed(liar, lie, 3, 3, 20), "poll again at once");
    assertFalse(s.expects(liar, response(11, 1_000, 10)), "the prefetched answer is no longer awaited");
    Map.Entry<Ed25519PublicKey, SyncRequest> q = s.poll(100, 3, peers).orElseThrow();
    assertEquals(honest, q.getKey(), "the liar is backed off");
    assertEquals(4, q.getValue().fromHeight());
    // the node advancing by other means drops both requests, and punishes no one
    SyncResponse ok = response(4, 50, 10);
    assertTrue(s.prefetch(honest, ok, 110).isPresent());
    s.stale();
    assertFalse(s.expects(honest, ok));
    assertFalse(s.expects(honest, response(14, 50, 10)));
    // an expected answer that does not decode drops the prefetch too, and backs its peer off
    List<Ed25519PublicKey> one = List.of(honest);
    assertTrue(s.poll(200, 3, one).isPresent());
    assertTrue(s.prefetch(honest, response(4, 50, 10), 210).isPresent());
    s.malformed(honest, 220);
    assertFalse(s.expects(honest, response(14, 50, 10)));
    assertTrue(s.poll(310, 3, one).isEmpty(), "backed off");
    assertTrue(s.poll(330, 3, one).isPresent(), "asked again after its backoff");
  }

  @Test
  void blocksCommittedByOtherMeansMeanwhileAreSkippedNotTheWholeResponse() {
    BlockSync s = new BlockSync(options);
    List<Ed25519PublicKey> peers = List.of(honest);
    assertEquals(1, s.poll(0, 0, peers).orElseThrow().getValue().fromHeight());
    SyncResponse r = response(1, 40, 10);
    assertTrue(s.expects(honest, r));
    assertEquals(0, s.firstToApply(r, 0), "nothing committed meanwhile");
    assertEquals(4, s.firstToApply(r, 4), "four blocks came by other means: apply from the fifth");
    assertEquals(9, s.firstToApply(r, 9), "only the last block is new");
    assertEquals(-1, s.firstToApply(r, 10), "nothing new: stale");
    assertEquals(-1, s.firstToApply(r, 12), "the node is past the response");
    assertEquals(-1, s.firstToApply(response(3, 40, 10), 1), "a gap before the response: stale");
    assertEquals(0, s.firstToApply(response(1, 0, 0), 0), "an empty answer is judged by completed");
    // the skipped blocks count as committed: the peer is not taken for a liar
    assertTrue(s.completed(honest, r, 4 + 6, 10, 10), "more is claimed: poll again");
    assertEquals(honest, s.poll(20, 10, peers).orElseThrow().getKey(), "not backed off");
  }

  @Test
  void aPeerAtOurHeightIsNotPunished() {
    BlockSync s = new BlockSync(options);
    List<Ed25519PublicKey> peers = List.of(honest);
    Map.Entry<Ed25519PublicKey, SyncRequest> q = s.poll(0, 5, peers).orElseThrow();
    assertFalse(s.completed(honest, response(6, 5, 0), 0, 5, 0), "nothing more to fetch");
    assertTrue(s.poll(50, 5, peers).isEmpty(), "probe interval respected");
    assertTrue(s.poll(150, 5, peers).isPresent(), "asked again after the probe interval, not backed off");
    assertEquals(honest, q.getKey());
  }
}
