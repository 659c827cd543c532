package io.medledger.node;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.medledger.access.ParticipantId;
import io.medledger.crypto.Digest;
import io.medledger.crypto.Ed25519PrivateKey;
import io.medledger.storage.BlobState;
import io.medledger.storage.ReplicatedBlobStore;
import io.medledger.storage.StorageNode;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Over the node runtime: a storage node gone for good is retired by the client's replicated store,
 * and a rebalance copies a payload it held to another storage node, which answers with its signed
 * receipt; reads then no longer ask the departed node.
 */
@Timeout(120)
class StorageRebalanceNodeTest {
  private static final SecureRandom RANDOM = new SecureRandom();
  private static final int CHUNK = 64 << 10;

  @TempDir
  Path dir;

  private static String name(Node n) {
    return ParticipantId.of(n.ledgerKey()).toHex();
  }

  @Test
  void aPayloadOfADepartedNodeIsCopiedToAnotherWithItsSignedReceipt() throws Exception {
    Testnet.Layout t = Testnet.create(dir.resolve("net"), NodeRuntimeTest.options(1, 1, 3), RANDOM);
    List<Node> nodes = new ArrayList<>();
    List<ClientChannel> channels = new ArrayList<>();
    try {
      for (Path p : t.nodeDirectories()) {
        nodes.add(Node.start(NodeConfig.read(p.resolve("node.json")), NodeMetrics.NONE));
      }
      Ed25519PrivateKey operator = NodeKeys.open(t.directory().resolve("client-keys.json"),
          Files.readString(t.passphrase()).strip().toCharArray()).ledgerSecretKey();
      Digest chainId = nodes.get(0).ledger().parameters().chainId();
      List<Node> storage = nodes.subList(2, 5);
      List<StorageNode> sn = new ArrayList<>();
      for (Node n : storage) {
        ClientChannel c = ClientChannel.connect(n.clientAddress().orElseThrow(), n.ledgerKey(), TlsIdentity.of(operator),
            NodeCluster.LIMITS);
        channels.add(c);
        sn.add(new StorageNode(name(n), new StorageNodeClient(name(n), n.ledgerKey(), chainId, c, CHUNK,
            Duration.ofSeconds(20), Duration.ofSeconds(10))));
      }
      // written while the third node was not yet configured: on the first two only
      byte[] data = new byte[2 * CHUNK + 7];
      new Random(3).nextBytes(data);
      ReplicatedBlobStore.Placement p = new ReplicatedBlobStore(sn.subList(0, 2), 2, dir).putReplicated(data);
      ReplicatedBlobStore all = new ReplicatedBlobStore(sn, 2, dir);

      // the first node is gone for good
      storage.get(0).close();
      all.retire(name(storage.get(0)));
      ReplicatedBlobStore.RebalanceReport r = all.rebalance(
          List.of(new ReplicatedBlobStore.Listed(p.id(), p.size(), p.nodeIds())), 2, 1 << 20);

      assertTrue(r.complete(), r.toString());
      ReplicatedBlobStore.Moved m = r.moved().get(0);
      assertEquals(name(storage.get(1)), m.source());
      assertEquals(List.of(name(storage.get(2))), m.added());
      assertTrue(m.receipts().get(name(storage.get(2))).verify(storage.get(2).ledgerKey(), chainId),
          "the new holder's receipt is its own, for this chain");
      assertEquals(BlobState.PRESENT, sn.get(2).store().check(p.id()));
      ReplicatedBlobStore.ReadReport read = all.readTo(p.id(), p.nodeIds(), java.io.OutputStream.nullOutputStream());
      assertTrue(read.problems().isEmpty(), "the departed node is not asked: " + read.problems());
      assertArrayEquals(data, all.read(p.id(), p.size(), p.nodeIds()));
    } finally {
      channels.forEach(ClientChannel::close);
      nodes.forEach(Node::close);
    }
  }
}
