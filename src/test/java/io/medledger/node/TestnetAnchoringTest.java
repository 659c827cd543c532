package io.medledger.node;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.medledger.anchor.AnchorReceipt;
import io.medledger.anchor.ReceiptVerdict;
import io.medledger.anchor.bitcoin.Address;
import io.medledger.anchor.bitcoin.BitcoinPrivateKey;
import io.medledger.anchor.bitcoin.Network;
import io.medledger.chain.Anchor;
import io.medledger.crypto.Digest;
import io.medledger.federation.RegtestChain;
import io.medledger.internal.bitcoin.RegtestRpcServer;
import io.medledger.internal.node.ConfigObject;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The offline anchoring a testnet is written with ({@link Testnet.Options#regtest()}): its nodes
 * (in one JVM) run before the Bitcoin Core stand-in exists, find it unreachable and back off; once
 * the stand-in serves {@code regtest/regtest.json}, the federation anchors with the funded wallet,
 * records the anchor, and every ledger node serves a receipt that verifies against the stand-in's
 * chain.
 */
class TestnetAnchoringTest {
  private static final SecureRandom RANDOM = new SecureRandom();

  @TempDir
  Path dir;

  private final List<Node> nodes = new ArrayList<>();
  private RegtestRpcServer server;

  @AfterEach
  void stop() {
    nodes.forEach(Node::close);
    if (server != null) {
      server.close();
    }
  }

  @Test
  void aTestnetAnchorsIntoTheStandInOnceItRuns() throws Exception {
    Testnet.Options o = NodeRuntimeTest.options(3, 1, 0);
    Testnet.Layout layout = Testnet.create(dir.resolve("net"), new Testnet.Options(o.chain(), 3, 1, 0, 0, o.consensus(),
        true), RANDOM);
    Path regtest = layout.regtest().orElseThrow();
    Path wif = layout.directory().resolve("anchoring/wallet.wif");
    assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(wif)));
    for (Path nd : layout.nodeDirectories()) {
      NodeConfig c = NodeConfig.read(nd.resolve("node.json"));
      AnchoringConfig a = c.anchoring().orElseThrow();
      assertEquals(c.role() == ServerRole.FEDERATION, a.walletKeyFile().isPresent(), nd.toString());
      assertInstanceOf(AnchoringConfig.RpcAuth.Cookie.class, a.auth());
      assertEquals(1, a.policy().confirmationsRequired());
    }
    LocalNetwork network = new LocalNetwork();
    for (Path nd : layout.nodeDirectories()) {
      NodeConfig c = NodeConfig.read(nd.resolve("node.json"));
      NodeKeys k = NodeKeys.open(c.dataDirectory().resolve(NodeKeys.FILE_NAME), NodeKeys.passphrase(c.keySource()));
      nodes.add(Node.start(c, k, network.attach(k.ledgerKey()), true, NodeMetrics.NONE));
    }
    // no stand-in yet: the server whose turn it is finds the endpoint unreachable (no cookie) and backs off
    NodeRuntimeTest.waitFor(() -> nodes.stream().anyMatch(n -> n.anchoringService().map(AnchoringService::unreachable)
        .orElse(false)), "a server that found the endpoint unreachable");
    assertTrue(nodes.stream().allMatch(Node::isRunning));

    ConfigObject rc = ConfigObject.read(regtest.resolve("regtest.json"), 1 << 16);
    String listen = rc.string("listen", 100);
    ConfigObject fund = rc.objects("fund", 1).get(0);
    RegtestChain chain = new RegtestChain(RANDOM);
    Address wallet = Address.parse(fund.string("address", 100), Network.REGTEST);
    BitcoinPrivateKey key = BitcoinPrivateKey.fromWif(Files.readString(wif).strip().toCharArray());
    assertEquals(wallet, Address.fromScript(key.publicKey().p2wpkhScript(), Network.REGTEST), "the stand-in funds the key's address");
    chain.fund(wallet.scriptPubKey(), (int) fund.integer("coins", 1, 1000), fund.integer("sats", 1, Long.MAX_VALUE));
    server = RegtestRpcServer.start(new InetSocketAddress(InetAddress.getLoopbackAddress(),
        Integer.parseInt(listen.substring(listen.lastIndexOf(':') + 1))), chain, regtest.resolve(rc.string("cookie_file", 100)),
        Optional.empty(), Optional.empty(), RANDOM);

    // play the miner until every node records an anchor
    io.medledger.anchor.bitcoin.Script miner = BitcoinPrivateKey.generate(Network.REGTEST, RANDOM).publicKey().p2wpkhScript();
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(90);
    while (!nodes.stream().allMatch(n -> !AnchoringServiceTest.anchorsOn(n).isEmpty())) {
      assertTrue(System.nanoTime() < deadline, "no anchor recorded within 90 s; mempool " + chain.mempool());
      if (!chain.mempool().isEmpty()) {
        chain.mine(miner);
      }
      Thread.sleep(100);
    }
    Anchor a = AnchoringServiceTest.anchorsOn(nodes.get(0)).get(0);
    assertTrue(chain.transaction(a.txid()).orElseThrow().height().isPresent(), "the recorded transaction is mined");
    Digest genesisEntry = nodes.get(0).ledger().block(0).block().entries().get(0).id();
    for (Node n : nodes) {
      NodeRuntimeTest.waitFor(() -> n.receipt(genesisEntry).map(AnchorReceipt::isComplete).orElse(false), "a receipt from " + n);
      ReceiptVerdict v = n.receipt(genesisEntry).orElseThrow().verify(chain);
      assertInstanceOf(ReceiptVerdict.Anchored.class, v, n + ": " + v);
    }
  }
}
