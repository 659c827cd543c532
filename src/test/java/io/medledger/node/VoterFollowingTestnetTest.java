package io.medledger.node;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.medledger.access.ParticipantKind;
import io.medledger.chain.Entry;
import io.medledger.chain.MembershipChange;
import io.medledger.crypto.Digest;
import io.medledger.crypto.Ed25519PrivateKey;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Over node runtimes of a {@code bft} testnet, a client configured with its four federation
 * servers follows governance that removes two of them: a block the remaining two certify is final
 * by its certificate (two of two voters in force), though two of the four configured voters are
 * short of the configured set's quorum, with every other node down (once the connection has
 * learnt the chain and its protocol from f + 1 of them).
 */
@Timeout(180)
class VoterFollowingTestnetTest {
  @TempDir
  Path dir;
  private final List<Node> nodes = new ArrayList<>();
  private final List<AutoCloseable> open = new ArrayList<>();

  @AfterEach
  void closeAll() throws Exception {
    for (AutoCloseable c : open) {
      c.close();
    }
    nodes.forEach(Node::close);
  }

  @Test
  void aBlockOfTheVotersLeftAfterGovernanceIsFinalByItsCertificate() throws Exception {
    Testnet.Layout t = Testnet.create(dir.resolve("net"), new Testnet.Options("following-test", 4, 0, 0, 0,
        new NodeConfig.ConsensusSettings("bft", Duration.ofMillis(500), Duration.ofMillis(200), 500, 4 << 20,
            Duration.ofMillis(10), 100_000)), new SecureRandom());
    List<Ed25519PrivateKey> keys = new ArrayList<>();
    for (Path p : t.nodeDirectories()) {
      NodeConfig c = NodeConfig.read(p.resolve("node.json"));
      keys.add(NodeKeys.open(c.dataDirectory().resolve(NodeKeys.FILE_NAME), NodeKeys.passphrase(c.keySource()))
          .ledgerSecretKey());
      nodes.add(Node.start(c, NodeMetrics.NONE));
    }
    Digest chainId = nodes.get(0).ledger().parameters().chainId();
    // the first three servers (a quorum of four, then of three) remove the fourth, then the third
    for (int gone : List.of(3, 2)) {
      Entry removal = Entry.sign(new MembershipChange(MembershipChange.Operation.REMOVE, ParticipantKind.FEDERATION_SERVER,
          keys.get(gone).publicKey(), Optional.empty(), System.currentTimeMillis(), List.of()), chainId, keys.get(0),
          keys.get(1), keys.get(2));
      nodes.get(0).submit(removal).get(60, TimeUnit.SECONDS);
    }
    long h = nodes.get(0).submit(NodeRuntimeTest.patient(chainId, NodeRuntimeTest.registrar(t)))
        .get(60, TimeUnit.SECONDS).height();
    assertEquals(List.of(keys.get(0).publicKey(), keys.get(1).publicKey()),
        nodes.get(0).ledger().membershipAfter(h - 1).federationKeys(), "control: two voters certify block " + h);
    NodeKeys op = NodeKeys.open(t.directory().resolve("client-keys.json"),
        NodeKeys.passphrase(new NodeConfig.KeySource.File(t.passphrase())));
    RemoteConnection c = RemoteConnection.builder(TlsIdentity.of(op.ledgerSecretKey()))
        .nodes(ClientConfig.read(t.clientConfig())).timeouts(Duration.ofSeconds(5), Duration.ofSeconds(60)).build();
    open.add(c);
    // the chain and its protocol are taken only as f + 1 ledger nodes state them: learnt while all are up
    assertEquals(chainId, c.parameters().chainId());
    for (Node n : nodes.subList(1, 4)) {
      n.close();
    }
    assertEquals(nodes.get(0).ledger().block(h).header(), c.header(h), "final by certificate: no other node is up");
  }
}
