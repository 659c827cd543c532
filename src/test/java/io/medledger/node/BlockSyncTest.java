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

/** The sans-IO sync planner: peer choice, backoff of liars, timeouts. */
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
