package io.medledger.node;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.medledger.access.ParticipantId;
import io.medledger.access.ParticipantKind;
import io.medledger.chain.MedicalRecord;
import io.medledger.client.ErasureReport;
import io.medledger.client.Identity;
import io.medledger.client.PatientClient;
import io.medledger.client.WrittenRecord;
import io.medledger.codec.MalformedEncodingException;
import io.medledger.crypto.Digest;
import io.medledger.crypto.Ed25519PublicKey;
import io.medledger.storage.ReplicatedBlobStore;
import io.medledger.storage.StorageNode;
import io.medledger.storage.StorageReceipt;
import io.medledger.storage.StorageStatement;
import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The storage nodes' signed receipts reach the application over the node runtime: a testnet of
 * one federation server, one audit server and three storage nodes, in this JVM over TLS on
 * loopback, a patient writing and erasing through a {@link RemoteConnection} whose payload store is
 * the three {@link StorageNodeClient}s (w = 2). A write returns each acknowledging node's "held"
 * receipt, which verifies against that node's configured key and no longer after any byte of it is
 * flipped; an erasure's report holds each reachable node's "deleted" receipt, lists a stopped node
 * to retry rather than as deleted, and the retry collects that node's receipt.
 */
@Timeout(180)
class RemoteStorageReceiptsTest {
  private static final SecureRandom RANDOM = new SecureRandom();
  private static final byte[] FHIR_JSON = """
      {"resourceType":"Patient","id":"anna","name":[{"family":"Mueller","given":["Anna"]}],
       "birthDate":"1984-02-11"}""".getBytes(StandardCharsets.UTF_8);

  @TempDir
  Path dir;

  private final List<Node> nodes = new ArrayList<>();
  private final List<AutoCloseable> open = new ArrayList<>();
  private final Map<Ed25519PublicKey, Path> storageDirs = new LinkedHashMap<>();
  private Testnet.Layout layout;
  private Digest chainId;

  @AfterEach
  void closeAll() throws Exception {
    for (AutoCloseable c : open) {
      c.close();
    }
    nodes.forEach(Node::close);
  }

  /** Starts the testnet; returns its storage nodes' ledger keys. */
  private List<Ed25519PublicKey> start() {
    layout = Testnet.create(dir.resolve("net"), NodeRuntimeTest.options(1, 1, 3), RANDOM);
    for (Path p : layout.nodeDirectories()) {
      NodeConfig c = NodeConfig.read(p.resolve("node.json"));
      nodes.add(Node.start(c, NodeMetrics.NONE));
      if (c.role() == ServerRole.STORAGE) {
        storageDirs.put(c.ledgerKey(), p);
      }
    }
    chainId = nodes.get(0).ledger().parameters().chainId();
    return List.copyOf(storageDirs.keySet());
  }

  private Node node(Ed25519PublicKey key) {
    return nodes.stream().filter(n -> n.ledgerKey().equals(key)).reduce((a, b) -> b).orElseThrow();
  }

  /** A w = 2 store of clients of the running storage nodes, presenting {@code as}. */
  private ReplicatedBlobStore payloads(Identity as) {
    List<StorageNode> stores = new ArrayList<>();
    for (Ed25519PublicKey k : storageDirs.keySet()) {
      StorageNodeClient c = StorageNodeClient.connect(node(k).clientAddress().orElseThrow(), k, chainId,
          TlsIdentity.of(as.secretSigningKey()));
      open.add(c);
      stores.add(new StorageNode(c.name(), c));
    }
    return new ReplicatedBlobStore(stores, 2);
  }

  private RemoteConnection connection(Identity id, ReplicatedBlobStore payloads) {
    RemoteConnection c = RemoteConnection.builder(id).nodes(ClientConfig.read(layout.clientConfig()))
        .payloads(payloads).timeouts(Duration.ofSeconds(20), Duration.ofSeconds(60)).build();
    open.add(c);
    return c;
  }

