package io.medledger.node;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.medledger.access.ParticipantKind;
import io.medledger.chain.AccessEvent;
import io.medledger.chain.MedicalRecord;
import io.medledger.chain.PageRequest;
import io.medledger.client.AccessRefusedException;
import io.medledger.client.AccessRight;
import io.medledger.client.ClinicianClient;
import io.medledger.client.GrantRequest;
import io.medledger.client.Identity;
import io.medledger.client.PatientClient;
import io.medledger.crypto.Digest;
import io.medledger.internal.node.ClientWire;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The node's client-facing ledger services as a remote client meets them: unknown keys are
 * refused at the handshake, each request type is allowed per participant kind and a refusal names
 * the missing right, malformed requests are refused, and the answers are the ledger's.
 */
class RemoteClientTest {
  static final byte[] RECORD = ("{\"resourceType\":\"Observation\",\"id\":\"o1\",\"status\":\"final\","
      + "\"code\":{\"coding\":[{\"system\":\"http://loinc.org\",\"code\":\"4548-4\"}]},"
      + "\"subject\":{\"reference\":\"Patient/p1\"},\"valueQuantity\":{\"value\":5.6,\"unit\":\"%\"}}")
      .getBytes(StandardCharsets.UTF_8);
  @RegisterExtension
  static final RemoteFederation.Shared NET = new RemoteFederation.Shared();
  private final RemoteFederation net = NET.get();

  @Test
  void anUnknownKeyIsRefusedAtTheHandshake() {
    Identity stranger = Identity.generate(ParticipantKind.PATIENT, "Never registered");
    RemoteConnection c = net.connection(stranger);
    NodeException e = assertThrows(NodeException.class, c::height);
    assertEquals(NodeException.Reason.UNREACHABLE, e.reason());
    // every node refused it during the TLS handshake, before any request
    assertThrows(NodeException.class, () -> c.keyCard(stranger.id()));
    assertTrue(e.getMessage().contains("cannot reach node"), e.getMessage());
  }

  @Test
  void eachRequestTypeIsAllowedPerKindAndARefusalNamesTheMissingRight() throws Exception {
    PatientClient anna = net.registerPatient("Anna");
    PatientClient li = net.registerPatient("Li");
    ClinicianClient lee = net.registerClinician("Dr Lee", "Hospital A1");
    ClinicianClient other = net.registerClinician("Dr Other", "Hospital A2");
    MedicalRecord rec = anna.upload(RECORD).record();
    io.medledger.chain.AccessGrant granted = anna.grant(GrantRequest.treatment(lee.id()));
    assertArrayEquals(RECORD, lee.read(rec.id()));
    RemoteConnection asLee = net.connection(lee.identity());
    RemoteConnection asLi = net.connection(li.identity());
    RemoteConnection asOther = net.connection(other.identity());
    PageRequest first = PageRequest.first(10);
    // the audit trail: the patient, auditors and regulators only
    assertEquals(1, anna.accessEvents().size(), "the clinician's read is on the trail");
    AccessRefusedException clinician = assertThrows(AccessRefusedException.class,
        () -> asLee.accessEventsByPatient(anna.id(), first));
    assertEquals(AccessRight.AUDIT_TRAIL, clinician.missingRight(), clinician.getMessage());
    AccessRefusedException patient = assertThrows(AccessRefusedException.class,
        () -> asLi.accessEventsByPatient(anna.id(), first));
    assertEquals(AccessRight.AUDIT_TRAIL, patient.missingRight());
    assertEquals(1, net.operatorConnection().accessEventsByPatient(anna.id(), first).items().size());
    // re-encryption: readers only, and only for their own access event
    AccessEvent leesRead = anna.accessEvents().stream()
        .filter(e -> e.accessor().equals(lee.id())).findFirst().orElseThrow();
    io.medledger.access.ParticipantId proxy = net.operatorConnection().proxyKeys().stream()
        .map(k -> io.medledger.access.ParticipantId.fromHex(k.proxyId())).findFirst().orElseThrow();
    ExecutionException op = assertThrows(ExecutionException.class,
        () -> net.operatorConnection().reencrypt(proxy, leesRead.id()).get(20, TimeUnit.SECONDS));
    assertEquals(AccessRight.READER_ROLE, ((AccessRefusedException) op.getCause()).missingRight());
    ExecutionException notHis = assertThrows(ExecutionException.class,
        () -> asOther.reencrypt(proxy, leesRead.id()).get(20, TimeUnit.SECONDS));
    assertEquals(AccessRight.GRANTEE, ((AccessRefusedException) notHis.getCause()).missingRight(),
        notHis.getCause().getMessage());
    assertEquals(proxy.toHex(), asLee.reencrypt(proxy, leesRead.id()).get(20, TimeUnit.SECONDS).proxyId());
    // reads answer what the ledger holds
    Node n = net.nodes().get(0);
    assertEquals(n.ledger().height(), asLee.height(), 2);
    assertEquals(n.ledger().block(1).header().hash(), asLee.block(1).header().hash());
    assertEquals(rec, asLee.entry(rec.id()).orElseThrow());
    assertEquals(n.ledger().participant(lee.id()), asLee.participant(lee.id()));
    assertEquals(anna.identity().card(), asLee.keyCard(anna.id()).orElseThrow());
    io.medledger.chain.KeyPublication proxys = n.ledger().publishedKeys(proxy).orElseThrow();
    io.medledger.chain.QueryHit<io.medledger.chain.KeyPublication> keys = asLee.publishedKeys(proxy).orElseThrow();
    assertEquals(proxys, keys.entry());
    assertEquals(n.ledger().locate(proxys.id()).orElseThrow().ledgerIndex(), keys.ledgerIndex());
    assertEquals(java.util.Optional.empty(), asLee.publishedKeys(anna.id()), "Anna published her keys by card only");
    assertEquals(3, asLee.proxyKeys().size());
    assertEquals(2, asLee.threshold());
    assertEquals(net.parameters(), asLee.parameters());
    assertTrue(asLee.serverTips().stream().allMatch(t -> t.online() && t.tipHash().isPresent()));
    assertTrue(asLee.patientHistory(anna.id()).verify(asLee.block(asLee.patientHistory(anna.id()).height()).header())
        .isAccepted());
    // a grant's revocation, over the wire
    assertFalse(asLee.isGrantRevoked(granted.id()));
    assertFalse(asLee.isGrantRevoked(rec.id()), "no grant has that id");
    anna.revoke(granted.id());
    long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
    while (!asLee.isGrantRevoked(granted.id()) && System.nanoTime() < until) {
      Thread.sleep(20);
    }
    assertTrue(asLee.isGrantRevoked(granted.id()));
  }

