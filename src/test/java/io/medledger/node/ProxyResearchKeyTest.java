package io.medledger.node;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.medledger.access.ParticipantId;
import io.medledger.access.ParticipantKind;
import io.medledger.access.Purpose;
import io.medledger.chain.AccessGrant;
import io.medledger.chain.AccessScope;
import io.medledger.chain.ChainFixture;
import io.medledger.chain.ChainFixture.Actor;
import io.medledger.chain.KeyPublication;
import io.medledger.client.Identity;
import io.medledger.client.KeyCard;
import io.medledger.codec.ByteString;
import io.medledger.pre.GrantKeyMaterial;
import io.medledger.pre.ProxyKey;
import io.medledger.pre.SecretKey;
import io.medledger.pre.Signer;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/**
 * A node's proxy takes a research grant's fragments only if they were made from the patient's
 * research key (published on the ledger or in its key card), and a treatment grant's only from
 * its encryption key: a research fragment made from the encryption key, which could re-encrypt
 * full payloads, is refused.
 */
class ProxyResearchKeyTest {
  private final ChainFixture f = ChainFixture.builder().build();
  private final Actor server = f.federation.get(0);
  private final SecretKey proxyKey = SecretKey.random();
  private final SecretKey enc = SecretKey.random();
  private final SecretKey frag = SecretKey.random();
  private final SecretKey research = SecretKey.random();
  private final SecretKey researcherKey = SecretKey.random();
  private final SecretKey clinicianKey = SecretKey.random();

  private AccessGrant grant(Actor patient, Actor grantee, Purpose purpose, SecretKey from, SecretKey granteeKey) {
    GrantKeyMaterial km = GrantKeyMaterial.create(from, new Signer(frag), granteeKey.publicKey(),
        List.of(new ProxyKey(server.id().toHex(), proxyKey.publicKey())), 1);
    return f.sign(new AccessGrant(patient.id(), grantee.id(), AccessScope.all(), purpose, f.now(),
        f.now() + Duration.ofDays(365).toMillis(), List.of(server.id()), 1,
        km.fragments().stream().map(x -> ByteString.of(x.toBytes())).toList(), f.now(), List.of()), patient);
  }

  private void check(boolean onLedger) {
    f.clock.set(Math.max(f.now(), System.currentTimeMillis() - 600_000)); // the proxy checks with its real clock
    Actor patient = f.actor("patient");
    Actor rita = f.actor("rita");
    Actor doc = f.actor("doc");
    f.commit(f.registerPatient(patient), f.registerAffiliate(rita, f.hospitalA, ParticipantKind.RESEARCHER),
        f.registerClinician(doc, f.hospitalA));
    Map<ParticipantId, KeyCard> cards = new java.util.HashMap<>();
    cards.put(rita.id(), Identity.of(ParticipantKind.RESEARCHER, "rita", rita.key(), researcherKey, SecretKey.random()).card());
    cards.put(doc.id(), Identity.of(ParticipantKind.CLINICIAN, "doc", doc.key(), clinicianKey, SecretKey.random()).card());
    if (onLedger) {
      f.commit(f.sign(new KeyPublication(patient.id(), ByteString.of(enc.publicKey().toBytes()),
          ByteString.of(frag.publicKey().toBytes()), Optional.of(ByteString.of(research.publicKey().toBytes())), f.now(),
          List.of()), patient));
    } else {
      cards.put(patient.id(), Identity.of(ParticipantKind.PATIENT, "patient", patient.key(), enc, frag, research).card());
    }
    AccessGrant fromResearch = grant(patient, rita, Purpose.RESEARCH, research, researcherKey);
    AccessGrant fromMain = grant(patient, rita, Purpose.RESEARCH, enc, researcherKey);
    AccessGrant treatment = grant(patient, doc, Purpose.TREATMENT, enc, clinicianKey);
    AccessGrant treatmentFromResearch = grant(patient, doc, Purpose.TREATMENT, research, clinicianKey);
    f.commit(fromResearch, fromMain, treatment, treatmentFromResearch);
    ProxyService s = new ProxyService(f.ledger, server.id(), proxyKey, new NodeMetrics() {},
        id -> Optional.ofNullable(cards.get(id)));
    s.replay();
    assertTrue(s.holds(fromResearch.id()), "a research fragment from the research key: " + s.problem(fromResearch.id()));
    assertFalse(s.holds(fromMain.id()), "a research fragment from the encryption key was taken");
    assertTrue(s.problem(fromMain.id()).orElse("").contains("does not verify"), s.problem(fromMain.id()).toString());
    assertTrue(s.holds(treatment.id()), "a treatment fragment from the encryption key: " + s.problem(treatment.id()));
    assertFalse(s.holds(treatmentFromResearch.id()), "a treatment fragment from the research key was taken");
  }

  @Test
  void aResearchFragmentMustComeFromTheResearchKeyOfTheKeyCard() {
    check(false);
  }

  @Test
  void aResearchFragmentMustComeFromTheResearchKeyPublishedOnTheLedger() {
    check(true);
  }

  @Test
  void aResearchFragmentOfTheMainKeyHeldBeforeTheUpgradeIsGivenUpWhenTheResearchKeyCommits() {
    f.clock.set(Math.max(f.now(), System.currentTimeMillis() - 600_000)); // the proxy checks with its real clock
    Actor patient = f.actor("patient");
    Actor rita = f.actor("rita");
    f.commit(f.registerPatient(patient), f.registerAffiliate(rita, f.hospitalA, ParticipantKind.RESEARCHER));
    Map<ParticipantId, KeyCard> cards = Map.of(rita.id(),
        Identity.of(ParticipantKind.RESEARCHER, "rita", rita.key(), researcherKey, SecretKey.random()).card());
    ByteString encKey = ByteString.of(enc.publicKey().toBytes());
    ByteString fragKey = ByteString.of(frag.publicKey().toBytes());
    f.commit(f.sign(new KeyPublication(patient.id(), encKey, fragKey, f.now(), List.of()), patient));
    AccessGrant before = grant(patient, rita, Purpose.RESEARCH, enc, researcherKey);
    f.commit(before);
    ProxyService s = new ProxyService(f.ledger, server.id(), proxyKey, new NodeMetrics() {},
        id -> Optional.ofNullable(cards.get(id)));
    s.replay();
    assertTrue(s.holds(before.id()), "taken while the patient had no research key: " + s.problem(before.id()));
    f.commit(f.sign(new KeyPublication(patient.id(), encKey, fragKey,
        Optional.of(ByteString.of(research.publicKey().toBytes())), f.now(), List.of()), patient));
    s.onBlock(f.ledger.block(f.ledger.height()).block());
    assertFalse(s.holds(before.id()), "a fragment of the main key still held for a research grant");
    assertTrue(s.problem(before.id()).orElse("").contains("the patient must grant again"), s.problem(before.id()).toString());
  }
}
