package io.medledger.node;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.medledger.access.ParticipantId;
import io.medledger.chain.Entry;
import io.medledger.chain.MedicalRecord;
import io.medledger.chain.PatientRegistration;
import io.medledger.chain.RecordErasure;
import io.medledger.codec.ByteString;
import io.medledger.crypto.Digest;
import io.medledger.crypto.Ed25519PrivateKey;
import io.medledger.storage.BlobState;
import io.medledger.storage.BlobUnavailableException;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A storage node over TLS on loopback (with one federation and one audit server): a patient's
 * uploads that no record references are refused past their quota, a committed record naming one of
 * them frees its share (the node follows the ledger), the count and the upload times survive a
 * restart of the storage node, and the node reads a record and its erasure as a reference added and
 * removed.
 */
class StorageQuotaNodeTest {
  private static final SecureRandom RANDOM = new SecureRandom();
  private static final int KIB = 1024;

  @TempDir
  Path dir;

  @Test
  void unreferencedUploadsAreBoundedPerPatientAndFreedByACommittedRecordAcrossARestart() throws Exception {
    Testnet.Layout t = Testnet.create(dir.resolve("net"), NodeRuntimeTest.options(1, 1, 1), RANDOM);
    NodeConfig.StorageSettings st = new NodeConfig.StorageSettings(32 * KIB, 16 * KIB, 4, 64, Duration.ofSeconds(60), 0,
        1).withPending(64 * KIB, Duration.ofHours(1));
    List<Node> nodes = new ArrayList<>();
    List<ClientChannel> channels = new ArrayList<>();
    try {
      for (Path p : t.nodeDirectories()) {
        nodes.add(Node.start(NodeConfig.read(p.resolve("node.json")).withStorage(st), NodeMetrics.NONE));
      }
      Node storage = nodes.get(2);
      Digest chainId = nodes.get(0).ledger().parameters().chainId();
      Ed25519PrivateKey patient = Ed25519PrivateKey.generate(RANDOM);
      Finality reg = nodes.get(0).submit(Entry.sign(new PatientRegistration(patient.publicKey(),
          System.currentTimeMillis(), List.of()), chainId, patient, NodeRuntimeTest.registrar(t))).get(30, TimeUnit.SECONDS);
      NodeRuntimeTest.waitFor(() -> storage.ledger().height() >= reg.height(), "the storage node to follow");

      StorageNodeClient c = client(storage, patient, channels);
      Digest first = c.put(bytes(30 * KIB));
      c.put(bytes(30 * KIB));
      BlobUnavailableException refused = assertThrows(BlobUnavailableException.class, () -> c.put(bytes(8 * KIB)));
      assertTrue(refused.getMessage().contains("refused (quota)")
          && refused.getMessage().contains("no committed record references"), refused.getMessage());

      ParticipantId pid = ParticipantId.of(patient.publicKey());
      MedicalRecord rec = Entry.sign(new MedicalRecord(pid, pid, Optional.empty(), "Observation", first, 30 * KIB,
          List.of(ParticipantId.of(storage.ledgerKey())), ByteString.of(new byte[] {1}), System.currentTimeMillis(),
          Optional.empty(), List.of()), chainId, patient);
      nodes.get(0).submit(rec).get(30, TimeUnit.SECONDS);
      PendingBlobs pending = storage.storageService().orElseThrow().pending();
      NodeRuntimeTest.waitFor(() -> !pending.isPending(first), "the storage node to see the record");
      assertEquals(30 * KIB, pending.charged(patient.publicKey()));
      Digest third = c.put(bytes(8 * KIB));

      // restart the storage node: the uploads still count, the referenced blob still does not
      channels.forEach(ClientChannel::close);
      channels.clear();
      Path config = t.nodeDirectories().get(2).resolve("node.json");
      storage.close();
      nodes.set(2, Node.start(NodeConfig.read(config).withStorage(st), NodeMetrics.NONE));
      Node again = nodes.get(2);
      PendingBlobs after = again.storageService().orElseThrow().pending();
      assertEquals(38 * KIB, after.charged(patient.publicKey()), "counted across the restart");
      assertTrue(after.isPending(third));
      assertEquals(0, again.storageService().orElseThrow().sweepOrphans(), "nothing is past its grace period");
      StorageNodeClient c2 = client(again, patient, channels);
      assertEquals(BlobState.PRESENT, c2.check(first));
      assertThrows(BlobUnavailableException.class, () -> c2.put(bytes(30 * KIB)), "still over the quota");

      // the ledger's record and its erasure, as the storage node reads them: +1 and -1 for the payload
      Finality erased = nodes.get(0).submit(Entry.sign(new RecordErasure(pid, rec.id(), pid, System.currentTimeMillis(),
          List.of()), chainId, patient)).get(30, TimeUnit.SECONDS);
      NodeRuntimeTest.waitFor(() -> again.ledger().height() >= erased.height(), "the storage node to see the erasure");
      PendingBlobs.LedgerFeed feed = PendingBlobs.LedgerFeed.of(again.ledger());
      assertEquals(List.of(new PendingBlobs.Reference(first, -1, rec.id())), feed.references(erased.height()));
      long recorded = again.ledger().locate(rec.id()).orElseThrow().height();
      assertEquals(List.of(new PendingBlobs.Reference(first, 1, rec.id())), feed.references(recorded));
    } finally {
      channels.forEach(ClientChannel::close);
      nodes.forEach(Node::close);
    }
  }

  private static StorageNodeClient client(Node n, Ed25519PrivateKey as, List<ClientChannel> channels) {
    ClientChannel ch = ClientChannel.connect(n.clientAddress().orElseThrow(), n.ledgerKey(), TlsIdentity.of(as),
        NodeCluster.LIMITS);
    channels.add(ch);
    return new StorageNodeClient(ParticipantId.of(n.ledgerKey()).toHex(), n.ledgerKey(),
        n.ledger().parameters().chainId(), ch, 16 * KIB, Duration.ofSeconds(20),
        Duration.ofSeconds(10));
  }

  private static byte[] bytes(int n) {
    byte[] b = new byte[n];
    RANDOM.nextBytes(b);
    return b;
  }
}
