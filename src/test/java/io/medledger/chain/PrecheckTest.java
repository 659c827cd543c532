package io.medledger.chain;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.medledger.chain.ChainFixture.Actor;
import io.medledger.crypto.Digest;
import io.medledger.crypto.Sha256;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * {@link Ledger#precheck}: the work done ahead (a block's own hashes, the certificate policy's
 * check) is kept in the block or dropped, and validation and append still check everything.
 */
class PrecheckTest {
  private static final Digest BAD = Sha256.hash("not a root".getBytes(StandardCharsets.UTF_8));

  private final ChainFixture f = ChainFixture.builder().federationServers(1).auditServers(4).build();

  /** A block of entries about two patients and one without a patient, decoded as a peer's would be. */
  private Block block() {
    Actor alice = f.actor("alice");
    Actor bob = f.actor("bob");
    return Block.decode(f.rawBlock(List.of(f.registerPatient(alice), f.registerPatient(bob),
        f.registerInstitution(f.actor("clinic-d"), "Clinic D", io.medledger.access.InstitutionClass.C))).encode());
  }

  private static Block withRoots(Block b, Digest entriesRoot, Digest subBlocksRoot) {
    BlockHeader h = b.header();
    return new Block(new BlockHeader(h.chainId(), h.height(), h.previousHash(), h.timestamp(), h.bookkeeper(),
        h.round(), h.consensusData(), h.entryCount(), entriesRoot, subBlocksRoot, h.patientHeadsRoot(),
        h.ledgerSize(), h.ledgerRoot()), b.entries());
  }

  private String reason(Block b) {
    return ((ValidationResult.Rejected<VerifiedBlock>) f.ledger.validate(b)).reason();
  }

  @Test
  void precheckKeepsTheBlocksOwnHashesAndValidationAgreesWithThem() {
    Block b = block();
    assertFalse(b.hasLocalRoots());
    f.ledger.precheck(b, f.certify(b.header()));
    assertTrue(b.hasLocalRoots(), "precheck computed the block's own hashes");
    assertEquals(BlockProcessor.LocalRoots.of(b.encodedEntries()), b.localRoots());
    assertEquals(3, b.localRoots().leaves().size());
    assertEquals(3, b.localRoots().keys().size(), "two patients and the entries without one");
    VerifiedBlock vb = f.ledger.validate(b).value();
    assertEquals(b.header(), vb.header());
    assertTrue(f.ledger.append(vb, f.certify(b.header())).isAccepted());
    assertEquals(b.hash(), f.ledger.header(f.ledger.height()).hash());
  }

  @Test
  void aPrecheckedBlockWhoseHeaderDisagreesWithItsEntriesIsStillRefused() {
    Block good = block();
    Block badEntries = withRoots(good, BAD, good.header().subBlocksRoot());
    f.ledger.precheck(badEntries, f.certify(badEntries.header()));
    assertTrue(badEntries.hasLocalRoots());
    assertEquals("entries root does not match the entries", reason(badEntries));
    Block badSubs = withRoots(good, good.header().entriesRoot(), BAD);
    f.ledger.precheck(badSubs, f.certify(badSubs.header()));
    assertEquals("sub-blocks root does not match the entries", reason(badSubs));
    f.ledger.precheck(good, f.certify(good.header()));
    assertTrue(f.ledger.validate(good).isAccepted(), "the control");
  }

  @Test
  void aCertificateCheckedAheadIsCheckedAgainOnAppend() {
    Block b = block();
    Certificate one = Certificate.sign(b.header(), f.auditors.get(0).key());
    f.ledger.precheck(b, one);
    VerifiedBlock vb = f.ledger.validate(b).value();
    ValidationResult<CertifiedBlock> r = f.ledger.append(vb, one);
    assertFalse(r.isAccepted(), "one audit signature of four is no quorum, checked ahead or not");
    assertEquals(0, f.ledger.height());
    assertTrue(f.ledger.append(vb, f.certify(b.header())).isAccepted(), "the control");
  }

  @Test
  void precheckOfTheGenesisBlockOrOfABlockFarAheadChangesNothing() {
    Block b = block();
    f.ledger.precheck(f.ledger.block(0).block(), Certificate.EMPTY);
    Block ahead = new Block(new BlockHeader(b.header().chainId(), 9, b.header().previousHash(), b.header().timestamp(),
        b.header().bookkeeper(), 0, b.header().consensusData(), b.header().entryCount(), b.header().entriesRoot(),
        b.header().subBlocksRoot(), b.header().patientHeadsRoot(), b.header().ledgerSize(), b.header().ledgerRoot()),
        b.entries());
    f.ledger.precheck(ahead, Certificate.EMPTY);
    assertTrue(ahead.hasLocalRoots());
    assertEquals(0, f.ledger.height());
    assertTrue(f.ledger.validate(b).isAccepted());
  }
}
