package io.medledger.node;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.medledger.access.ParticipantId;
import io.medledger.access.ParticipantKind;
import io.medledger.chain.AccessGrant;
import io.medledger.chain.AccessScope;
import io.medledger.chain.MedicalRecord;
import io.medledger.client.AccessRefusedException;
import io.medledger.client.AccessRight;
import io.medledger.client.AuditorClient;
import io.medledger.client.ClinicianClient;
import io.medledger.client.GrantRequest;
import io.medledger.client.Identity;
import io.medledger.client.PatientClient;
import io.medledger.client.SmallFederation;
import io.medledger.crypto.Digest;
import io.medledger.crypto.Sha256;
import io.medledger.federation.Federation;
import io.medledger.federation.FederationServer;
import io.medledger.internal.node.ClientWire;
import io.medledger.internal.node.LedgerWire;
import io.medledger.pre.ProxyResponse;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The node's proxy service re-encrypts only as the shared proxy rules allow, and for a remote
 * client only for an access event whose reader is that client; every call, refused or not, is
 * counted with its duration. It runs here over the ledger of an in-process federation server,
 * with that server's own keys (regenerated from the federation's seeded randomness).
 */
class ProxyServiceTest {
  private static final long SEED = 51;
  private final Federation f = SmallFederation.builder("proxy-service-test", SEED)
      .directSequencer() // real time, as the node's proxy service reads it
      .regulator("Health Regulator") // drawn after the servers: their keys stay as firstServer() regenerates them
      .build();
  private final List<long[]> calls = new ArrayList<>();
  private final NodeMetrics metrics = new NodeMetrics() {
    @Override
    public void proxyReencryption(long nanos, boolean ok) {
      calls.add(new long[] {nanos, ok ? 1 : 0});
    }
  };

  @AfterEach
  void close() {
    f.close();
  }

  /** The first federation server's identity: the second key the federation drew (after its institution's). */
  private Identity firstServer() {
    SecureRandom r = SmallFederation.seeded(SEED);
    Identity.generate(ParticipantKind.INSTITUTION, "Hospital A", r);
    Identity server = Identity.generate(ParticipantKind.FEDERATION_SERVER, "Hospital A federation server", r);
    FederationServer node = f.federationNodes().get(0);
    assertEquals(node.id(), server.id(), "the fixture regenerates the server's keys");
    return server;
  }

  private ProxyResponse timed(ProxyService s, Digest event, Optional<ParticipantId> requester, boolean ok) {
    long before = System.nanoTime();
    int n = calls.size();
    ProxyResponse r = null;
    RuntimeException refused = null;
    try {
      r = s.reencrypt(event, requester);
    } catch (RuntimeException e) {
      refused = e;
    }
    long elapsed = System.nanoTime() - before;
    assertEquals(n + 1, calls.size(), "the call is counted");
    long[] last = calls.get(n);
    assertTrue(last[0] >= 0 && last[0] <= elapsed, "duration " + last[0] + " within " + elapsed);
    assertEquals(ok, last[1] == 1, "counted as " + (ok ? "served" : "refused") + "; " + refused);
    if (refused != null) {
      throw refused;
    }
    return r;
  }

  /** A clinician's read of a patient's record under a treatment grant. */
  private record Read(ClinicianClient lee, AccessGrant grant, Digest event) {}

  private Read annaGrantsLeeAndLeeReads() {
    PatientClient anna = f.registerPatient("Anna");
    ClinicianClient lee = f.registerClinician("Dr Lee", "Hospital A");
    MedicalRecord rec = anna.upload(SmallFederation.observation("1")).record();
    AccessGrant g = anna.grant(GrantRequest.treatment(lee.id()));
    lee.read(rec.id());
    return new Read(lee, g, anna.accessEvents().get(0).id());
  }

