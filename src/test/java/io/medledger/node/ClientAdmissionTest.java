package io.medledger.node;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.medledger.crypto.Ed25519PrivateKey;
import io.medledger.crypto.Ed25519PublicKey;
import io.medledger.internal.node.ClientWire;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A client is admitted at the handshake, but a participant may be removed while its connection
 * stays open: every request that is not a ledger request (which checks its caller itself) is
 * refused to a key the node no longer admits.
 */
class ClientAdmissionTest {
  @TempDir
  Path dir;

  private static byte[] ask(Node n, Ed25519PublicKey who, byte... request) throws Exception {
    return n.handleRequest(who, request).get(10, TimeUnit.SECONDS);
  }

  @Test
  void aKeyTheNodeNoLongerAdmitsIsRefusedOnEveryRequest() throws Exception {
    Testnet.Layout t = Testnet.create(dir.resolve("net"), NodeRuntimeTest.options(1, 1, 0), new SecureRandom());
    try (Node n = Node.start(NodeConfig.read(t.nodeDirectories().get(0).resolve("node.json")), NodeMetrics.NONE)) {
      Ed25519PublicKey gone = Ed25519PrivateKey.generate().publicKey();
      assertTrue(!n.admitsClient(gone));
      for (byte type : new byte[] {ClientWire.STATUS, ClientWire.SUBMIT, ClientWire.CHECKPOINT, ClientWire.RECEIPT}) {
        byte[] r = ask(n, gone, type);
        assertEquals(ClientWire.REFUSED, r[0], "request " + type);
        assertTrue(new String(r, StandardCharsets.UTF_8).contains("neither an active participant"), "request " + type);
      }
      assertEquals(ClientWire.OK, ask(n, n.ledgerKey(), ClientWire.STATUS)[0], "the operator's own key is admitted");
    }
  }

  /**
   * A registration is self-signed, so a registered patient who could submit them would mint keys
   * of its own, each an active participant with its own per-key bounds; only the node's configured
   * clients and its operator register patients.
   */
  @Test
  void onlyConfiguredClientsAndTheOperatorRegisterPatients() throws Exception {
    Testnet.Layout t = Testnet.create(dir.resolve("net"), NodeRuntimeTest.options(1, 1, 0), new SecureRandom());
    try (Node n = Node.start(NodeConfig.read(t.nodeDirectories().get(0).resolve("node.json")), NodeMetrics.NONE);
        Node a = Node.start(NodeConfig.read(t.nodeDirectories().get(1).resolve("node.json")), NodeMetrics.NONE)) {
      io.medledger.chain.Entry anna = NodeRuntimeTest.patient(n.ledger().parameters().chainId(), NodeRuntimeTest.registrar(t));
      assertEquals(ClientWire.OK, ask(n, n.ledgerKey(), ClientWire.submit(anna.encode()))[0], "the operator registers");
      Ed25519PublicKey annaKey = ((io.medledger.chain.PatientRegistration) anna).patientKey();
      assertTrue(n.admitsClient(annaKey), "a registered patient is admitted");
      assertTrue(!n.registersPatients(annaKey));

      io.medledger.chain.Entry minted = NodeRuntimeTest.patient(n.ledger().parameters().chainId(), NodeRuntimeTest.registrar(t));
      byte[] r = ask(n, annaKey, ClientWire.submit(minted.encode()));
      assertEquals(ClientWire.REFUSED, r[0]);
      assertTrue(new String(r, StandardCharsets.UTF_8).contains("may not register patients"));
      assertTrue(!n.ledger().contains(java.util.List.of(minted.id()))[0], "nothing reached the ledger");
      assertEquals(ClientWire.OK, ask(n, annaKey, ClientWire.STATUS)[0], "the patient is otherwise served");

      Ed25519PublicKey configured = n.config().clients().get(0);
      assertEquals(ClientWire.OK, ask(n, configured, ClientWire.submit(minted.encode()))[0], "a configured client registers");
    }
  }
}
