package io.medledger.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.medledger.access.ParticipantId;
import io.medledger.access.ParticipantKind;
import io.medledger.chain.AffiliateRemoval;
import io.medledger.chain.Entry;
import io.medledger.chain.MedicalRecord;
import io.medledger.client.Identity;
import io.medledger.client.PatientClient;
import io.medledger.crypto.Digest;
import io.medledger.node.ClientConfig;
import io.medledger.node.Node;
import io.medledger.node.NodeConfig;
import io.medledger.node.NodeKeys;
import io.medledger.node.NodeMetrics;
import io.medledger.node.RemoteConnection;
import io.medledger.node.ServerRole;
import io.medledger.node.StorageNodeClient;
import io.medledger.node.Testnet;
import io.medledger.node.TlsIdentity;
import io.medledger.storage.BlobState;
import io.medledger.storage.ReplicatedBlobStore;
import io.medledger.storage.StorageNode;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code storage rebalance} against a testnet of node runtimes in this JVM (one federation server,
 * one audit server, three storage nodes on loopback TLS): a patient's record is written to the first
 * two storage nodes only, the first leaves the ledger (its institution removes it as an affiliate),
 * and the command copies each record's payload and de-identified copy to the third, so that w = 2
 * active nodes hold each again: a run with too small a byte budget defers them, a run bounded to two
 * payloads moves the first record's and returns the cursor the next run resumes from, and a last run
 * finds nothing left to move.
 */
class StorageCommandTest {
  private static final SecureRandom RANDOM = new SecureRandom();

  @TempDir
  Path dir;

  /** Node runtimes and client connections, closed newest first. */
  private final java.util.Deque<AutoCloseable> open = new java.util.ArrayDeque<>();
  private final List<Node> nodes = new ArrayList<>();

  @AfterEach
  void closeAll() throws Exception {
    while (!open.isEmpty()) {
      open.pop().close();
    }
  }