  /** Registers a new patient through the testnet's operator key (the first institution its registrar). */
  private Identity registerPatient() {
    char[] pass = NodeKeys.passphrase(new NodeConfig.KeySource.File(layout.passphrase()));
    NodeKeys op = NodeKeys.open(layout.directory().resolve("client-keys.json"), pass);
    NodeKeys inst = NodeKeys.open(layout.directory().resolve("institutions").resolve("institution-1.json"), pass);
    Identity operator = Identity.of(ParticipantKind.AUDIT_SERVER, "Operator", op.ledgerSecretKey(),
        op.encryptionSecretKey(), op.fragmentSigningSecretKey());
    Identity registrar = Identity.of(ParticipantKind.INSTITUTION, "Hospital 1", inst.ledgerSecretKey(),
        inst.encryptionSecretKey(), inst.fragmentSigningSecretKey());
    Identity patient = Identity.generate(ParticipantKind.PATIENT, "Anna", RANDOM);
    PatientClient.register(connection(operator, payloads(operator)), patient, registrar);
    // final on a quorum; a storage node still applying that block would refuse the patient's handshake
    for (Ed25519PublicKey k : storageDirs.keySet()) {
      try {
        NodeCluster.await(() -> node(k).ledger().participant(patient.id()).isPresent(), 30_000,
            "storage node " + k + " to know the patient");
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new AssertionError(e);
      }
    }
    return patient;
  }

  @Test
  void aPatientsWriteReturnsEachStorageNodesReceiptAndEachVerifiesOnlyUntouched() {
    List<Ed25519PublicKey> storage = start();
    Identity anna = registerPatient();
    PatientClient client = PatientClient.open(connection(anna, payloads(anna)), anna);

    WrittenRecord written = client.upload(FHIR_JSON);
    MedicalRecord rec = written.record();
    assertEquals(rec.id(), written.id());
    Digest copy = rec.deidentified().orElseThrow().payloadDigest();
    long copySize = rec.deidentified().orElseThrow().payloadSize();
    List<StorageReceipt> forPayload = receiptsFor(written.storageReceipts(), rec.payloadDigest());
    List<StorageReceipt> forCopy = receiptsFor(written.storageReceipts(), copy);
    assertEquals(written.storageReceipts().size(), forPayload.size() + forCopy.size());
    assertEquals(forPayload, written.payloadReceipts());
    // every node the entry lists as holding the payload gave its receipt, at least w of them
    assertTrue(forPayload.size() >= 2, "receipts from at least w = 2 nodes: " + forPayload.size());
    assertTrue(forCopy.size() >= 2, "receipts for the de-identified copy from at least w = 2 nodes");
    assertEquals(new HashSet<>(rec.storageNodes()), ids(forPayload));
    for (StorageReceipt r : written.storageReceipts()) {
      assertTrue(storage.contains(r.node()), "a receipt of a testnet storage node");
      boolean ofPayload = r.statement().blob().equals(rec.payloadDigest());
      assertEquals(new StorageStatement.Held(chainId, ofPayload ? rec.payloadDigest() : copy,
          ofPayload ? rec.payloadSize() : copySize, r.statement().time()), r.statement());
      assertKeptReceiptVerifiesOnlyUntouched(r, r.node());
      for (Ed25519PublicKey other : storage) {
        if (!other.equals(r.node())) {
          assertFalse(r.verify(other, chainId), "verifies only against the node that signed it");
        }
      }
    }

    // a streamed upload has no de-identified copy: its receipts are all for the payload
    WrittenRecord streamed = client.upload("Media", new ByteArrayInputStream(new byte[40_000]));
    assertTrue(streamed.storageReceipts().size() >= 2);
    assertEquals(streamed.storageReceipts(), streamed.payloadReceipts());
    assertEquals(new HashSet<>(streamed.record().storageNodes()), ids(streamed.storageReceipts()));
    for (StorageReceipt r : streamed.storageReceipts()) {
      assertKeptReceiptVerifiesOnlyUntouched(r, r.node());
    }
  }

