package io.medledger.node;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.medledger.chain.AccessRevocation;
import io.medledger.chain.Entry;
import io.medledger.chain.EntryLocation;
import io.medledger.client.ClinicianClient;
import io.medledger.client.GrantRequest;
import io.medledger.client.PatientClient;
import io.medledger.client.SmallFederation;
import io.medledger.client.UnconfirmedAnswerException;
import io.medledger.crypto.Digest;
import io.medledger.crypto.Ed25519PrivateKey;
import io.medledger.federation.Federation;
import io.medledger.internal.node.ClientWire;
import io.medledger.internal.node.LedgerWire;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * A node that takes a submission can answer that it is final without ever passing it on: a
 * patient would then believe a revocation in force that no other node holds. The remote
 * connection believes a finality only once another configured node locates the entry at the same
 * place.
 */
@Timeout(120)
class HostileFinalityTest {
  private static final EntryLocation AT = new EntryLocation(7, 0, 41);

  private static byte[] located(EntryLocation l) {
    LedgerWire.Writer w = new LedgerWire.Writer(ClientWire.OK).bool(l != null);
    if (l != null) {
      w.i64(l.height()).i32(l.indexInBlock()).i64(l.ledgerIndex());
    }
    return w.toBytes();
  }

  /** A node that says every submission is final at {@link #AT}, and locates every entry there. */
  private static RequestHandler liar() {
    return (who, req) -> CompletableFuture.completedFuture(req[0] == ClientWire.SUBMIT
        ? new LedgerWire.Writer(ClientWire.OK).i64(AT.height()).digest(Digest.of(new byte[32])).toBytes()
        : located(AT));
  }

  @Test
  void aFinalityNoOtherNodeConfirmsIsNotBelieved() throws Exception {
    Entry revocation;
    try (Federation f = SmallFederation.builder("hostile-finality-test", 17).directSequencer().build()) {
      PatientClient p = f.registerPatient("Anna");
      ClinicianClient lee = f.registerClinician("Dr Lee", "Hospital A");
      Digest grant = p.grant(GrantRequest.treatment(lee.id())).id();
      revocation = Entry.sign(new AccessRevocation(p.id(), grant, 1, List.of()), f.connection().parameters().chainId(),
          Ed25519PrivateKey.generate());
    }
    Ed25519PrivateKey client = Ed25519PrivateKey.generate();
    Ed25519PrivateKey hostileKey = Ed25519PrivateKey.generate();
    Ed25519PrivateKey otherKey = Ed25519PrivateKey.generate();
    AtomicReference<EntryLocation> otherSays = new AtomicReference<>();
    RequestHandler other = (who, req) -> CompletableFuture.completedFuture(located(otherSays.get()));
    try (NodeEndpoint hostile = NodeEndpoint.start(new PeerAddress("127.0.0.1", 0), TlsIdentity.of(hostileKey),
        client.publicKey()::equals, liar(), TransportLimits.defaults());
        NodeEndpoint honest = NodeEndpoint.start(new PeerAddress("127.0.0.1", 0), TlsIdentity.of(otherKey),
            client.publicKey()::equals, other, TransportLimits.defaults());
        RemoteConnection c = RemoteConnection.builder(TlsIdentity.of(client))
            .node(hostileKey.publicKey(), hostile.boundAddress(), ServerRole.FEDERATION)
            .node(otherKey.publicKey(), honest.boundAddress(), ServerRole.AUDIT)
            .timeouts(Duration.ofSeconds(1), Duration.ofSeconds(10)).build()) {
      ExecutionException e = assertThrows(ExecutionException.class, () -> c.submit(revocation).get());
      assertInstanceOf(UnconfirmedAnswerException.class, e.getCause());
      assertTrue(e.getCause().getMessage().contains("not found"), e.getCause().getMessage());

      otherSays.set(new EntryLocation(8, 0, 42));
      e = assertThrows(ExecutionException.class, () -> c.submit(revocation).get());
      assertInstanceOf(UnconfirmedAnswerException.class, e.getCause(), "another node holds it elsewhere");

      otherSays.set(AT);
      assertEquals(AT, c.submit(revocation).get(), "confirmed by the other node");
    }
  }

  private static Entry entry() {
    return Entry.sign(new AccessRevocation(io.medledger.access.ParticipantId.of(Ed25519PrivateKey.generate().publicKey()),
        Digest.of(new byte[32]), 1, List.of()), Digest.of(new byte[32]), Ed25519PrivateKey.generate());
  }

  @Test
  void aNodeThatRefusesEverySubmissionDoesNotCensorTheClient() throws Exception {
    Entry e = entry();
    Ed25519PrivateKey client = Ed25519PrivateKey.generate();
    Ed25519PrivateKey censorKey = Ed25519PrivateKey.generate();
    Ed25519PrivateKey aKey = Ed25519PrivateKey.generate();
    Ed25519PrivateKey bKey = Ed25519PrivateKey.generate();
    RequestHandler censor = (who, req) -> CompletableFuture.completedFuture(req[0] == ClientWire.SUBMIT
        ? ClientWire.refused(SubmissionRefusedException.Cause.RULE.ordinal(), "no") : located(null));
    AtomicReference<RequestHandler> honest = new AtomicReference<>(liar());
    RequestHandler a = (who, req) -> honest.get().handle(who, req);
    try (NodeEndpoint c0 = NodeEndpoint.start(new PeerAddress("127.0.0.1", 0), TlsIdentity.of(censorKey),
        client.publicKey()::equals, censor, TransportLimits.defaults());
        NodeEndpoint c1 = NodeEndpoint.start(new PeerAddress("127.0.0.1", 0), TlsIdentity.of(aKey),
            client.publicKey()::equals, a, TransportLimits.defaults());
        NodeEndpoint c2 = NodeEndpoint.start(new PeerAddress("127.0.0.1", 0), TlsIdentity.of(bKey),
            client.publicKey()::equals, a, TransportLimits.defaults());
        RemoteConnection c = RemoteConnection.builder(TlsIdentity.of(client))
            .node(censorKey.publicKey(), c0.boundAddress(), ServerRole.FEDERATION)
            .node(aKey.publicKey(), c1.boundAddress(), ServerRole.FEDERATION)
            .node(bKey.publicKey(), c2.boundAddress(), ServerRole.AUDIT)
            .timeouts(Duration.ofSeconds(1), Duration.ofSeconds(10)).build()) {
      assertEquals(AT, c.submit(e).get(), "the next node took it");
      honest.set(censor);
      ExecutionException x = assertThrows(ExecutionException.class, () -> c.submit(e).get());
      assertInstanceOf(io.medledger.client.EntryRejectedException.class, x.getCause(), "refused by every node");
      assertTrue(x.getCause().getMessage().contains(io.medledger.access.ParticipantId.of(censorKey.publicKey()).toString()),
          "the first refusal is raised: " + x.getCause().getMessage());
    }
  }
}
