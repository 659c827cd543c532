package io.medledger.node;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
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
import io.medledger.crypto.Sha256;
import io.medledger.internal.node.ClientWire;
import io.medledger.internal.node.StorageWire;
import io.medledger.storage.BlobState;
import io.medledger.storage.BlobUnavailableException;
import io.medledger.storage.InsufficientReplicasException;
import io.medledger.storage.ReplicatedBlobStore;
import io.medledger.storage.StorageNode;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Random;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

/**
 * The storage service of storage-role nodes over mutually authenticated TLS on loopback: one
 * federation server, one audit server and three storage nodes in this JVM, a patient registered on
 * the ledger, and a {@link ReplicatedBlobStore} (w = 2) over {@link StorageNodeClient}s.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class StorageServiceTest {
  private static final SecureRandom RANDOM = new SecureRandom();
  /** Small chunks, so that every payload here crosses several. */
  private static final int CHUNK = 64 << 10;

  @TempDir
  static Path dir;

  private final List<Node> nodes = new ArrayList<>();
  private final List<ClientChannel> channels = new ArrayList<>();
  private Ed25519PrivateKey patient;
  private Digest chainId;
  private final Random rnd = new Random(11);

  @BeforeAll
  void startNodes() throws Exception {
    Testnet.Layout t = Testnet.create(dir.resolve("net"), NodeRuntimeTest.options(1, 1, 3), RANDOM);
    for (Path p : t.nodeDirectories()) {
      nodes.add(Node.start(NodeConfig.read(p.resolve("node.json")), NodeMetrics.NONE));
    }
    chainId = nodes.get(0).ledger().parameters().chainId();
    patient = Ed25519PrivateKey.generate(RANDOM);
    Finality f = nodes.get(0).submit(Entry.sign(new PatientRegistration(patient.publicKey(),
        System.currentTimeMillis(), List.of()), chainId, patient, NodeRuntimeTest.registrar(t))).get(30, TimeUnit.SECONDS);
    NodeRuntimeTest.waitFor(() -> storage().stream().allMatch(n -> n.ledger().height() >= f.height()),
        "the storage nodes to follow the registration");
  }

  @AfterAll
  void stopNodes() {
    channels.forEach(ClientChannel::close);
    nodes.forEach(Node::close);
  }

  private List<Node> storage() {
    return nodes.subList(2, 5);
  }

  private static String name(Node n) {
    return ParticipantId.of(n.ledgerKey()).toHex();
  }

  private ClientChannel channel(Node n, Ed25519PrivateKey as) {
    ClientChannel c = ClientChannel.connect(n.clientAddress().orElseThrow(), n.ledgerKey(), TlsIdentity.of(as),
        NodeCluster.LIMITS);
    channels.add(c);
    return c;
  }

  private StorageNodeClient client(Node n, Ed25519PrivateKey as) {
    return new StorageNodeClient(name(n), n.ledgerKey(), chainId, channel(n, as), CHUNK, Duration.ofSeconds(20), Duration.ofSeconds(10));
  }

  private ReplicatedBlobStore replicas() {
    List<StorageNode> sn = new ArrayList<>();
    for (Node n : storage()) {
      sn.add(new StorageNode(name(n), client(n, patient)));
    }
    return new ReplicatedBlobStore(sn, 2, dir);
  }

  private byte[] payload(int n) {
    byte[] b = new byte[n];
    rnd.nextBytes(b);
    return b;
  }

  private Path fileOf(Node n, Digest id) {
    return n.config().dataDirectory().resolve(StorageService.BLOBS).resolve(id.toHex().substring(0, 2))
        .resolve(id.toHex());
  }

  @Test
  void putGetAndCheckStreamInChunksAndStoreOwnerOnly() throws Exception {
    ReplicatedBlobStore r = replicas();
    byte[] data = payload(5 * CHUNK + 123);
    ReplicatedBlobStore.Placement p = r.putReplicated(new ByteArrayInputStream(data));
    assertEquals(Sha256.hash(data), p.id());
    assertEquals(data.length, p.size());
    assertEquals(storage().stream().map(StorageServiceTest::name).toList(), p.nodeIds());
    for (Node n : storage()) {
      io.medledger.storage.StorageReceipt receipt = p.receipts().get(name(n));
      assertTrue(receipt.verify(n.ledgerKey(), chainId), "a receipt signed with the ledger key of " + n);
      assertEquals(new io.medledger.storage.StorageStatement.Held(chainId, p.id(), data.length,
          receipt.statement().time()), receipt.statement());
      Path f = fileOf(n, p.id());
      assertArrayEquals(data, Files.readAllBytes(f), "durable on " + n);
      assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(f)));
      assertEquals("rwx------", PosixFilePermissions.toString(Files.getPosixFilePermissions(f.getParent())));
      assertEquals(BlobState.PRESENT, client(n, patient).check(p.id()));
    }
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    ReplicatedBlobStore.ReadReport rep = r.readTo(p.id(), List.of(), out);
    assertArrayEquals(data, out.toByteArray());
    assertTrue(rep.problems().isEmpty(), rep.toString());
    assertArrayEquals(data, r.open(p.id(), List.of(name(storage().get(2)))).readAllBytes());
    assertTrue(r.get(Sha256.hash(payload(10))).isEmpty(), "an unknown id is missing everywhere");
    NodeRuntimeTest.waitFor(() -> storage().stream().allMatch(n -> n.storageService().orElseThrow().openSessions() == 0),
        "every session to end");
  }

  @Test
  void aCorruptedCopyIsReportedByNameNeverReturnedAndRepaired() throws Exception {
    ReplicatedBlobStore r = replicas();
    byte[] data = payload(3 * CHUNK);
    Digest id = r.putReplicated(data).id();
    Node bad = storage().get(0);
    Path f = fileOf(bad, id);
    byte[] onDisk = Files.readAllBytes(f);
    onDisk[CHUNK + 7] ^= 0x20;
    Files.write(f, onDisk);
    assertEquals(BlobState.CORRUPT, client(bad, patient).check(id));
    assertThrows(io.medledger.storage.BlobCorruptedException.class,
        () -> client(bad, patient).read(id, OutputStream.nullOutputStream()), "the node refuses its corrupted copy");
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    ReplicatedBlobStore.ReadReport rep = r.readTo(id, List.of(name(bad)), out);
    assertArrayEquals(data, out.toByteArray());
    assertEquals(List.of(name(bad)), rep.corrupt(), "the corrupted copy is reported by node name");
    assertEquals(List.of(name(bad)), rep.repaired());
    assertEquals(name(storage().get(1)), rep.servedBy());
    assertArrayEquals(data, Files.readAllBytes(f), "read repair rewrote the copy");
    // the sweep finds a copy deleted behind the service's back and restores it
    Files.delete(fileOf(storage().get(2), id));
    ReplicatedBlobStore.SweepReport sweep = r.sweep(List.of(id));
    assertEquals(1, sweep.repairedCopies());
    assertEquals(List.of(name(storage().get(2))), sweep.repairs().get(0).repaired());
    assertEquals(BlobState.PRESENT, client(storage().get(2), patient).check(id));
  }

  @Test
  void writesAndReadsSucceedWithOneStorageNodeDown() throws Exception {
    Testnet.Layout t = Testnet.create(dir.resolve("down"), NodeRuntimeTest.options(1, 1, 3), RANDOM);
    // a separate testnet, so that stopping a node does not disturb the other tests
    List<Node> own = new ArrayList<>();
    try {
      for (Path p : t.nodeDirectories()) {
        own.add(Node.start(NodeConfig.read(p.resolve("node.json")), NodeMetrics.NONE));
      }
      Ed25519PrivateKey operator = NodeKeys.open(t.directory().resolve("client-keys.json"),
          Files.readString(t.passphrase()).strip().toCharArray()).ledgerSecretKey();
      List<StorageNode> sn = new ArrayList<>();
      for (Node n : own.subList(2, 5)) {
        sn.add(new StorageNode(name(n), client(n, operator)));
      }
      ReplicatedBlobStore r = new ReplicatedBlobStore(sn, 2, dir);
      byte[] before = payload(2 * CHUNK + 1);
      Digest old = r.putReplicated(before).id();
      own.get(4).close();
      byte[] data = payload(2 * CHUNK + 5);
      ReplicatedBlobStore.Placement p = r.putReplicated(new ByteArrayInputStream(data));
      assertEquals(List.of(name(own.get(2)), name(own.get(3))), p.nodeIds());
      ReplicatedBlobStore.ReadReport rep = r.readTo(old, List.of(name(own.get(4))), new ByteArrayOutputStream());
      assertTrue(rep.problems().get(name(own.get(4))).startsWith("unreachable"), rep.toString());
      assertArrayEquals(data, r.read(p.id(), List.of(name(own.get(4)))));
      own.get(3).close();
      assertThrows(InsufficientReplicasException.class, () -> r.putReplicated(payload(100)),
          "one node of three is below the write quorum");
    } finally {
      own.forEach(Node::close);
    }
  }

  @Test
  void erasureReachesEveryCopyOnlyOnceFinalOnTheLedger() throws Exception {
    ReplicatedBlobStore r = replicas();
    byte[] data = payload(CHUNK + 9);
    ReplicatedBlobStore.Placement p = r.putReplicated(data);
    ParticipantId pid = ParticipantId.of(patient.publicKey());
    MedicalRecord rec = Entry.sign(new MedicalRecord(pid, pid, Optional.empty(), "Observation", p.id(), p.size(),
        p.nodeIds().stream().map(ParticipantId::fromHex).toList(), ByteString.of(new byte[] {1}),
        System.currentTimeMillis(), Optional.empty(), List.of()), chainId, patient);
    nodes.get(0).submit(rec).get(30, TimeUnit.SECONDS);
    // the record is on the ledger, its erasure is not: every node refuses to delete
    StorageNodeClient impatient = new StorageNodeClient(name(storage().get(0)), storage().get(0).ledgerKey(), chainId,
        channel(storage().get(0), patient),
        CHUNK, Duration.ofSeconds(20), Duration.ofMillis(300));
    BlobUnavailableException refused = assertThrows(BlobUnavailableException.class,
        () -> impatient.deleteErased(p.id(), rec.id()));
    assertTrue(refused.getMessage().contains("not_erased"), refused.getMessage());
    assertThrows(BlobUnavailableException.class, () -> impatient.delete(p.id()));
    assertEquals(BlobState.PRESENT, impatient.check(p.id()));
    RecordErasure erasure = Entry.sign(new RecordErasure(pid, rec.id(), pid, System.currentTimeMillis(), List.of()),
        chainId, patient);
    nodes.get(0).submit(erasure).get(30, TimeUnit.SECONDS);
    // a payload id that is not the record's is still refused
    assertThrows(BlobUnavailableException.class, () -> impatient.deleteErased(Sha256.hash(data, 0, 1), rec.id()));
    ReplicatedBlobStore.DeletionReport e = r.erase(p.id(), rec.id());
    assertEquals(p.nodeIds(), e.deleted(), "every copy deleted, each node named");
    assertTrue(e.complete());
    for (Node n : storage()) {
      io.medledger.storage.StorageReceipt receipt = e.receipts().get(name(n));
      assertTrue(receipt.verify(n.ledgerKey(), chainId), "a deletion receipt signed with the ledger key of " + n);
      assertEquals(new io.medledger.storage.StorageStatement.Deleted(chainId, p.id(), rec.id(), true,
          receipt.statement().time()), receipt.statement());
    }
    for (Node n : storage()) {
      assertFalse(Files.exists(fileOf(n, p.id())), "no copy left on " + n);
    }
    ReplicatedBlobStore.DeletionReport again = r.erase(p.id(), rec.id());
    assertEquals(List.of(), again.deleted(), "repeating finds nothing left");
    assertTrue(again.receipts().values().stream().noneMatch(x -> ((io.medledger.storage.StorageStatement.Deleted)
        x.statement()).hadCopy()), "each node states it held no copy");
    assertEquals(3, again.receipts().size());
    assertThrows(InsufficientReplicasException.class, () -> r.read(p.id(), List.of()));
  }

  @Test
  void oversizedGarbageAndUnauthorizedRequestsAreRefusedWithinQuotas() throws Exception {
    Node n = storage().get(1);
    ClientChannel c = channel(n, patient);
    // larger than the largest blob
    assertRefused(StorageWire.Refusal.QUOTA, c.request(StorageWire.longs(StorageWire.PUT_OPEN, 1L << 40)));
    // a chunk beyond the declared length drops the upload
    long s = open(c, 10);
    assertRefused(StorageWire.Refusal.BAD_SESSION, c.request(StorageWire.putChunk(s, 0, new byte[11], 0, 11)));
    assertRefused(StorageWire.Refusal.BAD_SESSION, c.request(StorageWire.putChunk(s, 0, new byte[1], 0, 1)));
    // bytes that do not hash to the id claimed are not stored
    long s2 = open(c, 3);
    assertEquals(ClientWire.OK, c.request(StorageWire.putChunk(s2, 0, new byte[] {1, 2, 3}, 0, 3)).get()[0]);
    Digest claimed = Sha256.hash(new byte[] {1, 2, 4});
    assertRefused(StorageWire.Refusal.CORRUPT, c.request(StorageWire.putCommit(s2, claimed)));
    assertEquals(BlobState.MISSING, client(n, patient).check(claimed));
    // at most four sessions per client
    List<Long> open = new ArrayList<>();
    for (int i = 0; i < 4; i++) {
      open.add(open(c, 100));
    }
    assertRefused(StorageWire.Refusal.QUOTA, c.request(StorageWire.longs(StorageWire.PUT_OPEN, 100)));
    // another client's session is not this client's
    ClientChannel other = channel(n, NodeKeys.open(n.config().dataDirectory().resolve(NodeKeys.FILE_NAME),
        NodeKeys.passphrase(n.config().keySource())).ledgerSecretKey());
    assertRefused(StorageWire.Refusal.NOT_ALLOWED, other.request(StorageWire.longs(StorageWire.PUT_OPEN, 1)));
    assertRefused(StorageWire.Refusal.NOT_ALLOWED, other.request(StorageWire.ids(StorageWire.GET_OPEN, claimed)));
    for (long id : open) {
      c.request(StorageWire.longs(StorageWire.PUT_ABORT, id)).get();
    }
    assertEquals(0, n.storageService().orElseThrow().openSessions());
    // garbage of every storage type (a body of a length no request has) fails the request, and the
    // node keeps serving
    for (int type = StorageWire.FIRST; type <= StorageWire.LAST; type++) {
      byte[] g = new byte[4];
      rnd.nextBytes(g);
      g[0] = (byte) type;
      byte t = (byte) type;
      ExecutionException x = assertThrows(ExecutionException.class, () -> c.request(g).get(10, TimeUnit.SECONDS),
          "garbage of type " + t);
      assertTrue(x.getCause() instanceof TransportException, x.toString());
    }
    byte[] data = payload(1000);
    assertEquals(Sha256.hash(data), client(n, patient).put(data));
    assertEquals(0, n.storageService().orElseThrow().openSessions());
    // a federation server serves no blobs
    assertRefused(StorageWire.Refusal.NOT_ALLOWED, channel(nodes.get(0), patient)
        .request(StorageWire.ids(StorageWire.CHECK, claimed)));
  }

  private static long open(ClientChannel c, long length) throws Exception {
    byte[] r = c.request(StorageWire.longs(StorageWire.PUT_OPEN, length)).get(10, TimeUnit.SECONDS);
    assertEquals(ClientWire.OK, r[0], () -> "refused: " + new String(r, 2, r.length - 2));
    return java.nio.ByteBuffer.wrap(r, 1, 8).getLong();
  }

  private static void assertRefused(StorageWire.Refusal why, java.util.concurrent.CompletableFuture<byte[]> f)
      throws Exception {
    byte[] r = f.get(10, TimeUnit.SECONDS);
    assertEquals(ClientWire.REFUSED, r[0]);
    assertEquals(why, StorageWire.Refusal.of(r[1]), () -> new String(r, 2, r.length - 2));
  }
}
