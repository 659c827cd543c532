package io.medledger.node;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.medledger.access.ParticipantId;
import io.medledger.chain.AccessGrant;
import io.medledger.chain.MedicalRecord;
import io.medledger.client.AccessRefusedException;
import io.medledger.client.AccessRight;
import io.medledger.client.ClinicianClient;
import io.medledger.client.GrantRequest;
import io.medledger.client.PatientClient;
import io.medledger.client.ProxyFailureException;
import io.medledger.crypto.Digest;
import io.medledger.internal.node.ClientWire;
import io.medledger.internal.node.LedgerWire;
import io.medledger.pre.ProxyResponse;
import java.nio.file.Path;
import java.text.MessageFormat;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.logging.Handler;
import java.util.logging.LogRecord;
import java.util.logging.Logger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Remote reads under a 2-of-3 grant when proxies fail: one proxy down, one answering with a
 * forged capsule fragment, or one refusing (a real TLS endpoint holding that proxy's key), still
 * reads and names the failing proxy in the log; two at once fails with a
 * {@link ProxyFailureException} naming both, or the refusal met.
 */
class RemoteProxyFailureTest {
  @TempDir
  Path dir;
  private RemoteFederation net;
  private NodeEndpoint forger;
  private final List<String> warnings = new ArrayList<>();
  private final Logger log = Logger.getLogger("io.medledger.client.Payloads");
  private final Handler capture = new Handler() {
    @Override
    public void publish(LogRecord r) {
      synchronized (warnings) {
        warnings.add(r.getParameters() == null ? r.getMessage() : MessageFormat.format(r.getMessage(), r.getParameters()));
      }
    }

    @Override
    public void flush() {}

    @Override
    public void close() {}
  };

  @AfterEach
  void close() {
    log.removeHandler(capture);
    if (forger != null) {
      forger.close();
    }
    if (net != null) {
      net.close();
    }
  }

  /**
   * Replaces proxy {@code i}'s node with an endpoint under its key that answers each re-encryption
   * request with {@code answer} (of the request, and an honest node to consult).
   */
  private ParticipantId impostor(int i, java.util.function.BiFunction<byte[], Node, byte[]> answer) {
    Node victim = net.nodes().get(i);
    Node honest = net.nodes().get((i + 1) % 3);
    PeerAddress at = victim.clientAddress().orElseThrow();
    NodeKeys keys = NodeKeys.open(victim.config().dataDirectory().resolve(NodeKeys.FILE_NAME),
        NodeKeys.passphrase(victim.config().keySource()));
    net.stop(i);
    forger = NodeEndpoint.start(at, TlsIdentity.of(keys.ledgerSecretKey()), k -> true, (client, request) -> {
      if (request[0] != ClientWire.REENCRYPT) {
        return CompletableFuture.failedFuture(new IllegalStateException("the impostor serves re-encryption only"));
      }
      return CompletableFuture.completedFuture(answer.apply(request, honest));
    }, TransportLimits.defaults());
    return ParticipantId.of(victim.ledgerKey());
  }

  /** Replaces proxy {@code i}'s node with an endpoint under its key that answers with a forged fragment. */
  private ParticipantId forge(int i) {
    return impostor(i, (request, honest) -> {
      // a well-formed fragment whose key fragment id was altered: it decodes but does not verify
      ProxyResponse real = honest.reencrypt(Digest.of(request, 1));
      byte[] frag = real.capsuleFrag().toBytes();
      byte[] id = real.capsuleFrag().kfragId();
      for (int k = 0; k + id.length <= frag.length; k++) {
        if (java.util.Arrays.equals(frag, k, k + id.length, id, 0, id.length)) {
          frag[k] ^= 1;
          break;
        }
      }
      return new LedgerWire.Writer(ClientWire.OK).bytes(frag).toBytes();
    });
  }

  private ClinicianClient lee;
  private MedicalRecord rec;

  /** A testnet where Anna granted Dr Lee treatment access to her record; returns the grant. */
  private AccessGrant shared() {
    net = RemoteFederation.start(dir.resolve("net"));
    log.addHandler(capture);
    PatientClient anna = net.registerPatient("Anna");
    lee = net.registerClinician("Dr Lee", "Hospital A1");
    rec = anna.upload(RemoteClientTest.RECORD).record();
    return anna.grant(GrantRequest.treatment(lee.id()));
  }

  @Test
  void aReadSucceedsTwoOfThreeWithOneProxyDownOrForgingAndNamesIt() {
    AccessGrant grant = shared();
    assertEquals(2, grant.threshold());
    assertEquals(3, grant.proxies().size());
    List<ParticipantId> proxies = grant.proxies();
    assertEquals(proxies, net.nodes().subList(0, 3).stream().map(n -> ParticipantId.of(n.ledgerKey())).toList(),
        "proxies are asked in ledger order, federation servers in testnet order");

    // the second proxy forges: the read still succeeds 2 of 3 and the forger is named
    ParticipantId forged = forge(1);
    assertArrayEquals(RemoteClientTest.RECORD, lee.read(rec.id()));
    assertTrue(warnings.stream().anyMatch(w -> w.contains(forged.toString()) && w.contains("forged")), warnings.toString());

    // the first proxy is down as well: only one honest proxy is left, and both failures are named
    net.stop(0);
    ProxyFailureException e = assertThrows(ProxyFailureException.class, () -> lee.read(rec.id()));
    assertEquals(List.of(proxies.get(0), forged).stream().sorted().toList(), e.proxies());
    assertTrue(e.failures().get(forged).contains("forged"), e.getMessage());
    assertTrue(e.failures().get(proxies.get(0)).contains("down or unreachable")
        || e.failures().get(proxies.get(0)).contains("cannot reach"), e.getMessage());
  }

  @Test
  void aReadSucceedsTwoOfThreeWithOneProxyDown() {
    ParticipantId down = shared().proxies().get(0);
    net.stop(0);
    assertArrayEquals(RemoteClientTest.RECORD, lee.read(rec.id()), "2 of the 3 proxies answer");
    assertTrue(warnings.stream().anyMatch(w -> w.contains(down.toString())), warnings.toString());
  }

  @Test
  void aProxyThatRefusesIsSkippedAndNamedWhileTwoOthersAnswer() {
    shared();
    ParticipantId refusing = impostor(1, (request, honest) -> new LedgerWire.Writer(LedgerWire.DENIED)
        .u8(AccessRight.ACCESS_EVENT.ordinal()).string("no final access event (says the impostor)").toBytes());
    assertArrayEquals(RemoteClientTest.RECORD, lee.read(rec.id()), "the two other proxies answer");
    assertTrue(warnings.stream().anyMatch(w -> w.contains(refusing.toString()) && w.contains("impostor")),
        warnings.toString());

    net.stop(0);
    AccessRefusedException e = assertThrows(AccessRefusedException.class, () -> lee.read(rec.id()),
        "below the threshold, the refusal met is what the read reports");
    assertEquals(AccessRight.ACCESS_EVENT, e.missingRight());
  }
}