  @Test
  void reencryptsOnlyForAFinalEventAndARemoteClientOnlyForItsOwn() {
    Read read = annaGrantsLeeAndLeeReads();
    ClinicianClient lee = read.lee();
    ClinicianClient okafor = f.registerClinician("Dr Okafor", "Hospital B");
    AccessGrant g = read.grant();
    Digest event = read.event();
    Identity server = firstServer();
    FederationServer node = f.federationNodes().get(0);
    ProxyService s = new ProxyService(node.ledger(), server.id(), server.secretEncryptionKey(), metrics,
        id -> f.directory().lookup(id));
    s.replay();
    assertTrue(s.holds(g.id()), "the service took its fragment of the grant");
    assertFalse(s.holds(event), "an access event is no grant");

    assertEquals(server.id().toHex(), timed(s, event, Optional.empty(), true).proxyId());
    assertEquals(server.id().toHex(), timed(s, event, Optional.of(lee.id()), true).proxyId());
    assertEquals(2, calls.size());

    AccessRefusedException notOwn = assertThrows(AccessRefusedException.class,
        () -> timed(s, event, Optional.of(okafor.id()), false));
    assertEquals(AccessRight.GRANTEE, notOwn.missingRight());
    assertTrue(notOwn.getMessage().contains("access event " + event + " is not " + okafor.id() + "'s own"),
        notOwn.getMessage());

    Digest unknown = Sha256.hash(new byte[] {3});
    AccessRefusedException none = assertThrows(AccessRefusedException.class,
        () -> timed(s, unknown, Optional.of(lee.id()), false));
    assertEquals(AccessRight.ACCESS_EVENT, none.missingRight());
    assertTrue(none.getMessage().contains("on the ledger of proxy " + server.id()), none.getMessage());
    assertEquals(4, calls.size(), "every call is counted");
  }

  /** The identity of the federation server {@code id}, found among the first keys the federation drew. */
  private static Identity drawn(ParticipantId id) {
    SecureRandom r = SmallFederation.seeded(SEED);
    for (int i = 0; i < 32; i++) {
      Identity x = Identity.generate(ParticipantKind.FEDERATION_SERVER, "server", r);
      if (x.id().equals(id)) {
        return x;
      }
    }
    throw new AssertionError("no key of " + id + " among the first 32 drawn");
  }

  @Test
  void aProxyWhoseServerWasRemovedReencryptsNothing() {
    Read read = annaGrantsLeeAndLeeReads();
    ClinicianClient lee = read.lee();
    AccessGrant g = read.grant();
    Digest event = read.event();
    Identity server = firstServer();
    ProxyService s = new ProxyService(f.federationNodes().get(0).ledger(), server.id(), server.secretEncryptionKey(),
        metrics, id -> f.directory().lookup(id));
    s.replay();
    assertTrue(s.holds(g.id()));
    timed(s, event, Optional.of(lee.id()), true);

    Identity other = drawn(f.federationNodes().get(1).id());
    io.medledger.chain.MembershipChange remove = new io.medledger.chain.MembershipChange(
        io.medledger.chain.MembershipChange.Operation.REMOVE, ParticipantKind.FEDERATION_SERVER, server.publicKey(),
        Optional.empty(), System.currentTimeMillis(), List.of());
    f.connection().submit(io.medledger.chain.Entry.sign(remove, f.connection().parameters().chainId(),
        server.secretSigningKey(), other.secretSigningKey())).join();
    io.medledger.pre.EnvelopeException e = assertThrows(io.medledger.pre.EnvelopeException.class,
        () -> timed(s, event, Optional.of(lee.id()), false));
    assertTrue(e.getMessage().contains("not an active federation server"), e.getMessage());
  }

