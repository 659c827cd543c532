package io.medledger.chain;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.medledger.access.ParticipantKind;
import io.medledger.access.Purpose;
import io.medledger.chain.ChainFixture.Actor;
import io.medledger.codec.ByteString;
import io.medledger.codec.MalformedEncodingException;
import io.medledger.crypto.Digest;
import io.medledger.storage.InMemoryBlockStore;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Forged, unauthorized and damaged data is rejected with a reason (or a decoding exception). */
class TamperingTest {
  ChainFixture f;
  Actor alice;
  Actor doc;
  Actor otherDoc;

  @BeforeEach
  void setUp() {
    f = ChainFixture.builder().federationServers(4).auditServers(4).build();
    alice = f.actor("alice");
    doc = f.actor("dr-a");
    otherDoc = f.actor("dr-b");
    f.commit(f.registerPatient(alice), f.registerClinician(doc, f.hospitalA), f.registerClinician(otherDoc, f.hospitalB));
  }

  private String rejection(Entry... entries) {
    Block b = f.rawBlock(List.of(entries));
    ValidationResult<VerifiedBlock> r = f.ledger.validate(b);
    assertFalse(r.isAccepted(), "expected a rejection");
    return r.reason();
  }

  @Test
  void clinicianWithoutGrantCannotWrite() {
    String r = rejection(f.record(doc, alice, f.hospitalA, "Observation", "x"));
    assertTrue(r.contains("no active treatment grant"), r);
  }

  @Test
  void grantToAnotherInstitutionDoesNotAuthorize() {
    f.commit(f.grant(alice, f.hospitalA, Purpose.TREATMENT, AccessScope.all()));
    String r = rejection(f.record(otherDoc, alice, f.hospitalB, "Observation", "x"));
    assertTrue(r.contains("no active treatment grant"), r);
    // the clinician cannot claim an institution it does not belong to
    r = rejection(f.record(otherDoc, alice, f.hospitalA, "Observation", "x"));
    assertTrue(r.contains("does not belong"), r);
  }

  @Test
  void researchGrantOrWrongResourceTypeDoesNotAuthorizeWriting() {
    f.commit(f.grant(alice, f.hospitalA, Purpose.RESEARCH, AccessScope.all()),
        f.grant(alice, f.hospitalA, Purpose.TREATMENT, AccessScope.resourceTypes("Condition")));
    String r = rejection(f.record(doc, alice, f.hospitalA, "Observation", "x"));
    assertTrue(r.contains("no active treatment grant"), r);
    f.commit(f.record(doc, alice, f.hospitalA, "Condition", "ok"));
  }

  @Test
  void expiredGrantAuthorizesNothing() {
    AccessGrant g = f.grant(alice, f.hospitalA, Purpose.TREATMENT, AccessScope.all(), Duration.ofMinutes(5));
    f.commit(g);
    MedicalRecord rec = f.record(doc, alice, f.hospitalA, "Observation", "x");
    f.commit(rec);
    f.clock.advance(Duration.ofMinutes(10));
    String r = rejection(f.record(doc, alice, f.hospitalA, "Observation", "late"));
    assertTrue(r.contains("no active treatment grant"), r);
    r = rejection(f.accessEvent(doc, rec, g));
    assertTrue(r.contains("not valid at"), r);
  }

  @Test
  void revokedGrantAuthorizesNothing() {
    AccessGrant g = f.grant(alice, f.hospitalA, Purpose.TREATMENT, AccessScope.all());
    f.commit(g);
    MedicalRecord rec = f.record(doc, alice, f.hospitalA, "Observation", "x");
    f.commit(rec);
    f.commit(f.revoke(alice, g));
    assertTrue(rejection(f.record(doc, alice, f.hospitalA, "Observation", "y")).contains("no active treatment grant"));
    assertTrue(rejection(f.accessEvent(doc, rec, g)).contains("revoked before"));
    assertTrue(rejection(f.revoke(alice, g)).contains("already revoked"));
  }

