package io.medledger.node;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.medledger.chain.Entry;
import io.medledger.chain.Ledger;
import io.medledger.consensus.BftProtocol;
import io.medledger.consensus.RotatingAuditProtocol;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** The real-time driver running the sans-IO protocols over real transports and real ledgers. */
@Timeout(120)
class ProtocolDriverTest {
  /** A peer's queue that cannot hold one largest frame would drop every such frame: refused at construction. */
  @org.junit.jupiter.api.Test
  void aPeerQueueSmallerThanOneFrameIsRefused() throws Exception {
    try (NodeCluster c = new NodeCluster(RotatingAuditProtocol.NAME, false, 1, 1)) {
      c.create();
      ProtocolDriver fits = c.driver(0, c.ledgers.get(0), c.transports.get(0), new ConsensusListener() {});
      fits.close();
      int frame = NodeCluster.LIMITS.maxFrameBytes();
      DriverOptions tight = new DriverOptions(frame, java.time.Duration.ofSeconds(1), java.time.Duration.ofSeconds(5),
          16, java.time.Duration.ofSeconds(30), 64L << 20);
      IllegalArgumentException e = org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class,
          () -> c.driver(0, c.ledgers.get(0), c.transports.get(0), new ConsensusListener() {}, tight));
      assertTrue(e.getMessage().contains("maxQueuedBytesPerPeer"), e.getMessage());
    }
  }

  @ParameterizedTest(name = "{0} over {1}")
  @CsvSource({"rotating-audit, tls", "rotating-audit, local", "bft, tls"})
  void serversMakeBlocksFinalWithTheSameTip(String protocol, String transport) throws Exception {
    assertTrue(protocol.equals(RotatingAuditProtocol.NAME) || protocol.equals(BftProtocol.NAME));
    try (NodeCluster c = new NodeCluster(protocol, transport.equals("tls"), 4, 4)) {
      c.create();
      c.startAll();
      NodeCluster.await(() -> c.transports.stream().allMatch(t -> t.connectedPeers().size() == c.members.size() - 1),
          20_000, "full mesh");
      List<Entry> entries = new ArrayList<>();
      for (int i = 0; i < 60; i++) {
        Entry e = c.fixture.registerPatient(c.fixture.actor("patient-" + i));
        entries.add(e);
        c.drivers.get(i % c.drivers.size()).submit(e.encode());
        if (i % 20 == 19) {
          Thread.sleep(50);
        }
      }
      NodeCluster.await(() -> c.ledgers.stream().allMatch(l -> entries.stream().allMatch(e -> l.locate(e.id()).isPresent())),
          60_000, "every entry final on every node");
      NodeCluster.await(() -> c.ledgers.stream().map(Ledger::height).distinct().count() == 1, 20_000, "same height");
      Ledger first = c.ledgers.get(0);
      long h = first.height();
      assertTrue(h >= 1);
      for (Ledger l : c.ledgers) {
        assertEquals(first.tip().orElseThrow().hash(), l.tip().orElseThrow().hash(), "same tip");
      }
      long included = 0;
      for (long i = 1; i <= h; i++) {
        included += first.block(i).block().entries().size();
      }
      assertEquals(entries.size(), included, "every entry final exactly once");
      NodeCluster.await(() -> c.drivers.stream().allMatch(d -> d.isRunning() && d.height() == h + 1), 5_000,
          "drivers report the height");
    }
  }

  /**
   * Members come and go, and each sends frames: once the loop has taken them, the driver holds
   * nothing for any of them (its per-peer byte counts kept an entry for every peer ever heard).
   */
  @org.junit.jupiter.api.Test
  void peersThatSentFramesLeaveNoQuotaBehindOnceTheyAreTaken() throws Exception {
    try (NodeCluster c = new NodeCluster(RotatingAuditProtocol.NAME, false, 1, 1)) {
      c.create();
      PeerTransport inner = c.transports.get(0);
      FrameReceiver[] receiver = new FrameReceiver[1];
      PeerTransport capturing = new PeerTransport() {
        @Override public io.medledger.crypto.Ed25519PublicKey self() { return inner.self(); }
        @Override public boolean send(io.medledger.crypto.Ed25519PublicKey to, byte[] frame) { return inner.send(to, frame); }
        @Override public void setReceiver(FrameReceiver r) { receiver[0] = r; }
        @Override public void updatePeers(java.util.Map<io.medledger.crypto.Ed25519PublicKey, PeerAddress> peers) {}
        @Override public java.util.Set<io.medledger.crypto.Ed25519PublicKey> connectedPeers() { return java.util.Set.of(); }
        @Override public void close() {}
      };
      java.util.concurrent.atomic.AtomicInteger heard = new java.util.concurrent.atomic.AtomicInteger();
      try (ProtocolDriver d = c.driver(0, c.ledgers.get(0), capturing, new ConsensusListener() {
        @Override
        public void checkpointReceived(io.medledger.crypto.Ed25519PublicKey from, byte[] payload) {
          heard.incrementAndGet();
        }
      })) {
        d.start();
        int peers = 300;
        java.security.SecureRandom random = new java.security.SecureRandom();
        for (int i = 0; i < peers; i++) {
          io.medledger.crypto.Ed25519PublicKey k = io.medledger.crypto.Ed25519PrivateKey.generate(random).publicKey();
          receiver[0].onFrame(k, io.medledger.internal.transport.NodeFrames.checkpoint(new byte[] {1, 2, 3}));
          receiver[0].onFrame(k, new byte[] {(byte) 0xEE}); // malformed: dropped on the loop
        }
        NodeCluster.await(() -> heard.get() == peers, 20_000, "every frame taken");
        NodeCluster.await(() -> d.peersQueued() == 0, 5_000,
            () -> "no peer left in the quota map; it holds " + d.peersQueued());
      }
    }
  }
}