  @Test
  void pagesAreBoundedAndContinueWhereTheyStopped() {
    PatientClient bo = net.registerPatient("Bo");
    for (int i = 0; i < 3; i++) {
      bo.upload(RECORD);
    }
    RemoteConnection asBo = net.connection(bo.identity());
    io.medledger.chain.RecordQuery q = io.medledger.chain.RecordQuery.all().patient(bo.id());
    var p1 = asBo.records(q, PageRequest.first(2).proving());
    assertEquals(2, p1.items().size());
    assertTrue(p1.items().stream().allMatch(h -> h.proof().orElseThrow().verify(p1.provedAgainst().orElseThrow())));
    var p2 = asBo.records(q, PageRequest.first(2).after(p1.nextCursor().getAsLong()));
    assertEquals(1, p2.items().size());
    assertTrue(p2.nextCursor().isEmpty());
    var huge = asBo.records(io.medledger.chain.RecordQuery.all(), PageRequest.first(PageRequest.MAX_LIMIT));
    assertTrue(huge.items().size() <= LedgerRequests.MAX_PAGE);
  }

  @Test
  void malformedAndUnknownRequestsAreRefused() throws Exception {
    Node n = net.nodes().get(0);
    NodeKeys op = NodeKeys.open(net.layout().directory().resolve("client-keys.json"),
        NodeKeys.passphrase(new NodeConfig.KeySource.File(net.layout().passphrase())));
    try (ClientChannel c = ClientChannel.connect(n.clientAddress().orElseThrow(), n.ledgerKey(),
        TlsIdentity.of(op.ledgerSecretKey()), TransportLimits.defaults())) {
      assertEquals(ClientWire.OK, c.request(new byte[] {ClientWire.HEIGHT}).get(10, TimeUnit.SECONDS)[0]);
      for (byte[] bad : List.of(new byte[] {ClientWire.HEIGHT, 0}, new byte[] {ClientWire.ENTRY, 1, 2},
          new byte[] {ClientWire.BLOCK}, new byte[] {62}, new byte[] {ClientWire.RECORDS, 7})) {
        assertThrows(ExecutionException.class, () -> c.request(bad).get(10, TimeUnit.SECONDS),
            "request " + java.util.Arrays.toString(bad));
      }
      byte[] noBlock = c.request(new io.medledger.internal.node.LedgerWire.Writer(ClientWire.BLOCK).i64(1L << 40).toBytes())
          .get(10, TimeUnit.SECONDS);
      assertEquals(ClientWire.REFUSED, noBlock[0]);
      assertTrue(c.isOpen(), "a refused request does not cost the connection");
    }
    assertTrue(net.operatorConnection().entry(Digest.of(new byte[32])).isEmpty());
  }
}