  @Test
  void aReadDatedBeforeTheRevocationIsRefusedOnceTheRevocationIsFinal() {
    // The proxies refuse once a revocation is final and a read is logged before they answer, so
    // an event admitted after the revocation records a read that cannot have happened (issue 13, 3).
    AccessGrant g = f.grant(alice, f.hospitalA, Purpose.TREATMENT, AccessScope.all());
    f.commit(g);
    MedicalRecord rec = f.record(doc, alice, f.hospitalA, "Observation", "x");
    f.commit(rec);
    AccessEvent readEarlier = f.accessEvent(doc, rec, g);
    f.clock.advance(Duration.ofSeconds(1));
    f.commit(f.revoke(alice, g));
    assertTrue(rejection(readEarlier).contains("revoked before this block"));
    assertEquals(0, f.ledger.accessEventsByPatient(alice.id(), PageRequest.first(5)).items().size());
  }

  @Test
  void onlyThePatientGrantsAndRevokes() {
    AccessGrant forged = f.sign(new AccessGrant(alice.id(), f.hospitalA.id(), AccessScope.all(), Purpose.TREATMENT,
        f.now(), f.now() + 1000_000, List.of(), 0, List.of(), f.now(), List.of()), doc);
    assertTrue(rejection(forged).contains("must be signed by exactly"));
    AccessGrant g = f.grant(alice, f.hospitalA, Purpose.TREATMENT, AccessScope.all());
    f.commit(g);
    AccessRevocation byDoc = f.sign(new AccessRevocation(alice.id(), g.id(), f.now(), List.of()), doc);
    assertTrue(rejection(byDoc).contains("must be signed by exactly"));
  }

  @Test
  void theCertifiedPathSkipsOnlyEntrySignatures() {
    f.commit(f.grant(alice, f.hospitalA, Purpose.TREATMENT, AccessScope.all()));
    MedicalRecord rec = f.record(otherDoc, alice, f.hospitalB, "Observation", "y");
    Endorsement e = rec.endorsements().get(0);
    byte[] sig = e.signature().toByteArray();
    sig[7] ^= 1;
    MedicalRecord forged = rec.withEndorsements(List.of(new Endorsement(e.signer(), ByteString.of(sig))));
    MedicalRecord authorized = f.record(doc, alice, f.hospitalA, "Observation", "x");
    Endorsement a = authorized.endorsements().get(0);
    byte[] asig = a.signature().toByteArray();
    asig[7] ^= 1;
    MedicalRecord authorizedForged = authorized.withEndorsements(List.of(new Endorsement(a.signer(), ByteString.of(asig))));
    // a certified block is trusted for its signatures ...
    Block signaturesOnly = f.rawBlock(List.of(authorizedForged));
    assertTrue(rejection(authorizedForged).contains("invalid signature"));
    assertTrue(f.ledger.validateCertified(signaturesOnly).isAccepted());
    // ... but never for authorization or roots: dr-b's institution holds no grant
    ValidationResult<VerifiedBlock> unauthorized = f.ledger.validateCertified(f.rawBlock(List.of(forged)));
    assertFalse(unauthorized.isAccepted(), "authorization still applies on the certified path");
    BlockHeader h = signaturesOnly.header();
    Block wrongRoot = new Block(new BlockHeader(h.chainId(), h.height(), h.previousHash(), h.timestamp(),
        h.bookkeeper(), h.round(), h.consensusData(), h.entryCount(), h.entriesRoot(), h.subBlocksRoot(),
        h.previousHash(), h.ledgerSize(), h.ledgerRoot()), signaturesOnly.encodedEntries(), false);
    assertFalse(f.ledger.validateCertified(wrongRoot).isAccepted(), "roots still apply on the certified path");
  }

  @Test
  void forgedSignatureIsRejected() {
    f.commit(f.grant(alice, f.hospitalA, Purpose.TREATMENT, AccessScope.all()));
    MedicalRecord rec = f.record(doc, alice, f.hospitalA, "Observation", "x");
    // the genuine entry verifies first (its encoding is then cached as verified): the same content
    // under a forged signature must still be refused
    assertTrue(f.ledger.checkEntry(rec).isAccepted());
    Endorsement e = rec.endorsements().get(0);
    byte[] sig = e.signature().toByteArray();
    sig[5] ^= 1;
    MedicalRecord forged = rec.withEndorsements(List.of(new Endorsement(e.signer(), ByteString.of(sig))));
    assertTrue(rejection(forged).contains("invalid signature"));
    // a signature for another chain does not verify here
    MedicalRecord otherChain = Entry.sign(rec.withEndorsements(List.of()), ChainFixture.digest("other"), doc.key());
    assertTrue(rejection(otherChain).contains("invalid signature"));
    // content changed after signing
    MedicalRecord changed = new MedicalRecord(rec.patient(), rec.author(), rec.institution(), "Condition",
        rec.payloadDigest(), rec.payloadSize(), rec.storageNodes(), rec.encryptionMetadata(), rec.createdAt(),
        rec.amends(), rec.endorsements());
    assertTrue(rejection(changed).contains("invalid signature"));
    // unsigned
    assertTrue(rejection(rec.withEndorsements(List.of())).contains("invalid signature"));
  }