  @Test
  void aRemoteClientsReencryptionsAreBoundedPerClientAndRefillWithTime(@TempDir Path dir) {
    PatientClient anna = f.registerPatient("Anna");
    ClinicianClient lee = f.registerClinician("Dr Lee", "Hospital A");
    ClinicianClient kim = f.registerClinician("Dr Kim", "Hospital A");
    MedicalRecord rec = anna.upload(SmallFederation.observation("1")).record();
    anna.grant(GrantRequest.treatment(lee.id()));
    anna.grant(GrantRequest.treatment(kim.id()));
    lee.read(rec.id());
    kim.read(rec.id());
    byte[] byLee = reencryptRequest(anna, lee.id());
    byte[] byKim = reencryptRequest(anna, kim.id());
    Identity server = firstServer();
    FederationServer node = f.federationNodes().get(0);
    AtomicLong now = new AtomicLong(1_000_000);
    ProxyService s = new ProxyService(node.ledger(), server.id(), server.secretEncryptionKey(), metrics,
        id -> f.directory().lookup(id), now::get);
    s.replay();
    LedgerRequests requests = new LedgerRequests(node.ledger(), "proxy-service-test", "p", k -> false,
        KeyCardStore.open(dir), s, 1 << 20);

    for (int i = 0; i < ProxyService.REENCRYPTION_BURST; i++) {
      assertEquals(ClientWire.OK, requests.handle(lee.identity().publicKey(), byLee)[0], "re-encryption " + i);
    }
    int computed = calls.size();
    byte[] over = requests.handle(lee.identity().publicKey(), byLee);
    assertEquals(ClientWire.REFUSED, over[0], "one past the burst");
    assertEquals(SubmissionRefusedException.Cause.BUSY.ordinal(), over[1]);
    assertEquals(computed, calls.size(), "a request over the budget costs no re-encryption");
    assertEquals(ClientWire.OK, requests.handle(kim.identity().publicKey(), byKim)[0], "another client is served");
    now.addAndGet(1000);
    assertEquals(ClientWire.OK, requests.handle(lee.identity().publicKey(), byLee)[0], "the budget refills with time");
  }

  private static byte[] reencryptRequest(PatientClient patient, ParticipantId reader) {
    Digest event = patient.accessEvents().stream().filter(e -> e.accessor().equals(reader)).findFirst().orElseThrow().id();
    return new LedgerWire.Writer(ClientWire.REENCRYPT).digest(event).toBytes();
  }

  /**
   * A regulator's erasure of a record (which revokes no grant: only the patient signs revocations)
   * drops the service's fragments of the grants whose scope is exactly that record, as the
   * in-process proxies do and the erasure report says, also when the blocks are replayed; broader
   * grants stay.
   */
  @Test
  void anErasureDropsTheFragmentsOfGrantsScopedToExactlyThatRecord() {
    PatientClient anna = f.registerPatient("Anna");
    ClinicianClient lee = f.registerClinician("Dr Lee", "Hospital A");
    MedicalRecord rec = anna.upload(SmallFederation.observation("1")).record();
    AccessGrant scoped = anna.grant(GrantRequest.treatment(lee.id()).scope(AccessScope.records(rec.id())));
    AccessGrant broad = anna.grant(GrantRequest.treatment(lee.id()));
    Identity server = firstServer();
    FederationServer node = f.federationNodes().get(0);
    ProxyService live = new ProxyService(node.ledger(), server.id(), server.secretEncryptionKey(), metrics,
        id -> f.directory().lookup(id));
    live.replay();
    assertTrue(live.holds(scoped.id()) && live.holds(broad.id()));
    AuditorClient regulator = f.regulator("Health Regulator");
    long before = node.ledger().height();

    regulator.orderErasure(rec.id());
    for (long h = before + 1; h <= node.ledger().height(); h++) {
      live.onBlock(node.ledger().block(h).block());
    }
    assertFalse(live.holds(scoped.id()), "the fragment of the grant scoped to the erased record is dropped");
    assertTrue(live.holds(broad.id()), "a grant covering other records stays");

    ProxyService restarted = new ProxyService(node.ledger(), server.id(), server.secretEncryptionKey(), metrics,
        id -> f.directory().lookup(id));
    restarted.replay();
    assertFalse(restarted.holds(scoped.id()), "nor taken again when the blocks are replayed");
    assertTrue(restarted.holds(broad.id()));
  }
}
