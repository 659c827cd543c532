package io.medledger.client;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.medledger.access.ParticipantId;
import io.medledger.access.ParticipantKind;
import io.medledger.anchor.AnchorCommitment;
import io.medledger.anchor.AnchorReceipt;
import io.medledger.anchor.ReceiptVerdict;
import io.medledger.chain.AccessEvent;
import io.medledger.chain.BlockHeader;
import io.medledger.chain.CertifiedBlock;
import io.medledger.chain.LedgerInclusionProof;
import io.medledger.chain.MedicalRecord;
import io.medledger.chain.PageRequest;
import io.medledger.chain.PatientHistoryProof;
import io.medledger.chain.RecordQuery;
import io.medledger.crypto.Digest;
import io.medledger.crypto.Sha256;
import io.medledger.federation.Federation;
import io.medledger.federation.RegtestChain;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * What an auditor's verdicts rest on: the whole chain is verified up to the tip, every node whose
 * tip differs is named, an inclusion proof counts only against a header of this chain, a receipt
 * only for a commitment to this chain's header at its height, an access trail only with a history
 * proof that verifies and agrees with the index, and only an active regulator orders an erasure.
 */
class AuditorClientTest {
  private final Federation f = SmallFederation.builder("auditor-client-test", 11).regulator("Regulator").build();
  private final PatientClient anna = f.registerPatient("Anna");
  private final MedicalRecord record = anna.upload(SmallFederation.observation("1")).record();
  private final AuditorClient auditor = f.auditor("Auditor");

  @AfterEach
  void close() {
    f.close();
  }

  private BlockHeader tip() {
    LedgerConnection c = f.connection();
    return c.block(c.height()).header();
  }

  @Test
  void theChainIsVerifiedUpToItsTip() {
    ChainReport r = auditor.verifyChain();
    assertTrue(r.valid(), r.toString());
    assertEquals(f.connection().height() + 1, r.blocks(), "every block, the tip included");
    assertEquals(Optional.of(tip().hash()), r.tipHash());
    assertEquals(List.of(), r.disagreeingNodes());
    assertEquals(Optional.empty(), r.problem());
  }

  @Test
  void everyNodeWhoseTipDiffersIsNamedOnlineOrNot() {
    LedgerConnection real = f.connection();
    Digest tip = tip().hash();
    Digest other = Sha256.hash(new byte[] {1});
    ParticipantId agrees = ParticipantId.of(Identity.generate(ParticipantKind.FEDERATION_SERVER, "a", SmallFederation.seeded(1)).publicKey());
    ParticipantId lags = ParticipantId.of(Identity.generate(ParticipantKind.FEDERATION_SERVER, "b", SmallFederation.seeded(2)).publicKey());
    ParticipantId down = ParticipantId.of(Identity.generate(ParticipantKind.FEDERATION_SERVER, "c", SmallFederation.seeded(3)).publicKey());
    LedgerConnection c = Connections.lying(real, Map.of("serverTips", a -> List.of(
        new LedgerConnection.ServerTip(agrees, true, Optional.of(tip)),
        new LedgerConnection.ServerTip(lags, true, Optional.of(other)),
        new LedgerConnection.ServerTip(down, false, Optional.empty()))));
    ChainReport r = AuditorClient.open(c, Identity.generate(ParticipantKind.AUDIT_SERVER, "x", SmallFederation.seeded(4))).verifyChain();
    assertTrue(r.valid());
    assertEquals(List.of(lags + " (tip differs)", down + " (offline, tip differs)"), r.disagreeingNodes());
  }

  @Test
  void aCopyWithABlockLeftOutFailsAtThatHeight() {
    LedgerConnection c = f.connection();
    List<CertifiedBlock> blocks = new ArrayList<>();
    for (long h = 0; h <= c.height(); h++) {
      blocks.add(c.block(h));
    }
    assertTrue(blocks.size() >= 3);
    ChainReport whole = auditor.verify(blocks);
    assertTrue(whole.valid());
    assertEquals(blocks.size(), whole.blocks());
    blocks.remove(1);
    ChainReport gap = auditor.verify(blocks);
    assertFalse(gap.valid());
    assertEquals(1, gap.blocks(), "the failure is at height 1");
    assertTrue(gap.problem().isPresent());
    assertEquals(Optional.empty(), gap.tipHash());
  }

  /**
   * A mirror serves a whole chain of its own making under this chain's name (so the same chain
   * id): its own genesis block with servers whose keys it holds, every block certified by them.
   * Every rule holds inside that copy; only its genesis is not this chain's.
   */
  @Test
  void aCopyGrownFromAnotherGenesisUnderThisChainsNameIsRefused() {
    List<CertifiedBlock> forged = new ArrayList<>();
    try (Federation mirror = SmallFederation.builder("auditor-client-test", 99).build()) {
      mirror.registerPatient("Made-up").upload(SmallFederation.observation("9"));
      LedgerConnection m = mirror.connection();
      assertEquals(f.connection().parameters().chainId(), m.parameters().chainId());
      for (long h = 0; h <= m.height(); h++) {
        forged.add(m.block(h));
      }
    }
    ChainReport r = auditor.verify(forged);
    assertFalse(r.valid(), r.toString());
    assertEquals(0, r.blocks());
    assertTrue(r.problem().orElseThrow().contains("genesis"), r.problem().orElseThrow());
  }

