package io.medledger.tlog;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.medledger.chain.BlockHeader;
import io.medledger.chain.MedicalRecord;
import io.medledger.crypto.Digest;
import io.medledger.crypto.Sha256;
import io.medledger.merkle.InclusionProof;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Witnesses written from the specification cosign the ledger's checkpoints; clients require k of them. */
class WitnessTest {
  @TempDir Path dir;

  @Test
  void clientsRequireKCosignaturesBeforeTrustingAProof() {
    try (LogFixture f = new LogFixture(dir, 3)) {
      LogExportTest.populate(f, 1);
      SignedNote note = f.checkpoints.latest().orElseThrow();
      BlockHeader tip = f.chain.ledger.tip().orElseThrow();
      CheckpointVerifier policy = f.policy().requireWitnesses(f.witnessKeys(), 3);
      long now = f.witnesses.get(0).clock + 5;
      CheckpointVerdict v = policy.verify(note.toBytes(), now);
      assertTrue(v.isVerified(), v.toString());
      VerifiedCheckpoint cp = v.checkpoint().orElseThrow();
      assertEquals(3, cp.cosignatures().size());
      assertEquals(tip.ledgerSize(), cp.checkpoint().size());

      MedicalRecord rec = f.chain.ledger.records(io.medledger.chain.RecordQuery.all(),
          io.medledger.chain.PageRequest.first(1)).items().get(0).entry();
      InclusionProof p = f.chain.ledger.ledgerInclusionProof(rec.id(), tip.height()).orElseThrow().proof();
      Digest leaf = f.log.leafHash(p.leafIndex());
      assertEquals(rec.leafHash(), leaf);
      assertTrue(cp.includes(leaf, p));
      assertFalse(cp.includes(Sha256.hash(new byte[] {1}), p));

      // Only two witnesses cosigned a later checkpoint: a client asking for three refuses it.
      f.chain.commit(f.chain.registerPatient(f.chain.actor("late")));
      for (CheckpointPublisher pub : f.publishers) {
        pub.publish(f.chain.ledger.tip().orElseThrow());
      }
      SignedNote later = f.checkpoints.latest().orElseThrow();
      for (SpecWitness w : f.witnesses.subList(0, 2)) {
        SpecWitness.Response r = w.addCheckpoint(f.publishers.get(0).witnessRequest(w.size()).encode());
        assertEquals(200, r.status());
        later = SignedNote.parse(LogFixture.concat(later.toBytes(), r.body()));
      }
      assertEquals(CheckpointVerdict.Reason.TOO_FEW_COSIGNATURES, policy.verify(later, now).reason());
      CheckpointVerdict two = f.policy().requireWitnesses(f.witnessKeys(), 2).verify(later, now);
      assertTrue(two.isVerified(), two.toString());
      long s1 = cp.checkpoint().size();
      long s2 = two.checkpoint().orElseThrow().checkpoint().size();
      assertTrue(two.checkpoint().orElseThrow().extendsFrom(cp, f.log.consistencyProof(s1, s2)));
      assertFalse(cp.extendsFrom(two.checkpoint().orElseThrow(), f.log.consistencyProof(s1, s2)));
    }
  }

  @Test
  void aWitnessRefusesASplitViewAndReportsItsSize() {
    try (LogFixture f = new LogFixture(dir, 1)) {
      LogExportTest.populate(f, 1);
      SpecWitness w = f.witnesses.get(0);
      long seen = w.size();
      assertTrue(seen > 0);
      // A stale "old" size gets 409 with the witness's size, from which the log answers with a proof.
      SpecWitness.Response conflict = w.addCheckpoint(f.publishers.get(0).witnessRequest(1).encode());
      assertEquals(409, conflict.status());
      assertEquals(seen + "\n", new String(conflict.body(), StandardCharsets.US_ASCII));
      // A checkpoint of a forked tree, validly signed by the log key, is not cosigned.
      NoteSigner logKey = f.signers.get(0);
      Checkpoint fork = new Checkpoint(f.origin, seen + 5, Sha256.hash(new byte[] {42}));
      SignedNote forked = new SignedNote(fork.text(), List.of(logKey.sign(fork.text())));
      WitnessRequest req = new WitnessRequest(seen, f.publishers.get(0).witnessRequest(seen).proof(), forked);
      assertEquals(422, w.addCheckpoint(req.encode()).status());
      assertEquals(req, WitnessRequest.parse(req.encode()));
      // A checkpoint not signed by the log is refused outright.
      SignedNote unsigned = new SignedNote(fork.text(), List.of(NoteSigner.ed25519(logKey.verifierKey().name(),
          io.medledger.crypto.Ed25519PrivateKey.generate()).sign(fork.text())));
      assertEquals(403, w.addCheckpoint(new WitnessRequest(seen, List.of(), unsigned).encode()).status());
      assertEquals(seen, w.size());
    }
  }
}