  @Test
  void unknownAndRemovedSignersAuthorizeNothing() {
    Actor stranger = f.actor("stranger");
    assertTrue(rejection(f.record(stranger, alice, f.hospitalA, "Observation", "x")).contains("not an active clinician"));
    Actor fed3 = f.federation.get(3);
    Anchor a = f.sign(new Anchor(fed3.id(), ChainFixture.digest("tx"), ChainFixture.digest("c"), 0, 0, f.now(),
        List.of()), fed3);
    f.commit(a);
    f.commit(f.membership(MembershipChange.Operation.REMOVE, ParticipantKind.FEDERATION_SERVER, fed3, null));
    assertFalse(f.ledger.membership().isFederationServer(fed3.id()));
    Anchor again = f.sign(new Anchor(fed3.id(), ChainFixture.digest("tx2"), ChainFixture.digest("c"), 0, 1, f.now(),
        List.of()), fed3);
    assertTrue(rejection(again).contains("active federation servers"));
    // a removed federation server no longer counts towards a governance quorum
    MembershipChange m = new MembershipChange(MembershipChange.Operation.REMOVE, ParticipantKind.AUDIT_SERVER,
        f.auditors.get(0).publicKey(), Optional.empty(), f.now(), List.of());
    MembershipChange withRemoved = f.sign(m, f.federation.get(0), fed3);
    assertTrue(rejection(withRemoved).contains("not a federation server"));
    // and cannot propose blocks
    Block b = f.ledger.assembleUnchecked(fed3.id(), 0, f.now(), List.of());
    assertTrue(f.ledger.validate(b).reason().contains("not an active federation server"));
  }

  @Test
  void aRemovedClinicianAuthorizesNothing() {
    AccessGrant g = f.grant(alice, f.hospitalA, Purpose.TREATMENT, AccessScope.all());
    f.commit(g);
    MedicalRecord rec = f.record(doc, alice, f.hospitalA, "Observation", "x");
    f.commit(rec);
    assertTrue(rejection(f.removeAffiliate(doc, f.hospitalB)).contains("not an active member"));
    AffiliateRemoval byDoc = f.sign(new AffiliateRemoval(doc.id(), f.hospitalA.id(), f.now(), List.of()), doc);
    assertTrue(rejection(byDoc).contains("must be signed by exactly"));
    f.commit(f.removeAffiliate(doc, f.hospitalA));
    assertFalse(f.ledger.participant(doc.id()).orElseThrow().active());
    assertTrue(rejection(f.record(doc, alice, f.hospitalA, "Observation", "y")).contains("not an active clinician"));
    assertTrue(rejection(f.accessEvent(doc, rec, g)).contains("not an active participant"));
    assertTrue(rejection(f.removeAffiliate(doc, f.hospitalA)).contains("not an active member"));
  }

  @Test
  void institutionsAfterGenesisNeedGovernance() {
    Actor lab = f.actor("lab");
    InstitutionRegistration selfOnly = f.sign(new InstitutionRegistration(lab.publicKey(), "Lab",
        io.medledger.access.InstitutionClass.C, f.now(), List.of()), lab);
    assertTrue(rejection(selfOnly).contains("federation server signatures"));
    f.commit(f.registerInstitution(lab, "Lab", io.medledger.access.InstitutionClass.C));
    assertTrue(f.ledger.participant(lab.id()).orElseThrow().active());
  }

