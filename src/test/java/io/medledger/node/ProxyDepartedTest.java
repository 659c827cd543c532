package io.medledger.node;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.medledger.access.ParticipantId;
import io.medledger.access.ParticipantKind;
import io.medledger.access.Purpose;
import io.medledger.chain.AccessGrant;
import io.medledger.chain.AccessScope;
import io.medledger.chain.ChainFixture;
import io.medledger.chain.ChainFixture.Actor;
import io.medledger.chain.Entry;
import io.medledger.client.Identity;
import io.medledger.client.KeyCard;
import io.medledger.codec.ByteString;
import io.medledger.pre.SecretKey;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import org.junit.jupiter.api.Test;

/**
 * What a proxy keeps about grants waiting for their parties' keys goes when the grantee is removed
 * or the grant expires, and what it holds waiting for one grantee is bounded without losing a grant.
 */
class ProxyDepartedTest {
  private final ChainFixture f = ChainFixture.create();
  private final Actor server = f.federation.get(0);
  private final Actor doc = f.actor("dr");
  private final Map<ParticipantId, KeyCard> cards = new ConcurrentHashMap<>();

  ProxyDepartedTest() {
    // the proxy checks grants against its real clock when a party's keys come: grants made ten
    // minutes ago are in force for a year
    f.clock.set(Math.max(f.now(), System.currentTimeMillis() - 600_000));
  }

  private ProxyService service(int maxWaitingPerGrantee) {
    ProxyService s = new ProxyService(f.ledger, server.id(), SecretKey.random(), new NodeMetrics() {},
        id -> Optional.ofNullable(cards.get(id)), () -> 0L, maxWaitingPerGrantee);
    s.replay();
    return s;
  }

  /** {@code n} patients registered, and the clinician. */
  private List<Actor> patients(int n) {
    List<Actor> patients = new ArrayList<>();
    List<Entry> registrations = new ArrayList<>(List.of(f.registerClinician(doc, f.hospitalA)));
    for (int i = 0; i < n; i++) {
      patients.add(f.actor("patient-" + i));
      registrations.add(f.registerPatient(patients.get(i)));
    }
    f.commit(registrations);
    return patients;
  }

  /** A grant of {@code patient} to the clinician, naming the server as proxy, valid for {@code validity}. */
  private AccessGrant grant(Actor patient, Duration validity) {
    return f.sign(new AccessGrant(patient.id(), doc.id(), AccessScope.all(), Purpose.TREATMENT, f.now(),
        f.now() + validity.toMillis(), List.of(server.id()), 1, List.of(ByteString.of(new byte[32])), f.now(),
        List.of()), patient);
  }

  private List<AccessGrant> grantsOf(List<Actor> patients) {
    List<AccessGrant> grants = new ArrayList<>();
    for (Actor p : patients) {
      grants.add(grant(p, Duration.ofDays(365)));
    }
    f.commit(new ArrayList<>(grants));
    return grants;
  }

  /**
   * Patients grant to a clinician who never publishes keys, then its institution removes it: the
   * proxy kept every such grant waiting for good, though none can ever be served.
   */
  @Test
  void theWaitingGrantsOfARemovedGranteeGo() {
    List<AccessGrant> grants = grantsOf(patients(5));
    ProxyService s = service(ProxyService.MAX_WAITING_PER_GRANTEE);
    grants.forEach(g -> assertTrue(s.isWaiting(g.id())));
    s.onBlock(f.commit(f.removeAffiliate(doc, f.hospitalA)).block());
    assertEquals(0, s.waitingGrants(), "grants waiting for a removed grantee");
    assertEquals(0, service(ProxyService.MAX_WAITING_PER_GRANTEE).waitingGrants(), "nor after a replay");
  }

  /**
   * Patients grant to a clinician who never publishes keys, then governance removes its
   * institution: the clinician reads as removed, and the grants waiting for it go as for a removed
   * affiliate.
   */
  @Test
  void theWaitingGrantsToTheClinicianOfARemovedInstitutionGo() {
    Actor lab = f.actor("lab");
    f.commit(f.registerInstitution(lab, "Lab", io.medledger.access.InstitutionClass.C));
    List<Actor> patients = new ArrayList<>();
    List<Entry> registrations = new ArrayList<>(List.of(f.registerClinician(doc, lab)));
    for (int i = 0; i < 3; i++) {
      patients.add(f.actor("patient-" + i));
      registrations.add(f.registerPatient(patients.get(i)));
    }
    f.commit(registrations);
    List<AccessGrant> grants = grantsOf(patients);
    ProxyService s = service(ProxyService.MAX_WAITING_PER_GRANTEE);
    grants.forEach(g -> assertTrue(s.isWaiting(g.id())));
    s.onBlock(f.commit(f.removeInstitution(lab)).block());
    assertEquals(0, s.waitingGrants(), "grants waiting for the clinician of a removed institution");
    assertEquals(0, service(ProxyService.MAX_WAITING_PER_GRANTEE).waitingGrants(), "nor after a replay");
  }

  /** A grant waiting for keys whose validity ended stayed waiting until revoked, which may be never. */
  @Test
  void anExpiredWaitingGrantGoes() {
    Actor anna = patients(1).get(0);
    AccessGrant brief = grant(anna, Duration.ofMinutes(1));
    AccessGrant year = grant(anna, Duration.ofDays(365));
    f.commit(brief, year);
    ProxyService s = service(ProxyService.MAX_WAITING_PER_GRANTEE);
    assertTrue(s.isWaiting(brief.id()));
    f.clock.advance(Duration.ofMinutes(2));
    s.onBlock(f.commit(f.registerPatient(f.actor("bob"))).block());
    assertFalse(s.isWaiting(brief.id()), "past its validity by block time");
    assertTrue(s.isWaiting(year.id()));
    assertEquals(1, service(ProxyService.MAX_WAITING_PER_GRANTEE).waitingGrants(), "the same after a replay");
  }

  /**
   * Many patients grant to one clinician that has published no keys: the proxy held every grant
   * waiting for it. Now it holds at most the bound, and when the clinician's keys come the grants
   * beyond it are read back from the ledger, so none is lost.
   */
  @Test
  void theGrantsWaitingForOneGranteeAreBoundedAndNoneIsLostWhenItsKeysCome() {
    List<Actor> patients = patients(6);
    List<AccessGrant> grants = grantsOf(patients);
    ProxyService s = service(4);
    assertEquals(4, s.waitingGrants(), "at most the bound waits for one grantee");
    for (Actor p : patients) {
      cards.put(p.id(), card(p, ParticipantKind.PATIENT));
      s.retryWaiting(p.id());
    }
    assertEquals(4, s.waitingGrants(), "the patients' keys alone take none");
    cards.put(doc.id(), card(doc, ParticipantKind.CLINICIAN));
    s.retryWaiting(doc.id());
    assertEquals(0, s.waitingGrants());
    for (AccessGrant g : grants) {
      // each is tried: taken, or refused for its made-up fixture fragment
      assertTrue(s.holds(g.id()) || s.problem(g.id()).isPresent(), "grant of " + g.patient() + " is tried");
    }
  }

  private static KeyCard card(Actor a, ParticipantKind kind) {
    return Identity.of(kind, a.name(), a.key(), SecretKey.random(), SecretKey.random()).card();
  }
}