  @Test
  void anInclusionProofCountsOnlyAgainstAHeaderOfThisChainUpToItsTip() {
    QueryPage page = auditor.query().records(RecordQuery.all(), PageRequest.first(10).proving());
    BlockHeader at = page.provedAgainst().orElseThrow();
    LedgerInclusionProof proof = page.items().get(0).proof().orElseThrow();
    assertEquals(tip(), at, "proved against the tip");
    assertTrue(auditor.verifyInclusion(proof, at));
    // a node that claims a shorter chain: the tip header is not on it
    LedgerConnection shorter = Connections.lying(f.connection(), Map.of("height", a -> at.height() - 1));
    AuditorClient behind = AuditorClient.open(shorter, Identity.generate(ParticipantKind.AUDIT_SERVER, "y", SmallFederation.seeded(5)));
    assertFalse(behind.verifyInclusion(proof, at));
    // a later header of this chain, which the proof is not for
    anna.upload(SmallFederation.observation("2"));
    BlockHeader later = tip();
    assertNotEquals(at, later);
    assertFalse(auditor.verifyInclusion(proof, later));
    // the same proof and height, but a header of another chain
    try (Federation other = SmallFederation.builder("another-chain", 12).build()) {
      PatientClient bob = other.registerPatient("Bob");
      LedgerConnection o = other.connection();
      for (int i = 3; o.height() < at.height(); i++) {
        bob.upload(SmallFederation.observation(Integer.toString(i)));
      }
      BlockHeader foreign = o.block(at.height()).header();
      assertFalse(auditor.verifyInclusion(proof, foreign));
    }
  }

  @Test
  void aReceiptCountsOnlyForACommitmentToThisChainsHeaderAtItsHeight() {
    RegtestChain bitcoin = new RegtestChain(SmallFederation.seeded(3));
    f.anchor(bitcoin);
    AnchorReceipt r = anna.records().get(0).anchorReceipt().orElseThrow();
    assertInstanceOf(ReceiptVerdict.Anchored.class, auditor.verifyReceipt(r, bitcoin));
    AnchorCommitment c = r.commitment();
    anna.upload(SmallFederation.observation("2"));
    long height = f.connection().height();
    assertTrue(c.height() < height);
    Digest chainId = f.parameters().chainId();
    BlockHeader tip = tip();
    Digest other = Sha256.hash(new byte[] {2});
    assertEquals("the commitment is not to this chain",
        invalid(auditor.verifyReceipt(with(r, new AnchorCommitment(other, c.height(), c.logSize(), c.logRoot())), bitcoin)));
    assertEquals("the commitment is not to this chain",
        invalid(auditor.verifyReceipt(with(r, new AnchorCommitment(chainId, height + 1, c.logSize(), c.logRoot())), bitcoin)));
    // the root of header c.height(), but another size; the size of header c.height(), but another root
    assertEquals("the commitment does not match header " + height + " of this chain", invalid(auditor.verifyReceipt(
        with(r, new AnchorCommitment(chainId, height, c.logSize(), tip.ledgerRoot())), bitcoin)));
    assertEquals("the commitment does not match header " + c.height() + " of this chain", invalid(auditor.verifyReceipt(
        with(r, new AnchorCommitment(chainId, c.height(), c.logSize(), other)), bitcoin)));
    // a node whose tip is the anchored height itself still confirms the receipt
    LedgerConnection atAnchor = Connections.lying(f.connection(), Map.of("height", a -> c.height()));
    AuditorClient there = AuditorClient.open(atAnchor, Identity.generate(ParticipantKind.AUDIT_SERVER, "v", SmallFederation.seeded(9)));
    assertInstanceOf(ReceiptVerdict.Anchored.class, there.verifyReceipt(r, bitcoin));
  }

  private static AnchorReceipt with(AnchorReceipt r, AnchorCommitment c) {
    return AnchorReceipt.pending(r.entry(), r.logProof(), c);
  }

  private static String invalid(ReceiptVerdict v) {
    return assertInstanceOf(ReceiptVerdict.Invalid.class, v, v.toString()).reason();
  }

