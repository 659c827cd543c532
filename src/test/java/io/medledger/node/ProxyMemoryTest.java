package io.medledger.node;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.medledger.access.Purpose;
import io.medledger.chain.AccessGrant;
import io.medledger.chain.AccessScope;
import io.medledger.chain.ChainFixture;
import io.medledger.chain.ChainFixture.Actor;
import io.medledger.chain.Entry;
import io.medledger.chain.MedicalRecord;
import io.medledger.pre.SecretKey;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/**
 * What a node's proxy service remembers about grants is bounded by the grants the ledger lets the
 * patients hold unrevoked, not by every grant ever made: a patient granting and revoking again
 * and again leaves nothing behind in the proxy's memory.
 */
class ProxyMemoryTest {
  private static final int CYCLES = 30;

  @Test
  void aGrantScopedToOneRecordIsForgottenOnceRevoked() {
    ChainFixture f = ChainFixture.create();
    // the proxy checks grants against its real clock: grants made ten minutes ago are in force
    f.clock.set(Math.max(f.now(), System.currentTimeMillis() - 600_000));
    Actor server = f.federation.get(0);
    Actor doc = f.actor("dr");
    Actor anna = f.actor("anna");
    f.commit(f.registerClinician(doc, f.hospitalA), f.registerPatient(anna));
    MedicalRecord rec = f.record(anna, anna, null, "Observation", "payload");
    f.commit(rec);
    ProxyService s = service(f, server);
    s.replay();

    for (int i = 0; i < CYCLES; i++) {
      AccessGrant g = oneRecordGrant(f, anna, doc, server, rec);
      commit(f, s, g);
      commit(f, s, f.revoke(anna, g));
      assertFalse(s.isWaiting(g.id()));
    }
    assertEquals(0, s.scopedGrants(), "grants remembered after " + CYCLES + " grants, each revoked");
    assertEquals(0, restarted(f, server).scopedGrants(), "nor remembered when the blocks are replayed");

    AccessGrant open = oneRecordGrant(f, anna, doc, server, rec);
    commit(f, s, open);
    assertEquals(1, s.scopedGrants(), "an unrevoked grant is remembered for an erasure of its record");
    assertEquals(1, restarted(f, server).scopedGrants());
    commit(f, s, f.erase(anna, rec));
    assertEquals(0, s.scopedGrants(), "the erasure of the record drops its grant");
    assertFalse(s.isWaiting(open.id()));
    assertTrue(s.problem(open.id()).isEmpty());
  }

  private static AccessGrant oneRecordGrant(ChainFixture f, Actor patient, Actor grantee, Actor proxy, MedicalRecord rec) {
    return f.grantWithProxies(patient, grantee, Purpose.TREATMENT, AccessScope.records(rec.id()), List.of(proxy), 1);
  }

  private static void commit(ChainFixture f, ProxyService s, Entry e) {
    s.onBlock(f.commit(e).block());
  }

  private static ProxyService service(ChainFixture f, Actor server) {
    return new ProxyService(f.ledger, server.id(), SecretKey.random(), new NodeMetrics() {}, id -> Optional.empty());
  }

  private static ProxyService restarted(ChainFixture f, Actor server) {
    ProxyService s = service(f, server);
    s.replay();
    return s;
  }
}
