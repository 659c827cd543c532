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
 * Payload digests are public on the ledger, but a patient cannot write a record of their own that
 * names another patient's payload: the ledger refuses a second record naming it. So the first
 * record owns the payload: only its erasure lets a storage node delete it. (The storage node's own
 * rule, that the first committed record naming a payload owns it, is tested on its index in
 * {@code StorageOrphanTest}.)
 */
class StorageSharedPayloadErasureTest {
  private static final SecureRandom RANDOM = new SecureRandom();

  @TempDir
  Path dir;

  @Test
  void erasingOnesOwnRecordOfAnotherPatientsPayloadDeletesNothing() throws Exception {
    Testnet.Layout t = Testnet.create(dir.resolve("net"), NodeRuntimeTest.options(1, 1, 1), RANDOM);
    List<Node> nodes = new ArrayList<>();
    List<ClientChannel> channels = new ArrayList<>();
    try {
      for (Path p : t.nodeDirectories()) {
        nodes.add(Node.start(NodeConfig.read(p.resolve("node.json")), NodeMetrics.NONE));
      }
      Node storage = nodes.get(2);
      Digest chainId = nodes.get(0).ledger().parameters().chainId();
      Ed25519PrivateKey victim = Ed25519PrivateKey.generate(RANDOM);
      Ed25519PrivateKey attacker = Ed25519PrivateKey.generate(RANDOM);
      long registered = 0;
      for (Ed25519PrivateKey k : List.of(victim, attacker)) {
        registered = submit(nodes, Entry.sign(new PatientRegistration(k.publicKey(), System.currentTimeMillis(),
            List.of()), chainId, k, NodeRuntimeTest.registrar(t))).height();
      }
      long at = registered;
      NodeRuntimeTest.waitFor(() -> storage.ledger().height() >= at, "the storage node to see the registrations");
      byte[] data = new byte[5000];
      RANDOM.nextBytes(data);
      Digest payload = client(storage, victim, channels).put(data);
      MedicalRecord own = record(victim, payload, storage, chainId);
      submit(nodes, own);
      // the ledger refuses a second record naming the same payload, so its first record owns it
      java.util.concurrent.ExecutionException copy = assertThrows(java.util.concurrent.ExecutionException.class,
          () -> submit(nodes, record(attacker, payload, storage, chainId)));
      assertTrue(copy.getCause().getMessage().contains("already names this payload"), copy.getCause().getMessage());

      StorageNodeClient c = client(storage, attacker, channels);
      assertThrows(BlobUnavailableException.class, () -> c.deleteErased(payload, own.id()),
          "the owner's record is not erased");
      assertEquals(BlobState.PRESENT, c.check(payload), "the victim's payload is kept");
      Finality gone = submit(nodes, erasure(victim, own, chainId));
      NodeRuntimeTest.waitFor(() -> storage.ledger().height() >= gone.height(), "the storage node to see the erasure");
      assertTrue(c.deleteErased(payload, own.id()), "the record that named it is erased");
      assertEquals(BlobState.MISSING, c.check(payload));
    } finally {
      channels.forEach(ClientChannel::close);
      nodes.forEach(Node::close);
    }
  }

  private static Finality submit(List<Node> nodes, Entry e) throws Exception {
    return nodes.get(0).submit(e).get(30, TimeUnit.SECONDS);
  }

  private static MedicalRecord record(Ed25519PrivateKey patient, Digest payload, Node storage, Digest chainId) {
    ParticipantId pid = ParticipantId.of(patient.publicKey());
    return Entry.sign(new MedicalRecord(pid, pid, Optional.empty(), "Observation", payload, 5000,
        List.of(ParticipantId.of(storage.ledgerKey())), ByteString.of(new byte[] {1}), System.currentTimeMillis(),
        Optional.empty(), List.of()), chainId, patient);
  }

  private static RecordErasure erasure(Ed25519PrivateKey patient, MedicalRecord r, Digest chainId) {
    ParticipantId pid = ParticipantId.of(patient.publicKey());
    return Entry.sign(new RecordErasure(pid, r.id(), pid, System.currentTimeMillis(), List.of()), chainId, patient);
  }

  private static StorageNodeClient client(Node n, Ed25519PrivateKey as, List<ClientChannel> channels) {
    ClientChannel ch = ClientChannel.connect(n.clientAddress().orElseThrow(), n.ledgerKey(), TlsIdentity.of(as),
        NodeCluster.LIMITS);
    channels.add(ch);
    return new StorageNodeClient(ParticipantId.of(n.ledgerKey()).toHex(), n.ledgerKey(),
        n.ledger().parameters().chainId(), ch, 16 << 10, Duration.ofSeconds(20),
        Duration.ofMillis(300));
  }
}
