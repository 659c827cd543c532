package io.medledger.node;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.medledger.anchor.AnchorCommitment;
import io.medledger.anchor.AnchorReceipt;
import io.medledger.anchor.ReceiptVerdict;
import io.medledger.chain.BlockHeader;
import io.medledger.chain.Entry;
import io.medledger.chain.MembershipChange;
import io.medledger.chain.Witness;
import io.medledger.chain.WitnessChange;
import io.medledger.crypto.Digest;
import io.medledger.crypto.Ed25519PrivateKey;
import io.medledger.crypto.Ed25519PublicKey;
import io.medledger.tlog.Checkpoint;
import io.medledger.tlog.CheckpointVerdict;
import io.medledger.tlog.CheckpointVerifier;
import io.medledger.tlog.NoteKeyBinding;
import io.medledger.tlog.NoteSignature;
import io.medledger.tlog.SignedNote;
import io.medledger.tlog.SpecWitness;
import io.medledger.tlog.TilePath;
import io.medledger.tlog.VerifiedCheckpoint;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Nodes publish the ledger log in the open: every federation server signs each checkpoint, the
 * servers exchange signatures over the peer transport, ask the witnesses the chain lists (a
 * {@link SpecWitness} over HTTP on loopback) and store their cosignatures; each node serves its
 * tiles and checkpoint over HTTP; a client requires k cosignatures from listed witnesses.
 */
class TransparencyNodeTest {
  @TempDir
  Path dir;

  private static final SecureRandom RANDOM = new SecureRandom();
  private final List<Node> nodes = new ArrayList<>();
  private final List<Ed25519PrivateKey> fedKeys = new ArrayList<>();
  private final List<com.sun.net.httpserver.HttpServer> witnessServers = new ArrayList<>();
  private final LocalNetwork network = new LocalNetwork();
  private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

  @AfterEach
  void closeAll() {
    nodes.forEach(Node::close);
    witnessServers.forEach(s -> s.stop(0));
  }

  private Node start(Path nodeDir) {
    NodeConfig c = NodeConfig.read(nodeDir.resolve("node.json"))
        .withTiles(Optional.of(new NodeConfig.TileServing(new PeerAddress("127.0.0.1", 0), "log")));
    NodeKeys k = NodeKeys.open(c.dataDirectory().resolve(NodeKeys.FILE_NAME), NodeKeys.passphrase(c.keySource()));
    if (c.role() == ServerRole.FEDERATION) {
      fedKeys.add(k.ledgerSecretKey());
    }
    Node n = Node.start(c, k, network.attach(k.ledgerKey()), true, NodeMetrics.NONE);
    nodes.add(n);
    return n;
  }

  private SpecWitness witness(String name, Ed25519PrivateKey key, Digest chain, Witness[] listed) throws Exception {
    Map<String, Ed25519PublicKey> logKeys = new HashMap<>();
    for (Node n : nodes) {
      n.noteKeyBinding().ifPresent(b -> logKeys.put(b.noteKey().name(), b.noteKey().publicKey()));
    }
    SpecWitness w = new SpecWitness(name, key, Checkpoint.originOf(chain), logKeys);
    w.clock = System.currentTimeMillis() / 1000;
    com.sun.net.httpserver.HttpServer s = w.serve(new InetSocketAddress("127.0.0.1", 0));
    witnessServers.add(s);
    listed[0] = new Witness(name, key.publicKey(), "http://127.0.0.1:" + s.getAddress().getPort() + "/");
    return w;
  }

  /** {@code n}'s cosigning round for {@code size}, once it signed that size and has no witness request out. */
  private static CheckpointService.CosigningRound settledRound(Node n, long size) throws InterruptedException {
    CheckpointService.CosigningRound[] round = new CheckpointService.CosigningRound[1];
    NodeRuntimeTest.waitFor(() -> {
      try {
        round[0] = n.checkpointService().cosigningRound(size).orElse(null);
      } catch (InterruptedException e) {
        throw new AssertionError(e);
      }
      return round[0] != null && round[0].signed() && round[0].settled();
    }, "the cosigning round of size " + size + " on " + n);
    return round[0];
  }

