package io.medledger.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.medledger.access.ParticipantId;
import io.medledger.chain.Entry;
import io.medledger.chain.Evidence;
import io.medledger.chain.PatientRegistration;
import io.medledger.consensus.ConsensusMessage;
import io.medledger.consensus.Statement;
import io.medledger.consensus.StatementKind;
import io.medledger.crypto.Digest;
import io.medledger.crypto.Ed25519PrivateKey;
import io.medledger.crypto.Sha256;
import io.medledger.internal.Json;
import io.medledger.node.Node;
import io.medledger.node.NodeConfig;
import io.medledger.node.NodeKeys;
import io.medledger.node.NodeMetrics;
import io.medledger.node.ServerRole;
import io.medledger.node.Testnet;
import io.medledger.crypto.Ed25519PublicKey;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code governance propose}, {@code endorse} and {@code submit} against a testnet of node
 * processes' runtimes in this JVM (two federation servers and one audit server on loopback TLS):
 * a server is removed by a quorum of endorsements gathered one node directory at a time, and the
 * ledger's refusal of too few endorsements reaches the operator as exit 2 with the rule's reason;
 * then the server is added back, and an institution registered and removed, the same way. A server
 * suspended by evidence its equivocation left on the ledger is reinstated, and a federation
 * server's key is rotated as {@code deployment.md} tells operators to.
 */
class GovernanceCommandTest {
  @TempDir
  Path dir;

  private final List<Node> nodes = new ArrayList<>();

  @AfterEach
  void closeAll() {
    nodes.forEach(Node::close);
  }

  static void oneLineExit2(ChainCommandTest.Run r, String contains) {
    assertEquals(2, r.code(), r.out() + r.err());
    assertEquals(1, r.err().strip().lines().count(), "one line: " + r.err());
    assertTrue(r.err().contains(contains), r.err());
  }

  static Map<String, Object> ok(ChainCommandTest.Run r) {
    assertEquals(0, r.code(), r.err());
    return Json.asObject(Json.parse(r.out()), "output");
  }