  @Test
  void anAccessTrailNeedsAHistoryProofThatVerifiesAndAgreesWithTheIndex() {
    anna.read(record.id());
    List<AccessEvent> trail = auditor.accessTrail(anna.id());
    assertEquals(1, trail.size());
    assertEquals(anna.accessEvents(), trail);
    assertEquals(record.id(), trail.get(0).record());
    LedgerConnection real = f.connection();
    // a history with its last sub-block left out does not verify
    LedgerConnection omitting = Connections.lying(real, Map.of("patientHistory", a -> {
      PatientHistoryProof p = real.patientHistory((ParticipantId) a[0]);
      return new PatientHistoryProof(p.key(), p.height(), p.head(), p.subBlocks().subList(0, p.subBlocks().size() - 1));
    }));
    // a hostile node's bad proof is a module exception (a MedLedgerException), not IllegalStateException
    UnverifiableAnswerException e = assertThrows(UnverifiableAnswerException.class,
        () -> AuditorClient.open(omitting, Identity.generate(ParticipantKind.AUDIT_SERVER, "z", SmallFederation.seeded(6)))
            .accessTrail(anna.id()));
    assertTrue(e.getMessage().contains("does not verify"), e.getMessage());
    // an index that lists fewer events than the proven history
    PatientClient li = f.registerPatient("Li");
    LedgerConnection hiding = Connections.lying(real, Map.of("accessEventsByPatient",
        a -> real.accessEventsByPatient(li.id(), (PageRequest) a[1])));
    UnverifiableAnswerException g = assertThrows(UnverifiableAnswerException.class,
        () -> AuditorClient.open(hiding, Identity.generate(ParticipantKind.AUDIT_SERVER, "w", SmallFederation.seeded(7)))
            .accessTrail(anna.id()));
    assertEquals("the index lists 0 access events up to height " + f.connection().patientHistory(anna.id()).height()
        + ", the proven history 1", g.getMessage());
    // an index that lists as many events, but another patient's
    PatientClient bo = f.registerPatient("Bo");
    bo.read(bo.upload(SmallFederation.observation("2")).id());
    LedgerConnection swapping = Connections.lying(real, Map.of("accessEventsByPatient",
        a -> real.accessEventsByPatient(bo.id(), (PageRequest) a[1])));
    UnverifiableAnswerException o = assertThrows(UnverifiableAnswerException.class,
        () -> AuditorClient.open(swapping, Identity.generate(ParticipantKind.AUDIT_SERVER, "v", SmallFederation.seeded(8)))
            .accessTrail(anna.id()));
    assertTrue(o.getMessage().contains("other access events"), o.getMessage());
  }

  /**
   * An auditor's client reads every patient's access trail and every record's metadata: opened with
   * the identity of a patient, clinician, researcher, institution or storage node, it served them
   * all (over an in-process connection nothing else checks the caller's kind).
   */
  @Test
  void onlyAnAuditorRegulatorOrServerIdentityOpensAnAuditorsClient() {
    for (ParticipantKind k : List.of(ParticipantKind.PATIENT, ParticipantKind.CLINICIAN, ParticipantKind.RESEARCHER,
        ParticipantKind.INSTITUTION, ParticipantKind.STORAGE_NODE)) {
      Identity id = Identity.generate(k, "not an auditor", SmallFederation.seeded(20 + k.ordinal()));
      IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
          () -> AuditorClient.open(f.connection(), id).accessTrail(anna.id()), k.label());
      assertTrue(e.getMessage().contains(k.label()), e.getMessage());
    }
    for (ParticipantKind k : List.of(ParticipantKind.AUDIT_SERVER, ParticipantKind.REGULATOR,
        ParticipantKind.FEDERATION_SERVER)) {
      Identity id = Identity.generate(k, "overseer", SmallFederation.seeded(30 + k.ordinal()));
      assertEquals(auditor.accessTrail(anna.id()), AuditorClient.open(f.connection(), id).accessTrail(anna.id()),
          k.label());
    }
  }

  @Test
  void onlyAnActiveRegulatorOrdersAnErasure() {
    assertFalse(auditor.isRegulator());
    assertTrue(auditor.toString().startsWith("AuditorClient["), auditor.toString());
    AccessRefusedException e = assertThrows(AccessRefusedException.class, () -> auditor.orderErasure(record.id()));
    assertEquals(AccessRight.REGULATOR_ROLE, e.missingRight());
    // a regulator's identity that the ledger does not list as an active regulator
    AuditorClient unlisted = AuditorClient.open(f.connection(),
        Identity.generate(ParticipantKind.REGULATOR, "Self-appointed", SmallFederation.seeded(8)));
    assertTrue(unlisted.isRegulator());
    AccessRefusedException u = assertThrows(AccessRefusedException.class, () -> unlisted.orderErasure(record.id()));
    assertEquals(AccessRight.REGULATOR_ROLE, u.missingRight());
    assertFalse(f.connection().isErased(record.id()));
    AuditorClient regulator = f.regulator("Regulator");
    assertTrue(regulator.isRegulator());
    assertTrue(regulator.toString().startsWith("RegulatorClient["), regulator.toString());
    ErasureReport done = regulator.orderErasure(record.id());
    assertEquals(regulator.id(), done.erasedBy());
    assertTrue(f.connection().isErased(record.id()));
  }
}