  @Test
  void governanceNeedsAQuorumOfTheFederation() {
    Actor fed4 = f.actor("federation-new");
    MembershipChange m = new MembershipChange(MembershipChange.Operation.ADD, ParticipantKind.FEDERATION_SERVER,
        fed4.publicKey(), Optional.of(f.hospitalA.id()), f.now(), List.of());
    String r = rejection(f.sign(m, fed4, f.federation.get(0), f.federation.get(1)));
    assertTrue(r.contains("needs 3 federation server signatures, has 2"), r);
    assertTrue(rejection(f.sign(m, f.federation.get(0), f.federation.get(1), f.federation.get(2)))
        .contains("missing the signature"));
    f.commit(f.sign(m, fed4, f.federation.get(0), f.federation.get(1), f.federation.get(2)));
    assertEquals(5, f.ledger.membership().federationServers().size());
    // class policy: a class C clinic may not run an audit server
    Actor aud = f.actor("audit-new");
    MembershipChange bad = new MembershipChange(MembershipChange.Operation.ADD, ParticipantKind.AUDIT_SERVER,
        aud.publicKey(), Optional.of(f.clinic.id()), f.now(), List.of());
    assertTrue(rejection(f.sign(bad, aud, f.federation.get(0), f.federation.get(1), f.federation.get(2),
        f.federation.get(3))).contains("may not operate"));
  }

  @Test
  void theLastFederationServerCannotBeRemoved() {
    ChainFixture one = ChainFixture.create();
    MembershipChange m = one.membership(MembershipChange.Operation.REMOVE, ParticipantKind.FEDERATION_SERVER,
        one.federation.get(0), null);
    ValidationResult<VerifiedBlock> r = one.ledger.validate(one.rawBlock(List.of(m)));
    assertTrue(r.reason().contains("last federation server"), r.reason());
  }

  @Test
  void duplicatesAreRejected() {
    AccessGrant g = f.grant(alice, f.hospitalA, Purpose.TREATMENT, AccessScope.all());
    assertTrue(rejection(g, g).contains("duplicate"));
    f.commit(g);
    assertTrue(rejection(g).contains("duplicate"));
    assertTrue(rejection(f.registerPatient(alice)).contains("already registered"));
  }

  @Test
  void headerTamperingIsRejected() {
    VerifiedBlock vb = f.propose(List.of(f.grant(alice, f.hospitalA, Purpose.TREATMENT, AccessScope.all())));
    BlockHeader h = vb.header();
    Digest bad = ChainFixture.digest("bad");
    List<BlockHeader> variants = new ArrayList<>();
    variants.add(copy(h, h.height(), h.previousHash(), h.timestamp(), h.entriesRoot(), h.subBlocksRoot(),
        h.patientHeadsRoot(), h.ledgerSize(), h.ledgerRoot(), bad));
    variants.add(copy(h, h.height() + 1, h.previousHash(), h.timestamp(), h.entriesRoot(), h.subBlocksRoot(),
        h.patientHeadsRoot(), h.ledgerSize(), h.ledgerRoot(), h.chainId()));
    variants.add(copy(h, h.height(), bad, h.timestamp(), h.entriesRoot(), h.subBlocksRoot(),
        h.patientHeadsRoot(), h.ledgerSize(), h.ledgerRoot(), h.chainId()));
    variants.add(copy(h, h.height(), h.previousHash(), h.timestamp(), bad, h.subBlocksRoot(),
        h.patientHeadsRoot(), h.ledgerSize(), h.ledgerRoot(), h.chainId()));
    variants.add(copy(h, h.height(), h.previousHash(), h.timestamp(), h.entriesRoot(), bad,
        h.patientHeadsRoot(), h.ledgerSize(), h.ledgerRoot(), h.chainId()));
    variants.add(copy(h, h.height(), h.previousHash(), h.timestamp(), h.entriesRoot(), h.subBlocksRoot(),
        bad, h.ledgerSize(), h.ledgerRoot(), h.chainId()));
    variants.add(copy(h, h.height(), h.previousHash(), h.timestamp(), h.entriesRoot(), h.subBlocksRoot(),
        h.patientHeadsRoot(), h.ledgerSize() + 1, h.ledgerRoot(), h.chainId()));
    variants.add(copy(h, h.height(), h.previousHash(), h.timestamp(), h.entriesRoot(), h.subBlocksRoot(),
        h.patientHeadsRoot(), h.ledgerSize(), bad, h.chainId()));
    variants.add(copy(h, h.height(), h.previousHash(), h.timestamp() - 10_000, h.entriesRoot(), h.subBlocksRoot(),
        h.patientHeadsRoot(), h.ledgerSize(), h.ledgerRoot(), h.chainId()));
    variants.add(copy(h, h.height(), h.previousHash(), f.now() + 3_600_000, h.entriesRoot(), h.subBlocksRoot(),
        h.patientHeadsRoot(), h.ledgerSize(), h.ledgerRoot(), h.chainId()));
    for (BlockHeader v : variants) {
      ValidationResult<VerifiedBlock> r = f.ledger.validate(new Block(v, vb.block().entries()));
      assertFalse(r.isAccepted(), v.toJson());
    }
    assertTrue(f.ledger.validate(vb.block()).isAccepted());
  }