  @Test
  void anErasureOverTheNodesReportsEachNodesSignedDeletionAndAStoppedNodeToRetry() throws Exception {
    List<Ed25519PublicKey> storage = start();
    Identity anna = registerPatient();
    PatientClient client = PatientClient.open(connection(anna, payloads(anna)), anna);
    MedicalRecord rec = client.upload(FHIR_JSON).record();
    Digest copy = rec.deidentified().orElseThrow().payloadDigest();

    Ed25519PublicKey stopped = storage.get(2);
    String stoppedId = ParticipantId.of(stopped).toHex();
    node(stopped).close();
    ErasureReport report = client.erase(rec.id());
    assertEquals(List.of(stoppedId), report.unreachable(), "the stopped node is to be retried");
    assertFalse(report.complete());
    assertFalse(report.deletedFrom().contains(stoppedId), "a node not reached is not counted as deleted");
    List<Ed25519PublicKey> reached = storage.subList(0, 2);
    assertDeletionReceipts(report, reached, rec, copy);
    for (String deleted : report.deletedFrom()) {
      assertTrue(report.deletionReceipts().stream().anyMatch(r -> ParticipantId.of(r.node()).toHex().equals(deleted)
          && r.statement() instanceof StorageStatement.Deleted d && d.hadCopy()),
          "a node counted as deleted has its signed deletion in the report: " + deleted);
    }
    assertEquals(Set.copyOf(report.deletedFrom()), Set.of(ParticipantId.of(storage.get(0)).toHex(),
        ParticipantId.of(storage.get(1)).toHex()), "both reachable nodes held and deleted a copy");

    // the node comes back; the retry reaches it and collects its receipt
    NodeConfig c = NodeConfig.read(storageDirs.get(stopped).resolve("node.json"));
    nodes.add(Node.start(c, NodeMetrics.NONE));
    ErasureReport retried = connection(anna, payloads(anna)).finishErasure(rec.id());
    assertTrue(retried.complete(), "unreachable: " + retried.unreachable());
    assertEquals(List.of(stoppedId), retried.deletedFrom(), "only the restarted node still held a copy");
    assertDeletionReceipts(retried, storage, rec, copy);
  }

  /**
   * {@code report} holds exactly one verifying deletion receipt from each of {@code from} for the
   * payload and one for its de-identified copy, all naming the erased record, and none of another node.
   */
  private void assertDeletionReceipts(ErasureReport report, List<Ed25519PublicKey> from, MedicalRecord rec,
      Digest copy) {
    assertEquals(2 * from.size(), report.deletionReceipts().size(), "receipts " + report.deletionReceipts());
    for (Ed25519PublicKey k : from) {
      for (Digest blob : List.of(rec.payloadDigest(), copy)) {
        List<StorageReceipt> mine = report.deletionReceipts().stream().filter(r -> r.node().equals(k)
            && r.statement().blob().equals(blob)).toList();
        assertEquals(1, mine.size(), "one receipt of " + k + " for " + blob);
        StorageReceipt r = mine.get(0);
        assertTrue(r.statement() instanceof StorageStatement.Deleted d && d.erasedRecord().equals(rec.id())
            && d.chainId().equals(chainId), r.statement().toString());
        assertKeptReceiptVerifiesOnlyUntouched(r, k);
      }
    }
  }

  /** Kept as bytes, {@code r} verifies against {@code node} and the chain; with any one byte flipped it does not. */
  private void assertKeptReceiptVerifiesOnlyUntouched(StorageReceipt r, Ed25519PublicKey node) {
    byte[] kept = r.encode();
    assertTrue(StorageReceipt.decode(kept).verify(node, chainId), "the kept receipt verifies");
    for (int i = 0; i < kept.length; i++) {
      byte[] flipped = kept.clone();
      flipped[i] ^= 0x01;
      assertFalse(decodesAndVerifies(flipped, node), "byte " + i + " flipped still verifies");
    }
  }

  private boolean decodesAndVerifies(byte[] encoded, Ed25519PublicKey node) {
    try {
      return StorageReceipt.decode(encoded).verify(node, chainId);
    } catch (MalformedEncodingException e) {
      return false;
    }
  }

  private static List<StorageReceipt> receiptsFor(List<StorageReceipt> receipts, Digest blob) {
    return receipts.stream().filter(r -> r.statement().blob().equals(blob)).toList();
  }

  private static Set<ParticipantId> ids(List<StorageReceipt> receipts) {
    Set<ParticipantId> ids = new HashSet<>();
    for (StorageReceipt r : receipts) {
      assertTrue(ids.add(ParticipantId.of(r.node())), "one receipt per node");
    }
    return ids;
  }
}