  @Test
  @Timeout(240)
  void aQuorumOfEndorsementsFromSeparateNodeDirectoriesRemovesAServer() throws Exception {
    Testnet.Layout t = startTestnet("governance-test");
    String client = t.clientConfig().toString();
    Path node1 = t.nodeDirectories().get(0);
    Path node2 = t.nodeDirectories().get(1);
    Path audit = t.nodeDirectories().get(2);
    Ed25519PublicKey gone = NodeConfig.read(node2.resolve("node.json")).ledgerKey();

    Path p0 = dir.resolve("remove.json");
    Map<String, Object> proposed = ok(ChainCommandTest.run("governance", "propose", "--client", client, "--out",
        p0.toString(), "remove-server", "--role", "federation", "--key", gone.toHex()));
    assertEquals("membership_change", proposed.get("kind"));
    assertEquals(0L, proposed.get("endorsements"));
    assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(p0)));

    oneLineExit2(ChainCommandTest.run("governance", "submit", "--client", client, "--in", p0.toString()),
        "carries no endorsement");

    Path p1 = dir.resolve("remove-1.json");
    Map<String, Object> one = ok(ChainCommandTest.run("governance", "endorse", "--dir", node1.toString(), "--in",
        p0.toString(), "--out", p1.toString()));
    assertEquals(proposed.get("id"), one.get("id"), "endorsing never changes the entry id");
    assertEquals(1L, one.get("endorsements"));
    // the ledger refuses an entry without its quorum, and the reason reaches the operator
    oneLineExit2(ChainCommandTest.run("governance", "submit", "--client", client, "--in", p1.toString()),
        "needs 2 federation server signatures, has 1");
    // an audit server's operator cannot add an endorsement
    oneLineExit2(ChainCommandTest.run("governance", "endorse", "--dir", audit.toString(), "--in", p1.toString(),
        "--out", dir.resolve("by-audit.json").toString()), "not a federation server");

    Path p2 = dir.resolve("remove-2.json");
    assertEquals(2L, ok(ChainCommandTest.run("governance", "endorse", "--dir", node2.toString(), "--in", p1.toString(),
        "--out", p2.toString())).get("endorsements"));
    Map<String, Object> done = ok(ChainCommandTest.run("governance", "submit", "--client", client, "--in", p2.toString()));
    assertEquals(proposed.get("id"), done.get("id"));
    long h = (Long) done.get("height");
    assertTrue(h >= 1);

    Node staying = nodes.get(0);
    waitFor(() -> staying.ledger().height() >= h);
    assertFalse(staying.ledger().membership().federationKeys().contains(gone), "the server is removed on the ledger");
    assertEquals(1, staying.ledger().membership().federationKeys().size());

    // the client now sees it removed, and refuses to propose its removal again
    oneLineExit2(ChainCommandTest.run("governance", "propose", "--client", client, "--out",
        dir.resolve("again.json").toString(), "remove-server", "--role", "federation", "--key", gone.toHex()),
        "is not an active federation_server");

    // and adds it back: the quorum is now the one server left, and the member signs its own addition
    Path institutions = t.directory().resolve("institutions");
    Ed25519PublicKey operator = NodeKeys.readPublicKey(institutions.resolve("institution-2.json"));
    Ed25519PublicKey classB = NodeKeys.readPublicKey(institutions.resolve("institution-3.json")); // the audit server's
    oneLineExit2(ChainCommandTest.run("governance", "propose", "--client", client, "--out",
        dir.resolve("add-b.json").toString(), "add-server", "--role", "federation", "--key", gone.toHex(),
        "--operator-key", classB.toHex()), "an institution of class B may not operate a federation_server");
    Path a0 = dir.resolve("add.json");
    ok(ChainCommandTest.run("governance", "propose", "--client", client, "--out", a0.toString(), "add-server", "--role",
        "federation", "--key", gone.toHex(), "--operator-key", operator.toHex()));
    Path a1 = dir.resolve("add-1.json");
    ok(ChainCommandTest.run("governance", "endorse", "--dir", node1.toString(), "--in", a0.toString(), "--out",
        a1.toString()));
    Path a2 = dir.resolve("add-2.json");
    ok(ChainCommandTest.run("governance", "endorse", "--dir", node2.toString(), "--in", a1.toString(), "--out",
        a2.toString()));
    long h2 = (Long) ok(ChainCommandTest.run("governance", "submit", "--client", client, "--in", a2.toString()))
        .get("height");
    waitFor(() -> staying.ledger().height() >= h2);
    assertTrue(staying.ledger().membership().federationKeys().contains(gone), "the server is back");

    // an institution registers (signing its own registration at propose) and is removed, each by both servers
    Path newKeys = dir.resolve("new-institution.json");
    NodeKeys.generate(new SecureRandom()).save(newKeys,
        NodeKeys.passphrase(new NodeConfig.KeySource.File(t.passphrase())), new SecureRandom());
    Ed25519PublicKey newInstitution = NodeKeys.readPublicKey(newKeys);
    Map<String, Object> reg = ok(ChainCommandTest.run("governance", "propose", "--client", client, "--out",
        dir.resolve("reg.json").toString(), "register-institution", "--keys", newKeys.toString(), "--name",
        "Clinic Nord", "--class", "C"));
    assertEquals(1L, reg.get("endorsements"), "the institution's own signature");
    long h3 = quorum(client, node1, node2, dir.resolve("reg.json"), "reg");
    waitFor(() -> staying.ledger().height() >= h3);
    assertTrue(staying.ledger().participant(ParticipantId.of(newInstitution)).orElseThrow().active());
    oneLineExit2(ChainCommandTest.run("governance", "propose", "--client", client, "--out",
        dir.resolve("reg-again.json").toString(), "register-institution", "--keys", newKeys.toString(), "--name",
        "Clinic Nord", "--class", "C"), "is already registered");
    // an institution that operates a server is not removed before its server
    oneLineExit2(ChainCommandTest.run("governance", "propose", "--client", client, "--out",
        dir.resolve("rm-op.json").toString(), "remove-institution", "--key", operator.toHex()), "remove its servers first");
    ok(ChainCommandTest.run("governance", "propose", "--client", client, "--out", dir.resolve("rmi.json").toString(),
        "remove-institution", "--key", newInstitution.toHex()));
    long h4 = quorum(client, node1, node2, dir.resolve("rmi.json"), "rmi");
    waitFor(() -> staying.ledger().height() >= h4);
    assertFalse(staying.ledger().participant(ParticipantId.of(newInstitution)).orElseThrow().active());

    // a transparency-log witness is listed the same way
    String witnessKey = io.medledger.crypto.Ed25519PrivateKey.generate(new SecureRandom()).publicKey().toHex();
    ok(ChainCommandTest.run("governance", "propose", "--client", client, "--out", dir.resolve("w.json").toString(),
        "add-witness", "--name", "witness.example", "--key", witnessKey, "--url", "https://witness.example/w"));
    long h5 = quorum(client, node1, node2, dir.resolve("w.json"), "w");
    waitFor(() -> staying.ledger().height() >= h5);
    assertEquals("witness.example", staying.ledger().witnesses().get(0).name());
  }

  /**
   * The testnet's second federation server signs two proposals for one slot (height and round of
   * its turn) naming different blocks and sends them to the other nodes over its own TLS
   * connections, as a server whose key is misused would. The honest nodes catch the equivocation,
   * put the evidence on the ledger, and from the block after it the server is suspended: every
   * block is proposed by the other server, although the two take turns by height. Reinstated by
   * {@code governance propose|endorse|submit reinstate-server}, endorsed by the one serving
   * server only, it takes its turns again.
   */
  @Test
  @Timeout(240)
  void aServerSuspendedByEvidenceOnTheLedgerIsReinstatedThroughGovernance() throws Exception {
    Testnet.Layout t = startTestnet("reinstate-test");
    String client = t.clientConfig().toString();
    Node honest = nodes.get(0);
    Node accused = nodes.get(1);
    ParticipantId accusedId = ParticipantId.of(accused.ledgerKey());
    ParticipantId honestId = ParticipantId.of(honest.ledgerKey());
    Ed25519PrivateKey registrar = key(t, t.directory().resolve("institutions").resolve("institution-1.json"));
    waitFor(() -> nodes.stream().allMatch(n -> n.transport().connectedPeers().size() == 2));
    // control: before any evidence the two federation servers take turns
    long before = honest.ledger().height();
    for (int i = 0; i < 4; i++) {
      honest.submit(patient(honest, registrar)).get(60, TimeUnit.SECONDS);
    }
    assertTrue(proposers(honest, before + 1).contains(accusedId), "control: the second server proposes in its turn");

    Path accusedDir = t.nodeDirectories().get(1);
    Ed25519PrivateKey misused = key(t, NodeConfig.read(accusedDir.resolve("node.json")).dataDirectory()
        .resolve(NodeKeys.FILE_NAME));
    Digest chain = honest.ledger().parameters().chainId();
    waitFor(() -> {
      equivocate(accused, misused, chain, honest.ledger().height() + 1, List.of(honest.ledgerKey(),
          nodes.get(2).ledgerKey()));
      return honest.ledger().membership().isSuspended(accusedId);
    });
    long c = evidenceHeight(honest, accusedId);
    assertTrue(c > before, "the evidence is an entry of a block");
    assertEquals(honest.ledger().membershipAfter(c - 1).federationKeys().size(), 2, "it served until the evidence");
    assertEquals(List.of(honest.ledgerKey()), honest.ledger().membership().federationKeys());

    // suspended: for four blocks, every one of them proposed by the other server
    long from = honest.ledger().height() + 1;
    for (int i = 0; i < 4; i++) {
      honest.submit(patient(honest, registrar)).get(60, TimeUnit.SECONDS);
    }
    assertTrue(honest.ledger().height() >= from + 3);
    assertEquals(java.util.Set.of(honestId), proposers(honest, from), "a suspended server proposes no block");
    assertFalse(honest.ledger().membership().auditKeys().contains(accused.ledgerKey()));
    // its operator restarts it while suspended: it starts (its chain lists it suspended) and follows
    accused.close();
    Node again = Node.start(NodeConfig.read(accusedDir.resolve("node.json")), NodeMetrics.NONE);
    nodes.set(1, again);
    assertTrue(again.ledger().membership().isSuspended(accusedId));

    // an operator proposes its reinstatement
    Path r0 = dir.resolve("reinstate.json");
    Map<String, Object> proposed = ok(ChainCommandTest.run("governance", "propose", "--client", client, "--out",
        r0.toString(), "reinstate-server", "--role", "federation", "--key", again.ledgerKey().toHex()));
    assertEquals("membership_change", proposed.get("kind"));
    // the quorum is the serving server's alone: the suspended server's signature does not count
    Path r1 = dir.resolve("reinstate-1.json");
    assertEquals(1L, ok(ChainCommandTest.run("governance", "endorse", "--dir", t.nodeDirectories().get(0).toString(),
        "--in", r0.toString(), "--out", r1.toString())).get("endorsements"));
    long h = (Long) ok(ChainCommandTest.run("governance", "submit", "--client", client, "--in", r1.toString()))
        .get("height");
    waitFor(() -> honest.ledger().height() >= h);
    assertFalse(honest.ledger().membership().isSuspended(accusedId));
    assertEquals(List.of(honest.ledgerKey(), again.ledgerKey()), honest.ledger().membership().federationKeys(),
        "back in its old place in the rotation");

    // and it takes its turns again
    long back = honest.ledger().height() + 1;
    for (int i = 0; i < 4; i++) {
      honest.submit(patient(honest, registrar)).get(60, TimeUnit.SECONDS);
    }
    assertTrue(proposers(honest, back).contains(accusedId), "a reinstated server proposes again");
    waitFor(() -> again.ledger().height() >= honest.ledger().height());
    assertFalse(again.ledger().membership().isSuspended(accusedId), "its own node agrees");
  }

  /**
   * {@code deployment.md}'s key rotation, step by step over TLS node runtimes: a federation
   * server's key is removed by governance (its node keeps running, as a leaked key's thief would,
   * and the others drop and refuse its connections), a new node directory with a new key store is
   * made for the same institution, the new key is added with the serving server's endorsement and
   * its own, the other nodes' {@code peers} name the new key and are restarted one at a time, and
   * the new node starts from the genesis block, catches up and takes its turns proposing. The old
   * key stays refused throughout.
   */
  @Test
  @Timeout(300)
  void aFederationServerKeyIsRotatedByRemovalAndAdditionAndTheOldKeyStaysRefused() throws Exception {
    Testnet.Layout t = startTestnet("rotation-test");
    List<Path> dirs = new ArrayList<>(t.nodeDirectories());
    String client = t.clientConfig().toString();
    Ed25519PrivateKey registrar = key(t, t.directory().resolve("institutions").resolve("institution-1.json"));
    // the federation server with the smaller key: of two peers the smaller key dials, so after its
    // removal it keeps dialling at least one of the others (the larger federation key or the audit's)
    int rotated = nodes.get(0).ledgerKey().toHex().compareTo(nodes.get(1).ledgerKey().toHex()) < 0 ? 0 : 1;
    int kept = 1 - rotated;
    Node old = nodes.get(rotated);
    Ed25519PublicKey oldKey = old.ledgerKey();
    Path oldDir = dirs.get(rotated);
    waitFor(() -> nodes.stream().allMatch(n -> n.transport().connectedPeers().size() == 2));

    // 1. remove the old key: both federation servers endorse (2 of 2)
    ok(ChainCommandTest.run("governance", "propose", "--client", client, "--out", dir.resolve("rm.json").toString(),
        "remove-server", "--role", "federation", "--key", oldKey.toHex()));
    long removedAt = quorum(client, dirs.get(0), dirs.get(1), dir.resolve("rm.json"), "rm");
    List<Node> staying = List.of(nodes.get(kept), nodes.get(2));
    waitFor(() -> staying.stream().allMatch(n -> n.ledger().height() >= removedAt));
    assertFalse(staying.get(0).ledger().membership().federationKeys().contains(oldKey));
    waitFor(() -> staying.stream().noneMatch(n -> n.transport().connectedPeers().contains(oldKey))
        && old.transport().connectedPeers().isEmpty());
    long refused = refusals(staying);
    waitFor(() -> {
      assertTrue(old.transport().connectedPeers().isEmpty(), "a removed key's connection is refused");
      return refusals(staying) > refused;
    });

    // 2. a new node directory for the same institution, with a new key store
    NodeConfig oldConfig = NodeConfig.read(oldDir.resolve("node.json"));
    Path newDir = dir.resolve("node-new");
    Map<String, Object> made = ok(ChainCommandTest.run("node", "new-key", "--from", oldDir.toString(), "--dir",
        newDir.toString(), "--listen", freePort().toString(), "--client-listen", freePort().toString()));
    Ed25519PublicKey newKey = Ed25519PublicKey.fromHex((String) made.get("ledger_key"));
    assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(
        newDir.resolve("data").resolve(NodeKeys.FILE_NAME))));
    assertEquals(newKey, NodeKeys.readPublicKey(newDir.resolve("data").resolve(NodeKeys.FILE_NAME)));
    oneLineExit2(ChainCommandTest.run("node", "new-key", "--from", oldDir.toString(), "--dir", newDir.toString()),
        "is not empty");
    NodeConfig fresh = NodeConfig.read(newDir.resolve("node.json"));

    // 3. add the new key: the serving federation server endorses, and the new server signs its own addition
    Path institutions = t.directory().resolve("institutions");
    Ed25519PublicKey operator = NodeKeys.readPublicKey(institutions.resolve("institution-" + (rotated + 1) + ".json"));
    Path a0 = dir.resolve("add.json");
    ok(ChainCommandTest.run("governance", "propose", "--client", client, "--out", a0.toString(), "add-server", "--role",
        "federation", "--key", newKey.toHex(), "--operator-key", operator.toHex()));
    Path a1 = dir.resolve("add-1.json");
    ok(ChainCommandTest.run("governance", "endorse", "--dir", dirs.get(kept).toString(), "--in", a0.toString(),
        "--out", a1.toString()));
    Path a2 = dir.resolve("add-2.json");
    assertEquals(2L, ok(ChainCommandTest.run("governance", "endorse", "--dir", newDir.toString(), "--in", a1.toString(),
        "--out", a2.toString())).get("endorsements"));
    long addedAt = (Long) ok(ChainCommandTest.run("governance", "submit", "--client", client, "--in", a2.toString()))
        .get("height");
    waitFor(() -> staying.stream().allMatch(n -> n.ledger().height() >= addedAt));
    assertTrue(staying.get(0).ledger().membership().federationKeys().contains(newKey));

    // 4. every other node's peers name the new key at its address; restart them one at a time
    for (int i : List.of(kept, 2)) {
      Path f = dirs.get(i).resolve("node.json");
      NodeConfig c = NodeConfig.read(f);
      List<NodeConfig.PeerConfig> peers = new ArrayList<>();
      for (NodeConfig.PeerConfig p : c.peers()) {
        peers.add(p.key().equals(oldKey) ? new NodeConfig.PeerConfig(newKey, fresh.listen(), p.role()) : p);
      }
      if (i == 2) { // an operator who forgets to delete the old key: the ledger still refuses it
        peers.add(new NodeConfig.PeerConfig(oldKey, oldConfig.listen(), ServerRole.FEDERATION));
      }
      Files.writeString(f, withPeers(c, peers).toJson(dirs.get(i)));
      nodes.get(i).close();
      nodes.set(i, Node.start(NodeConfig.read(f), NodeMetrics.NONE));
    }
    List<Node> restarted = List.of(nodes.get(kept), nodes.get(2));

    // 5. the new node starts from the genesis block, catches up and takes its turns
    Node rotatedNode = Node.start(fresh, NodeMetrics.NONE);
    nodes.add(rotatedNode);
    waitFor(() -> rotatedNode.ledger().height() >= addedAt && rotatedNode.transport().connectedPeers().size() == 2);
    Node keeper = nodes.get(kept);
    long from = keeper.ledger().height() + 1;
    for (int i = 0; i < 4; i++) {
      rotatedNode.submit(patient(keeper, registrar)).get(60, TimeUnit.SECONDS);
    }
    assertTrue(proposers(keeper, from).contains(ParticipantId.of(newKey)), "the new key proposes in its turn");

    // the old key is still refused, by the node that still lists it in its peers too
    long refusedAfter = refusals(restarted);
    waitFor(() -> {
      assertTrue(old.transport().connectedPeers().isEmpty(), "the old key's connection is refused");
      return refusals(restarted) >= refusedAfter + 2;
    });
    assertTrue(restarted.stream().noneMatch(n -> n.transport().connectedPeers().contains(oldKey)));
    // the client follows: its configuration lists the remaining nodes and the new one
    Map<String, Object> rm = ok(ChainCommandTest.run("governance", "propose", "--client", client, "--out",
        dir.resolve("rm-new.json").toString(), "remove-server", "--role", "federation", "--key", newKey.toHex()));
    assertEquals("membership_change", rm.get("kind"));
  }

  /** {@code c} with {@code peers}. */
  private static NodeConfig withPeers(NodeConfig c, List<NodeConfig.PeerConfig> peers) {
    return new NodeConfig(c.chain(), c.role(), c.institution(), c.ledgerKey(), c.listen(), c.clientListen(), peers,
        c.clients(), c.dataDirectory(), c.genesis(), c.genesisHash(), c.keySource(), c.consensus(), c.limits(),
        c.tiles(), c.storage(), c.anchoring());
  }

  private static io.medledger.node.PeerAddress freePort() throws java.io.IOException {
    try (java.net.ServerSocket s = new java.net.ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
      return io.medledger.node.PeerAddress.parse("127.0.0.1:" + s.getLocalPort());
    }
  }

  /** The connections {@code nodes} refused at the handshake so far. */
  private static long refusals(List<Node> nodes) {
    return nodes.stream().mapToLong(n -> ((io.medledger.node.TlsPeerTransport) n.transport()).refusedConnections())
        .sum();
  }

  /**
   * Sends, over {@code from}'s own peer connections to {@code to}, two proposals signed with
   * {@code key} for its turn at {@code height} (round 0 or 1: two federation servers alternate by
   * height + round) naming two different blocks.
   */
  private static void equivocate(Node from, Ed25519PrivateKey key, Digest chain, long height,
      List<Ed25519PublicKey> to) {
    int round = (int) Math.floorMod(1 - height, 2L);
    for (String name : List.of("first", "second")) {
      Statement st = new Statement(StatementKind.PROPOSAL, height, round,
          Sha256.hash((name + height).getBytes(java.nio.charset.StandardCharsets.UTF_8)), -1);
      byte[] frame = io.medledger.internal.transport.NodeFrames.consensus(
          new ConsensusMessage.Proposal(st, key.sign(st.signingBytes(chain)), new byte[] {1}, null).encode());
      to.forEach(k -> from.transport().send(k, frame));
    }
  }

  /** The height of the block holding evidence against {@code accused}. */
  private static long evidenceHeight(Node n, ParticipantId accused) {
    for (long h = n.ledger().height(); h > 0; h--) {
      if (n.ledger().block(h).block().entries().stream()
          .anyMatch(e -> e instanceof Evidence v && v.accused().equals(accused))) {
        return h;
      }
    }
    throw new AssertionError("no evidence against " + accused + " on the ledger");
  }

  /** The bookkeepers of the blocks from {@code from} to the tip. */
  private static java.util.Set<ParticipantId> proposers(Node n, long from) {
    java.util.Set<ParticipantId> s = new java.util.HashSet<>();
    for (long h = from; h <= n.ledger().height(); h++) {
      s.add(n.ledger().header(h).bookkeeper());
    }
    return s;
  }

  /** A patient registration under a fresh key, countersigned by {@code registrar}. */
  private static Entry patient(Node n, Ed25519PrivateKey registrar) {
    Ed25519PrivateKey k = Ed25519PrivateKey.generate(new SecureRandom());
    return Entry.sign(new PatientRegistration(k.publicKey(), System.currentTimeMillis(), List.of()),
        n.ledger().parameters().chainId(), k, registrar);
  }

  /** The ledger key of the key store {@code file}, opened with the testnet's passphrase. */
  private static Ed25519PrivateKey key(Testnet.Layout t, Path file) {
    return NodeKeys.open(file, NodeKeys.passphrase(new NodeConfig.KeySource.File(t.passphrase()))).ledgerSecretKey();
  }

  /**
   * Writes a testnet of chain {@code chain} (two federation servers, one audit server, loopback
   * TLS) and starts its nodes' runtimes in this JVM, in its order.
   */
  private Testnet.Layout startTestnet(String chain) {
    Testnet.Layout t = Testnet.create(dir.resolve("net"), new Testnet.Options(chain, 2, 1, 0, 0,
        new NodeConfig.ConsensusSettings("rotating-audit", Duration.ofMillis(500), Duration.ofMillis(200), 500, 4 << 20,
            Duration.ofMillis(10), 100_000)), new SecureRandom());
    for (Path p : t.nodeDirectories()) {
      nodes.add(Node.start(NodeConfig.read(p.resolve("node.json")), NodeMetrics.NONE));
    }
    return t;
  }

  /** Endorses {@code proposal} with both federation servers, submits it and returns its height. */
  private long quorum(String client, Path node1, Path node2, Path proposal, String name) {
    Path one = dir.resolve(name + "-1.json");
    Path two = dir.resolve(name + "-2.json");
    ok(ChainCommandTest.run("governance", "endorse", "--dir", node1.toString(), "--in", proposal.toString(), "--out",
        one.toString()));
    ok(ChainCommandTest.run("governance", "endorse", "--dir", node2.toString(), "--in", one.toString(), "--out",
        two.toString()));
    return (Long) ok(ChainCommandTest.run("governance", "submit", "--client", client, "--in", two.toString()))
        .get("height");
  }

  private static void waitFor(java.util.function.BooleanSupplier c) throws InterruptedException {
    long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
    while (!c.getAsBoolean()) {
      assertTrue(System.nanoTime() < deadline, "timed out");
      Thread.sleep(20);
    }
  }
}