  private static BlockHeader copy(BlockHeader h, long height, Digest prev, long ts, Digest er, Digest sr, Digest pr,
      long size, Digest lr, Digest chain) {
    return new BlockHeader(chain, height, prev, ts, h.bookkeeper(), h.round(), h.consensusData(), h.entryCount(), er, sr,
        pr, size, lr);
  }

  @Test
  void certificatesNeedAnAuditQuorum() {
    VerifiedBlock vb = f.propose(List.of(f.grant(alice, f.hospitalA, Purpose.TREATMENT, AccessScope.all())));
    Certificate two = Certificate.sign(vb.header(), f.auditors.get(0).key(), f.auditors.get(1).key());
    assertTrue(f.ledger.append(vb, two).reason().contains("needs 3"));
    Certificate byFederation = Certificate.sign(vb.header(), f.auditors.get(0).key(), f.auditors.get(1).key(),
        f.federation.get(0).key());
    assertTrue(f.ledger.append(vb, byFederation).reason().contains("not an audit server"));
    assertEquals(1, f.ledger.height());
    assertTrue(f.ledger.append(vb, f.certify(vb.header())).isAccepted());
    assertEquals(2, f.ledger.height());
    // a verified block whose parent is no longer the tip is refused
    assertTrue(f.ledger.append(vb, f.certify(vb.header())).reason().contains("tip moved"));
  }

  @Test
  void flippedByteInAStoredBlockIsDetected() {
    InMemoryBlockStore copy = new InMemoryBlockStore();
    for (long h = 0; h <= f.ledger.height(); h++) {
      byte[] b = f.ledger.block(h).encode();
      if (h == f.ledger.height()) {
        // flip one byte inside the last entry (a signature or content byte): the certified block's
        // encoding is the block's, then the certificate's
        b[f.ledger.block(h).block().encode().length - 100] ^= 0x40;
      }
      copy.append(b);
    }
    LedgerReplayException x = assertThrows(LedgerReplayException.class,
        () -> Ledger.builder(f.params).store(copy).clock(f.clock).open());
    assertEquals(f.ledger.height(), x.height());
    // every single-byte flip of a certified block is caught: it does not decode, or the block
    // fails validation, or the certificate no longer certifies the (changed) header; only the
    // certificate's opaque, unsigned data may change without effect on the block
    ChainFixture g = ChainFixture.create();
    Actor bob = g.actor("bob");
    VerifiedBlock vb = g.propose(List.of(g.registerPatient(bob)));
    CertifiedBlock cb = new CertifiedBlock(vb.block(), new Certificate(g.certify(vb.header()).signatures(),
        ByteString.of(new byte[] {7, 7})));
    byte[] enc = cb.encode();
    byte[] original = vb.block().encode();
    int undetected = 0;
    for (int i = 0; i < enc.length; i++) {
      byte[] m = enc.clone();
      m[i] ^= 1;
      CertifiedBlock decoded;
      try {
        decoded = CertifiedBlock.decode(m);
      } catch (MalformedEncodingException e) {
        continue;
      }
      if (!g.ledger.validate(decoded.block()).isAccepted()) {
        continue;
      }
      if (!CertificatePolicy.auditQuorum().check(decoded.header(), decoded.certificate(), g.ledger.membership())
          .isAccepted()) {
        continue;
      }
      assertTrue(java.util.Arrays.equals(original, decoded.block().encode()), "flip at byte " + i + " accepted");
      undetected++;
    }
    assertEquals(2, undetected, "only the two opaque certificate data bytes");
  }
}