  private List<NoteKeyBinding> bindings() {
    return nodes.stream().flatMap(n -> n.noteKeyBinding().stream()).toList();
  }

  private byte[] get(Node n, String path) throws Exception {
    PeerAddress a = n.tilesAddress().orElseThrow();
    HttpResponse<byte[]> r = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + a.port() + "/log/" + path))
        .timeout(Duration.ofSeconds(10)).build(), HttpResponse.BodyHandlers.ofByteArray());
    assertEquals(200, r.statusCode(), path);
    return r.body();
  }

  /**
   * A latest checkpoint on disk ahead of the node's log (peers' notes written during a catch-up
   * whose blocks a crash lost before they were durable, or an altered size) does not break the
   * checkpoint and receipt requests: the node serves it without an inclusion proof it cannot make.
   */
  @Test
  void aStoredLatestCheckpointAheadOfTheLogIsServedWithoutAProof() throws Exception {
    Testnet.Layout layout = Testnet.create(dir.resolve("ahead"), NodeRuntimeTest.options(1, 1, 0), new SecureRandom());
    Node fed = NodeRuntimeTest.open(layout.nodeDirectories().get(0), network);
    Node audit = NodeRuntimeTest.open(layout.nodeDirectories().get(1), network);
    Digest entry = fed.ledger().block(0).block().entries().get(0).id();
    NodeRuntimeTest.waitFor(() -> fed.checkpointProof(Optional.of(entry)).flatMap(CheckpointProof::inclusion).isPresent(),
        "a checkpoint covering the genesis entries");
    SignedNote stored = fed.checkpointProof(Optional.empty()).orElseThrow().note();
    Path file = fed.config().dataDirectory().resolve(Node.LOG_DIR).resolve(io.medledger.tlog.CheckpointStore.LATEST);
    fed.close();
    audit.close();
    Checkpoint c = Checkpoint.parse(stored.text());
    java.nio.file.Files.write(file,
        new SignedNote(new Checkpoint(c.origin(), c.size() + 5, c.root()).text(), stored.signatures()).toBytes());
    Node again = start(layout.nodeDirectories().get(0));
    CheckpointProof p = again.checkpointProof(Optional.of(entry)).orElseThrow();
    assertEquals(c.size() + 5, Checkpoint.parse(p.note().text()).size());
    assertTrue(p.inclusion().isEmpty(), "no proof in a tree the log has not reached");
    // the tile of the checkpoint's size is not one of the log's: not found, rather than a server error
    PeerAddress a = again.tilesAddress().orElseThrow();
    HttpResponse<byte[]> r = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + a.port() + "/log/"
        + TilePath.hashes(0, 0, (int) (c.size() + 5)))).timeout(Duration.ofSeconds(10)).build(),
        HttpResponse.BodyHandlers.ofByteArray());
    assertEquals(404, r.statusCode());
  }

  @Test
  void checkpointsAreSignedByEveryFederationServerCosignedByListedWitnessesAndServed() throws Exception {
    Testnet.Layout t = Testnet.create(dir.resolve("net"), NodeRuntimeTest.options(2, 1, 0), RANDOM);
    for (Path p : t.nodeDirectories()) {
      start(p);
    }
    Node fed = nodes.get(0);
    Node audit = nodes.stream().filter(n -> n.role() == ServerRole.AUDIT).findFirst().orElseThrow();
    Digest chain = fed.ledger().parameters().chainId();
    Ed25519PrivateKey registrar = NodeRuntimeTest.registrar(t);
    Witness[] listed = new Witness[1];
    Witness[] unlisted = new Witness[1];
    witness("witness.example/listed", Ed25519PrivateKey.generate(RANDOM), chain, listed);
    witness("witness.example/unlisted", Ed25519PrivateKey.generate(RANDOM), chain, unlisted);

    // governance lists one witness, with the signatures of both federation servers
    WitnessChange add = Entry.sign(new WitnessChange(MembershipChange.Operation.ADD, listed[0],
        System.currentTimeMillis(), List.of()), chain, fedKeys.toArray(Ed25519PrivateKey[]::new));
    fed.submit(add).get(30, TimeUnit.SECONDS);
    List<CompletableFuture<Finality>> fs = new ArrayList<>();
    for (int i = 0; i < 20; i++) {
      fs.add(nodes.get(i % nodes.size()).submit(NodeRuntimeTest.patient(chain, registrar)));
    }
    CompletableFuture.allOf(fs.toArray(new CompletableFuture[0])).get(30, TimeUnit.SECONDS);
    // witnesses cosign the latest checkpoint (requests are coalesced), so wait for the last block everywhere
    long last = fs.stream().mapToLong(x -> x.join().height()).max().orElseThrow();
    NodeRuntimeTest.waitFor(() -> nodes.stream().allMatch(n -> n.ledger().height() >= last), "every node at the height");
    long size = fed.ledger().tip().orElseThrow().ledgerSize();
    long height = fed.ledger().height();
    assertEquals(List.of(listed[0]), fed.ledger().witnessesAt(height));

    // a client that trusts the membership and the chain's witness list, requiring both servers and one cosignature
    CheckpointVerifier policy = CheckpointVerifier.forFederation(chain, fed.ledger().membership().federationKeys(),
        bindings(), 2).requireListedWitnesses(fed.ledger().witnessesAt(height), 1);
    long now = System.currentTimeMillis() / 1000;
    NodeCluster.await(() -> fed.checkpoints().at(size).map(n -> policy.verify(n, now).isVerified()).orElse(false),
        60_000, () -> "a checkpoint of size " + size + " signed by both servers and cosigned by the listed witness; have "
            + fed.checkpoints().at(size).map(n -> policy.verify(n, now).toString()).orElse("none") + ", latest "
            + fed.checkpoints().latest().map(SignedNote::text).orElse("none"));
    SignedNote stored = fed.checkpoints().at(size).orElseThrow();
    CheckpointService.CosigningRound asked = settledRound(fed, size);
    assertEquals(List.of(listed[0].name()), asked.listed());
    assertTrue(asked.asked().contains(listed[0].name()), asked.toString());
    VerifiedCheckpoint vc = policy.verify(stored, now).checkpoint().orElseThrow();
    assertEquals(2, vc.signers().size());
    assertEquals(1, vc.cosignatures().size());
    assertEquals(listed[0].name(), vc.cosignatures().get(0).witness().name());
    assertEquals(fed.ledger().tip().orElseThrow().ledgerRoot(), vc.checkpoint().root());
    // the unlisted witness was never asked, and nobody stored a line from it
    assertTrue(stored.signatures().stream().noneMatch(s -> s.keyName().equals(unlisted[0].name())));
    assertFalse(asked.asked().contains(unlisted[0].name()), asked.toString());
    // a client cannot require more cosignatures than the chain lists witnesses
    assertThrows(IllegalArgumentException.class, () -> CheckpointVerifier.forFederation(chain,
        fed.ledger().membership().federationKeys(), bindings(), 1).requireListedWitnesses(List.of(listed[0]), 2));
    // nor count a witness the chain does not list
    CheckpointVerifier unlistedPolicy = CheckpointVerifier.forFederation(chain,
        fed.ledger().membership().federationKeys(), bindings(), 1).requireListedWitnesses(List.of(unlisted[0]), 1);
    assertEquals(CheckpointVerdict.Reason.TOO_FEW_COSIGNATURES, unlistedPolicy.verify(stored, now).reason());

    // a flipped byte in the cosignature refuses the whole note
    List<NoteSignature> tampered = new ArrayList<>();
    for (NoteSignature s : stored.signatures()) {
      byte[] sig = s.signature();
      if (s.keyName().equals(listed[0].name())) {
        sig[sig.length - 1] ^= 1;
      }
      tampered.add(new NoteSignature(s.keyName(), s.keyId(), sig));
    }
    assertEquals(CheckpointVerdict.Reason.BAD_COSIGNATURE,
        policy.verify(new SignedNote(stored.text(), tampered), now).reason());

    // the audit server keeps the servers' checkpoints too (after checking them against its own log)
    NodeRuntimeTest.waitFor(() -> audit.checkpoints().at(size).map(n -> policy.verify(n, now).isVerified())
        .orElse(false), "the audit node's copy of the cosigned checkpoint");

    // every node serves its checkpoint and tiles over HTTP
    NodeRuntimeTest.waitFor(() -> {
      try {
        return policy.verify(SignedNote.parse(get(audit, "checkpoint")), now).isVerified()
            && Checkpoint.parse(SignedNote.parse(get(audit, "checkpoint")).text()).size() == size;
      } catch (Exception e) {
        throw new AssertionError(e);
      }
    }, "the served checkpoint");
    byte[] tile = get(fed, TilePath.inTree(0, 0, size).toString());
    assertEquals(Math.min(size, 256) * 32, tile.length);
    java.io.ByteArrayOutputStream leaves = new java.io.ByteArrayOutputStream();
    for (long h = 0; h <= fed.ledger().height() && leaves.size() < tile.length; h++) {
      for (Entry e : fed.ledger().block(h).block().entries()) {
        leaves.writeBytes(e.leafHash().toByteArray());
      }
    }
    assertArrayEquals(java.util.Arrays.copyOf(leaves.toByteArray(), tile.length), tile, "level-0 tile = leaf hashes");
    assertFalse(fed.checkpoints().verifierKeys().isEmpty(), "the node records the keys for log export");

    // a client asks a node for the checkpoint and an entry's proof, and trusts the proof only under its policy
    Finality f = fs.get(3).join();
    Entry entry = fed.ledger().block(f.height()).block().entries().stream().filter(e -> e.id().equals(f.entryId()))
        .findFirst().orElseThrow();
    try (NodeClient client = new NodeClient(new ClientChannel() {
      @Override
      public CompletableFuture<byte[]> request(byte[] request) {
        return audit.handleRequest(fedKeys.get(0).publicKey(), request);
      }

      @Override
      public boolean isOpen() {
        return true;
      }

      @Override
      public void close() {}
    })) {
      CheckpointProof p = client.checkpoint(Optional.of(entry.id())).get(10, TimeUnit.SECONDS);
      CheckpointVerifier k1 = CheckpointVerifier.forFederation(chain, fed.ledger().membership().federationKeys(),
          p.bindings(), 2).requireListedWitnesses(fed.ledger().witnessesAt(height), 1);
      CheckpointVerdict v = k1.verify(p.note(), now);
      assertTrue(v.isVerified(), v.toString());
      assertTrue(v.checkpoint().orElseThrow().includes(entry.leafHash(), p.inclusion().orElseThrow()));
      assertFalse(v.checkpoint().orElseThrow().includes(NodeRuntimeTest.patient(chain, registrar).leafHash(),
          p.inclusion().orElseThrow()));
      // the node puts the cosigned checkpoint into a receipt for the entry, next to the anchor's commitment
      BlockHeader at = fed.ledger().header(f.height());
      AnchorReceipt plain = AnchorReceipt.pending(entry.encode(),
          fed.ledger().ledgerInclusionProof(entry.id(), f.height()).orElseThrow().proof(),
          new AnchorCommitment(chain, at.height(), at.ledgerSize(), at.ledgerRoot()));
      AnchorReceipt withCp = audit.withCheckpoint(plain);
      ReceiptVerdict rv = withCp.verifyCheckpoint(k1, now);
      assertTrue(rv.holds(), rv.toString());
      assertEquals(new ReceiptVerdict.Cosigned(size, 1), rv);
      assertInstanceOf(ReceiptVerdict.Invalid.class, plain.verifyCheckpoint(k1, now));
      AnchorReceipt other = AnchorReceipt.pending(NodeRuntimeTest.patient(chain, registrar).encode(), plain.logProof(),
          plain.commitment());
      assertThrows(IllegalArgumentException.class, () -> audit.withCheckpoint(other));
      // bindings that the membership does not vouch for give no trusted log keys
      assertThrows(IllegalArgumentException.class, () -> CheckpointVerifier.forFederation(chain,
          List.of(Ed25519PrivateKey.generate(RANDOM).publicKey()), p.bindings(), 1));
    }

    // once governance delists the witness, later checkpoints are not sent to it and carry no cosignature
    WitnessChange remove = Entry.sign(new WitnessChange(MembershipChange.Operation.REMOVE, listed[0],
        System.currentTimeMillis(), List.of()), chain, fedKeys.toArray(Ed25519PrivateKey[]::new));
    fed.submit(remove).get(30, TimeUnit.SECONDS);
    fed.submit(NodeRuntimeTest.patient(chain, registrar)).get(30, TimeUnit.SECONDS);
    long later = fed.ledger().tip().orElseThrow().ledgerSize();
    assertEquals(List.of(), fed.ledger().witnesses());
    CheckpointVerifier serversOnly = CheckpointVerifier.forFederation(chain, fed.ledger().membership().federationKeys(),
        bindings(), 2);
    NodeRuntimeTest.waitFor(() -> fed.checkpoints().at(later).map(n -> serversOnly.verify(n, now).isVerified())
        .orElse(false), "the later checkpoint signed by both servers");
    // each server's round for that size is over (signed, no witness request out): the delisted witness was not asked
    for (Node n : nodes.stream().filter(x -> x.role() == ServerRole.FEDERATION).toList()) {
      CheckpointService.CosigningRound round = settledRound(n, later);
      assertEquals(List.of(), round.listed(), n.toString());
      assertFalse(round.asked().contains(listed[0].name()), "a delisted witness asked by " + n + ": " + round);
    }
    assertTrue(fed.checkpoints().at(later).orElseThrow().signatures().stream()
        .noneMatch(x -> x.keyName().equals(listed[0].name())), "no cosignature from a delisted witness");

    // a stopped node's data directory exports as a static tlog-tiles tree that verifies offline
    Path data = fed.config().dataDirectory();
    nodes.forEach(Node::close);
    Path out = dir.resolve("export");
    try (io.medledger.storage.FileBlockStore blocks = io.medledger.storage.FileBlockStore.open(data.resolve("blocks"));
        io.medledger.tlog.TileLog tl = io.medledger.tlog.TileLog.open(data.resolve("log"))) {
      long exported = io.medledger.tlog.LogExport.export(blocks, tl, io.medledger.tlog.CheckpointStore.open(
          data.resolve("log")), out);
      assertTrue(exported >= size);
      io.medledger.tlog.LogExport.Verdict ev = io.medledger.tlog.LogExport.verify(out, System.currentTimeMillis() / 1000);
      assertTrue(ev.verified(), ev.toString());
      List<io.medledger.tlog.NoteKey> vkeys = io.medledger.tlog.CheckpointStore.parseVerifierKeys(
          java.nio.file.Files.readAllBytes(out.resolve("checkpoint.vkeys")));
      assertTrue(vkeys.stream().noneMatch(k -> k.name().equals(listed[0].name())), "a delisted witness did not cosign");
      assertEquals(2, vkeys.stream().filter(k -> k.type() == io.medledger.tlog.NoteKey.ED25519).count());
    }
  }
}