  @Test
  @Timeout(240)
  void aDepartedStorageNodesPayloadsAreRestoredToWActiveNodes() throws Exception {
    NodeConfig.ConsensusSettings fast = new NodeConfig.ConsensusSettings("rotating-audit", Duration.ofMillis(500),
        Duration.ofMillis(200), 500, 4 << 20, Duration.ofMillis(10), 100_000);
    Testnet.Layout t = Testnet.create(dir.resolve("net"), new Testnet.Options("rebalance-test", 1, 1, 3, 0, fast), RANDOM);
    List<NodeConfig> storage = new ArrayList<>();
    for (Path p : t.nodeDirectories()) {
      NodeConfig c = NodeConfig.read(p.resolve("node.json"));
      Node n = Node.start(c, NodeMetrics.NONE);
      open.push(n);
      nodes.add(n);
      if (c.role() == ServerRole.STORAGE) {
        storage.add(c);
      }
    }
    Digest chainId = nodes.get(0).ledger().parameters().chainId();
    // the operator's client configuration lists the storage nodes too
    ClientConfig base = ClientConfig.read(t.clientConfig());
    List<ClientConfig.NodeEndpointConfig> endpoints = new ArrayList<>(base.nodes());
    storage.forEach(s -> endpoints.add(new ClientConfig.NodeEndpointConfig(s.ledgerKey(), s.clientListen(),
        ServerRole.STORAGE)));
    Path clientFile = t.directory().resolve("client-storage.json");
    Files.writeString(clientFile, new ClientConfig(base.chain(), base.keyStore(), base.keySource(), endpoints,
        base.registrarsFrom(), base.reusedKeysFrom(), base.registrationsPerRegistrar(), base.registrationBoundFrom(),
        base.trustedBlock(), base.headerCache()).toJson(t.directory()));
    String client = clientFile.toString();

    // the testnet's operator client, and its first institution as the patient's registrar
    Identity operator = identity(t, t.directory().resolve("client-keys.json"), ParticipantKind.AUDIT_SERVER);
    Identity registrar = identity(t, t.directory().resolve("institutions").resolve("institution-1.json"),
        ParticipantKind.INSTITUTION);
    Identity anna = Identity.generate(ParticipantKind.PATIENT, "Anna", RANDOM);
    RemoteConnection desk = connection(t, operator, payloads(storage, operator, chainId));
    PatientClient.register(desk, anna, registrar);
    for (NodeConfig s : storage) {
      waitFor(() -> node(s).ledger().participant(anna.id()).isPresent());
    }
    // written while the third node was not yet in use: on the first two only
    byte[] fhir = "{\"resourceType\":\"Patient\",\"id\":\"ben\",\"name\":[{\"family\":\"Okafor\"}],\"birthDate\":\"1990-05-01\"}"
        .getBytes(StandardCharsets.UTF_8);
    PatientClient annas = PatientClient.open(connection(t, anna, payloads(storage.subList(0, 2), anna, chainId)), anna);
    MedicalRecord rec = annas.upload(fhir).record();
    MedicalRecord second = annas.upload(fhir).record();
    String gone = ParticipantId.of(storage.get(0).ledgerKey()).toHex();
    String kept = ParticipantId.of(storage.get(1).ledgerKey()).toHex();
    String fresh = ParticipantId.of(storage.get(2).ledgerKey()).toHex();
    assertEquals(Set.of(gone, kept), Set.copyOf(rec.storageNodes().stream().map(ParticipantId::toHex).toList()));
    Digest copy = rec.deidentified().orElseThrow().payloadDigest();

    // nothing departed yet: nothing to move
    Map<String, Object> idle = GovernanceCommandTest.ok(ChainCommandTest.run("storage", "rebalance", "--client", client));
    assertEquals(List.of(), idle.get("moved"));
    assertEquals(Boolean.TRUE, idle.get("complete"));

    // the first storage node leaves: its institution removes it
    desk.submit(Entry.sign(new AffiliateRemoval(ParticipantId.of(storage.get(0).ledgerKey()), registrar.id(),
        System.currentTimeMillis(), List.of()), chainId, registrar.secretSigningKey())).get(60, TimeUnit.SECONDS);
    for (Node n : nodes) {
      waitFor(() -> !n.ledger().participant(ParticipantId.of(storage.get(0).ledgerKey())).orElseThrow().active());
    }

    // a byte budget too small for either payload defers both and moves nothing
    Map<String, Object> tight = GovernanceCommandTest.ok(ChainCommandTest.run("storage", "rebalance", "--client", client,
        "--max-bytes", "1"));
    assertEquals(List.of(gone), tight.get("departed"));
    assertEquals(List.of(), tight.get("moved"));
    assertEquals(4, ((List<?>) tight.get("deferred")).size());
    assertTrue(((List<?>) tight.get("deferred")).containsAll(List.of(rec.payloadDigest().toHex(), copy.toHex())));
    assertEquals(Boolean.FALSE, tight.get("complete"));
    assertEquals(BlobState.MISSING, check(storage.get(2), operator, chainId, rec.payloadDigest()));

    // two payloads a run: the first record's, then from the cursor the second's
    Map<String, Object> done = GovernanceCommandTest.ok(ChainCommandTest.run("storage", "rebalance", "--client", client,
        "--max-payloads", "2"));
    assertEquals(Boolean.FALSE, done.get("complete"));
    Object cursor = done.get("next_cursor");
    assertTrue(cursor instanceof Long, done.toString());
    List<?> moved = (List<?>) done.get("moved");
    assertEquals(2, moved.size(), done.toString());
    for (Object o : moved) {
      Map<?, ?> m = (Map<?, ?>) o;
      assertEquals(kept, m.get("source"), "copied from the active holder");
      assertEquals(List.of(fresh), m.get("added"));
    }
    assertEquals(List.of(), done.get("short"));
    assertEquals(List.of(), done.get("lost"));
    assertEquals(List.of(), done.get("deferred"));
    assertEquals(rec.payloadSize() * 2 + rec.deidentified().orElseThrow().payloadSize() * 2, done.get("bytes"));
    assertEquals(BlobState.PRESENT, check(storage.get(2), operator, chainId, rec.payloadDigest()));
    assertEquals(BlobState.PRESENT, check(storage.get(2), operator, chainId, copy));
    assertEquals(BlobState.MISSING, check(storage.get(2), operator, chainId, second.payloadDigest()), "not yet");

    Map<String, Object> rest = GovernanceCommandTest.ok(ChainCommandTest.run("storage", "rebalance", "--client", client,
        "--max-payloads", "2", "--after", cursor.toString()));
    assertEquals(2, ((List<?>) rest.get("moved")).size(), rest.toString());
    assertEquals(null, rest.get("next_cursor"));
    assertEquals(Boolean.TRUE, rest.get("complete"));
    assertEquals(BlobState.PRESENT, check(storage.get(2), operator, chainId, second.payloadDigest()));
    assertEquals(BlobState.PRESENT, check(storage.get(2), operator, chainId,
        second.deidentified().orElseThrow().payloadDigest()));

    // run again: both payloads are on w = 2 active nodes, nothing moves
    Map<String, Object> again = GovernanceCommandTest.ok(ChainCommandTest.run("storage", "rebalance", "--client", client));
    assertEquals(List.of(), again.get("moved"));
    assertEquals(4L, again.get("examined"));
    assertEquals(Boolean.TRUE, again.get("complete"));

    // asking for more copies than active storage nodes answer is refused in one line
    GovernanceCommandTest.oneLineExit2(ChainCommandTest.run("storage", "rebalance", "--client", client, "--replicas",
        "3"), "fewer than --replicas 3");
    assertFalse(again.containsKey("error"));
  }

