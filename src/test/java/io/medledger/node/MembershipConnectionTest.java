package io.medledger.node;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.medledger.access.ParticipantKind;
import io.medledger.chain.Entry;
import io.medledger.chain.MembershipChange;
import io.medledger.crypto.Ed25519PublicKey;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A membership change on the ledger takes effect on live TLS connections between node processes' transports. */
class MembershipConnectionTest {
  @TempDir
  Path dir;

  private final List<Node> nodes = new ArrayList<>();

  @AfterEach
  void closeAll() {
    nodes.forEach(Node::close);
  }

  @Test
  void aRemovedServerIsDisconnectedAndRefused() throws Exception {
    Testnet.Layout t = Testnet.create(dir.resolve("net"), NodeRuntimeTest.options(2, 3, 0), new SecureRandom());
    List<NodeKeys> keys = new ArrayList<>();
    for (Path p : t.nodeDirectories()) {
      NodeConfig c = NodeConfig.read(p.resolve("node.json"));
      keys.add(NodeKeys.open(c.dataDirectory().resolve(NodeKeys.FILE_NAME), NodeKeys.passphrase(c.keySource())));
      nodes.add(Node.start(c, NodeMetrics.NONE)); // TLS 1.3 on loopback
    }
    // the audit server with the smallest key: of two peers the smaller key dials, so it dials the other two again
    Node removed = nodes.stream().filter(n -> n.role() == ServerRole.AUDIT)
        .min(java.util.Comparator.comparing(n -> n.ledgerKey().toHex())).orElseThrow();
    Ed25519PublicKey gone = removed.ledgerKey();
    NodeRuntimeTest.waitFor(() -> nodes.stream().allMatch(n -> n.transport().connectedPeers().size() == 4),
        "every node connected to every other");

    // both federation servers (the quorum of two) remove it
    MembershipChange m = new MembershipChange(MembershipChange.Operation.REMOVE, ParticipantKind.AUDIT_SERVER, gone,
        Optional.empty(), System.currentTimeMillis(), List.of());
    Entry signed = Entry.sign(m, nodes.get(0).ledger().parameters().chainId(), keys.get(0).ledgerSecretKey(),
        keys.get(1).ledgerSecretKey());
    long h = nodes.get(0).submit(signed).get(60, TimeUnit.SECONDS).height();
    List<Node> staying = nodes.stream().filter(n -> n != removed).toList();
    NodeRuntimeTest.waitFor(() -> staying.stream().allMatch(n -> n.ledger().height() >= h), "the change everywhere");
    assertFalse(staying.get(0).ledger().membership().auditKeys().contains(gone));

    // the others drop its connections, and refuse it when it dials again (it keeps trying, with backoff)
    NodeRuntimeTest.waitFor(() -> staying.stream().noneMatch(n -> n.transport().connectedPeers().contains(gone))
        && removed.transport().connectedPeers().isEmpty(), "the removed server disconnected");
    // counted, not timed: the others refuse three more of its connections, and it is never connected meanwhile
    long refusedBefore = refusals(staying);
    NodeRuntimeTest.waitFor(() -> {
      assertTrue(removed.transport().connectedPeers().isEmpty(), "a removed server's connection is refused");
      return refusals(staying) >= refusedBefore + 3;
    }, "three more of the removed server's connections refused");
    assertTrue(removed.transport().connectedPeers().isEmpty(), "a removed server's connection is refused");
    for (Node n : staying) {
      assertEquals(3, n.transport().connectedPeers().size(), "the others stay connected to each other");
    }
    // and the federation still decides without it
    assertTrue(nodes.get(1).submit(NodeRuntimeTest.patient(nodes.get(0).ledger().parameters().chainId(),
        NodeRuntimeTest.registrar(t)))
        .get(60, TimeUnit.SECONDS).height() > h);
  }

  /** The connections {@code nodes} refused at the handshake so far. */
  private static long refusals(List<Node> nodes) {
    return nodes.stream().mapToLong(n -> ((TlsPeerTransport) n.transport()).refusedConnections()).sum();
  }
}
