package io.medledger.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.medledger.access.ParticipantId;
import io.medledger.internal.Json;
import io.medledger.node.Node;
import io.medledger.node.NodeConfig;
import io.medledger.node.NodeKeys;
import io.medledger.node.NodeMetrics;
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
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code governance propose}, {@code endorse} and {@code submit} against a testnet of node
 * processes' runtimes in this JVM (two federation servers and one audit server on loopback TLS):
 * a server is removed by a quorum of endorsements gathered one node directory at a time, and the
 * ledger's refusal of too few endorsements reaches the operator as exit 2 with the rule's reason;
 * then the server is added back, and an institution registered and removed, the same way.
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
    Testnet.Layout t = Testnet.create(dir.resolve("net"), new Testnet.Options("governance-test", 2, 1, 0, 0,
        new NodeConfig.ConsensusSettings("rotating-audit", Duration.ofMillis(500), Duration.ofMillis(200), 500, 4 << 20,
            Duration.ofMillis(10), 100_000)), new SecureRandom());
    for (Path p : t.nodeDirectories()) {
      nodes.add(Node.start(NodeConfig.read(p.resolve("node.json")), NodeMetrics.NONE));
    }
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