  @Test
  void aRecordsPageThatDoesNotMovePastTheCursorIsRefused() {
    ParticipantId patient = ParticipantId.of(io.medledger.crypto.Ed25519PrivateKey.generate(RANDOM).publicKey());
    ParticipantId departed = ParticipantId.of(io.medledger.crypto.Ed25519PrivateKey.generate(RANDOM).publicKey());
    MedicalRecord m = new MedicalRecord(patient, patient, java.util.Optional.empty(), "Observation",
        Digest.of(new byte[32]), 10, List.of(departed), io.medledger.codec.ByteString.of(new byte[] {1}), 0,
        java.util.Optional.empty(), List.of());
    // a node that answers every page with the same record at ledger index 3, and more to come
    io.medledger.client.LedgerConnection hostile = (io.medledger.client.LedgerConnection) java.lang.reflect.Proxy
        .newProxyInstance(getClass().getClassLoader(), new Class<?>[] {io.medledger.client.LedgerConnection.class},
            (self, method, args) -> switch (method.getName()) {
              case "records" -> new io.medledger.chain.Page<>(List.of(new io.medledger.chain.QueryHit<>(m, 1, 3,
                  java.util.Optional.empty())), java.util.OptionalLong.of(3), java.util.Optional.empty());
              case "participant" -> java.util.Optional.empty();
              case "isErased" -> false;
              default -> throw new UnsupportedOperationException(method.getName());
            });
    CliException e = org.junit.jupiter.api.Assertions.assertThrows(CliException.class,
        () -> StorageCommand.walk(hostile, -1, ReplicatedBlobStore.MAX_REBALANCE_PAYLOADS));
    assertTrue(e.getMessage().contains("at index 3, not after 3"), e.getMessage());
  }

  /** The identity of kind {@code kind} whose keys the testnet's key store {@code keys} seals. */
  private static Identity identity(Testnet.Layout t, Path keys, ParticipantKind kind) {
    NodeKeys k = NodeKeys.open(keys, NodeKeys.passphrase(new NodeConfig.KeySource.File(t.passphrase())));
    return Identity.of(kind, kind.label(), k.ledgerSecretKey(), k.encryptionSecretKey(), k.fragmentSigningSecretKey());
  }

  private Node node(NodeConfig c) {
    return nodes.stream().filter(n -> n.ledgerKey().equals(c.ledgerKey())).reduce((a, b) -> b).orElseThrow();
  }

  private BlobState check(NodeConfig c, Identity as, Digest chainId, Digest id) {
    try (StorageNodeClient s = StorageNodeClient.connect(c.clientListen(), c.ledgerKey(), chainId,
        TlsIdentity.of(as.secretSigningKey()))) {
      return s.check(id);
    }
  }

  private ReplicatedBlobStore payloads(List<NodeConfig> on, Identity as, Digest chainId) {
    List<StorageNode> stores = new ArrayList<>();
    for (NodeConfig c : on) {
      StorageNodeClient s = StorageNodeClient.connect(c.clientListen(), c.ledgerKey(), chainId,
          TlsIdentity.of(as.secretSigningKey()));
      open.push(s);
      stores.add(new StorageNode(s.name(), s));
    }
    return new ReplicatedBlobStore(stores, 2);
  }

  private RemoteConnection connection(Testnet.Layout t, Identity id, ReplicatedBlobStore payloads) {
    RemoteConnection c = RemoteConnection.builder(id).nodes(ClientConfig.read(t.clientConfig())).payloads(payloads)
        .timeouts(Duration.ofSeconds(20), Duration.ofSeconds(60)).build();
    open.push(c);
    return c;
  }

  private static void waitFor(BooleanSupplier c) throws InterruptedException {
    long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
    while (!c.getAsBoolean()) {
      assertTrue(System.nanoTime() < deadline, "timed out");
      Thread.sleep(20);
    }
  }
}
