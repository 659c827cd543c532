package io.medledger.chain;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.medledger.access.ParticipantKind;
import io.medledger.chain.ChainFixture.Actor;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * A patient registration needs a registrar's countersignature (an active institution, or an
 * active clinician of one) besides the patient's: a bookkeeper that makes up registrations of keys
 * it holds has each of them refused at admission and by the validation every audit server runs
 * before it votes; below the chain's {@code registrarsFrom} height the patient's signature alone
 * still does, so a chain begun before the rule replays.
 */
class RegistrarRuleTest {
  ChainFixture f;
  Actor doc;
  Actor gone;
  Actor researcher;
  Actor carol;

  @BeforeEach
  void setUp() {
    f = ChainFixture.builder().federationServers(4).auditServers(1).build();
    doc = f.actor("dr-a");
    gone = f.actor("dr-gone");
    researcher = f.actor("researcher");
    carol = f.actor("carol");
    f.commit(f.registerClinician(doc, f.hospitalA), f.registerClinician(gone, f.hospitalA),
        f.registerAffiliate(researcher, f.hospitalB, ParticipantKind.RESEARCHER));
    f.commit(f.removeAffiliate(gone, f.hospitalA));
  }

  private PatientRegistration carol(Actor... signers) {
    return f.sign(new PatientRegistration(carol.publicKey(), f.now(), List.of()), signers);
  }

  /**
   * {@code e} is refused with {@code reasonPart} at admission and, put in a block by a bookkeeper
   * that skips admission, by block validation (what every audit server runs before it votes).
   */
  private void refusedEverywhere(Entry e, String reasonPart) {
    ValidationResult<Entry> admission = f.ledger.checkEntry(e);
    assertFalse(admission.isAccepted(), "admitted");
    assertTrue(admission.reason().contains(reasonPart), admission.reason());
    ValidationResult<VerifiedBlock> audit = f.ledger.validate(f.rawBlock(List.of(e)));
    assertFalse(audit.isAccepted(), "validated");
    assertTrue(audit.reason().contains(reasonPart), audit.reason());
  }

  private void acceptedEverywhere(Entry e) {
    ValidationResult<Entry> admission = f.ledger.checkEntry(e);
    assertTrue(admission.isAccepted(), () -> admission.reason());
    ValidationResult<VerifiedBlock> audit = f.ledger.validate(f.rawBlock(List.of(e)));
    assertTrue(audit.isAccepted(), () -> audit.reason());
  }

  @Test
  void aRegistrationSignedByThePatientAloneIsRefused() {
    refusedEverywhere(carol(carol), "needs a registrar's endorsement");
  }

  @Test
  void aRegistrationCountersignedByTheBookkeeperInsteadOfARegistrarIsRefused() {
    Actor bookkeeper = f.federation.get(0);
    refusedEverywhere(carol(carol, bookkeeper), "is a federation_server; registrars are");
  }

  @Test
  void aRegistrarThatIsNotAnActiveParticipantIsRefused() {
    refusedEverywhere(carol(carol, f.actor("made-up-desk")), "is not a registered participant");
  }

  @Test
  void aRemovedClinicianIsNoLongerARegistrar() {
    refusedEverywhere(carol(carol, gone), "is no longer an active clinician");
  }

  @Test
  void aResearcherOrStorageNodeIsNotARegistrar() {
    refusedEverywhere(carol(carol, researcher), "is a researcher; registrars are");
    refusedEverywhere(carol(carol, f.storageNode), "is a storage_node; registrars are");
  }

  @Test
  void aRegistrarCannotRegisterAKeyWhosePatientDidNotSign() {
    refusedEverywhere(carol(f.hospitalA), "must be signed by the patient");
    refusedEverywhere(carol(doc, f.hospitalA), "must be signed by the patient");
  }

  @Test
  void onlyOneRegistrarCountersigns() {
    refusedEverywhere(carol(carol, f.hospitalA, doc), "the patient and one registrar");
  }

  @Test
  void aRegistrarsSignatureOverOtherBytesIsRefused() {
    PatientRegistration patientSigned = carol(carol);
    List<Endorsement> ens = new ArrayList<>(patientSigned.endorsements());
    // the registrar signed another registration (a bookkeeper copies a real countersignature)
    PatientRegistration other = f.registerPatient(f.actor("dave"));
    ens.add(other.endorsements().stream().filter(en -> en.signer().equals(f.hospitalA.publicKey())).findFirst()
        .orElseThrow());
    ens.sort(null);
    refusedEverywhere(patientSigned.withEndorsements(ens), "missing or invalid signature");
    // and one over arbitrary bytes
    List<Endorsement> arbitrary = new ArrayList<>(patientSigned.endorsements());
    arbitrary.add(Endorsement.sign(f.hospitalA.key(), "carol".getBytes(StandardCharsets.UTF_8)));
    arbitrary.sort(null);
    refusedEverywhere(patientSigned.withEndorsements(arbitrary), "missing or invalid signature");
  }

  @Test
  void anInstitutionOrOneOfItsActiveCliniciansRegistersAPatient() {
    acceptedEverywhere(carol(carol, f.hospitalA));
    acceptedEverywhere(carol(carol, f.clinic));
    acceptedEverywhere(carol(carol, doc));
    f.commit(carol(carol, doc));
    assertEquals(ParticipantKind.PATIENT, f.ledger.participant(carol.id()).orElseThrow().kind());
  }

  @Test
  void belowTheActivationHeightThePatientsSignatureAloneStillDoesSoAnOlderChainReplays() {
    ChainFixture old = ChainFixture.builder().registrarsFrom(3).build(); // genesis is block 0
    old.commit(old.registerClinician(doc, old.hospitalA));
    Actor eve = old.actor("eve");
    PatientRegistration selfSigned = old.sign(new PatientRegistration(eve.publicKey(), old.now(), List.of()), eve);
    assertTrue(old.ledger.checkEntry(selfSigned).isAccepted());
    old.commit(selfSigned, old.registerPatient(old.actor("frank"), doc)); // block 2: both forms
    ValidationResult<Entry> late = old.ledger.checkEntry(
        old.sign(new PatientRegistration(carol.publicKey(), old.now(), List.of()), carol));
    assertFalse(late.isAccepted());
    assertTrue(late.reason().contains("needs a registrar's endorsement"), late.reason());
    // every check but the bookkeeper's, replayed: with the chain's parameters, and without them
    Ledger again = Ledger.builder(old.params).store(old.storeCopy()).clock(old.clock)
        .certificatePolicy(CertificatePolicy.auditQuorum()).replay(Ledger.ReplayMode.FULL).open();
    assertEquals(old.ledger.tip(), again.tip());
    LedgerReplayException e = assertThrows(LedgerReplayException.class, () -> Ledger.builder(old.params
        .withRegistrarsFrom(0)).store(old.storeCopy()).clock(old.clock).certificatePolicy(CertificatePolicy.auditQuorum())
        .replay(Ledger.ReplayMode.FULL).open());
    assertEquals(2, e.height());
    assertTrue(e.getMessage().contains("needs a registrar's endorsement"), e.getMessage());
  }
}
