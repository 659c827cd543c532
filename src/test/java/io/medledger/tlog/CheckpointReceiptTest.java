package io.medledger.tlog;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.medledger.anchor.AnchorCommitment;
import io.medledger.anchor.AnchorReceipt;
import io.medledger.anchor.ReceiptVerdict;
import io.medledger.chain.BlockHeader;
import io.medledger.chain.MedicalRecord;
import io.medledger.chain.PageRequest;
import io.medledger.chain.RecordQuery;
import io.medledger.merkle.InclusionProof;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Receipts carry a cosigned checkpoint next to the Bitcoin anchor; old receipts still read. */
class CheckpointReceiptTest {
  @TempDir Path dir;

  private Path write(String name, String text) {
    try {
      return java.nio.file.Files.writeString(dir.resolve(name), text);
    } catch (java.io.IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }

  private static String[] cli(String... args) {
    java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
    java.io.ByteArrayOutputStream err = new java.io.ByteArrayOutputStream();
    int code = io.medledger.cli.Main.run(args, java.io.InputStream.nullInputStream(),
        new java.io.PrintStream(out, true, java.nio.charset.StandardCharsets.UTF_8),
        new java.io.PrintStream(err, true, java.nio.charset.StandardCharsets.UTF_8));
    return new String[] {String.valueOf(code), out.toString(java.nio.charset.StandardCharsets.UTF_8),
        err.toString(java.nio.charset.StandardCharsets.UTF_8)};
  }

  @Test
  void everyByteOfACosignedCheckpointIsBound() {
    try (LogFixture f = new LogFixture(dir, 2)) {
      LogExportTest.populate(f, 1);
      SignedNote note = f.publishAll();
      CheckpointVerifier policy = f.policy().requireWitnesses(f.witnessKeys(), 2);
      long now = f.witnesses.get(0).clock + 1;
      io.medledger.testing.BitFlips.assertEveryByteIsBound("cosigned checkpoint", note.toBytes(), 2, b -> {
        CheckpointVerdict v = policy.verify(SignedNote.parse(b), now);
        return v.checkpoint().map(c -> java.util.List.of(c.checkpoint(), c.signers(), c.cosignatures())).orElse(null);
      });
    }
  }

  @Test
  void aReceiptVerifiesByCosignaturesBeforeBitcoin() {
    try (LogFixture f = new LogFixture(dir, 2)) {
      LogExportTest.populate(f, 1);
      BlockHeader anchored = f.chain.ledger.tip().orElseThrow();
      MedicalRecord rec = f.chain.ledger.records(RecordQuery.all(), PageRequest.first(1)).items().get(0).entry();
      InclusionProof atAnchor = f.chain.ledger.ledgerInclusionProof(rec.id(), anchored.height()).orElseThrow().proof();
      AnchorReceipt plain = AnchorReceipt.pending(rec.encode(), atAnchor,
          new AnchorCommitment(anchored.chainId(), anchored.height(), anchored.ledgerSize(), anchored.ledgerRoot()));
      // The log moves on and a later checkpoint is cosigned.
      f.chain.commit(f.chain.registerPatient(f.chain.actor("later")));
      SignedNote note = f.publishAll();
      long size = Checkpoint.parse(note.text()).size();
      InclusionProof inCp = f.log.inclusionProof(atAnchor.leafIndex(), size);
      AnchorReceipt r = plain.withCheckpoint(note, inCp, f.log.consistencyProof(anchored.ledgerSize(), size));
      CheckpointVerifier policy = f.policy().requireWitnesses(f.witnessKeys(), 2);
      long now = f.witnesses.get(0).clock + 1;
      ReceiptVerdict v = r.verifyCheckpoint(policy, now);
      assertEquals(new ReceiptVerdict.Cosigned(size, 2), v);
      // a checkpoint of another size than the anchored log is linked to it, or refused
      assertEquals(new ReceiptVerdict.Invalid("the checkpoint is of size " + size + " and the anchored log of size "
          + anchored.ledgerSize() + ", and the receipt does not prove one a prefix of the other"),
          plain.withCheckpoint(note, inCp).verifyCheckpoint(policy, now));
      io.medledger.merkle.ConsistencyProof link = f.log.consistencyProof(anchored.ledgerSize(), size);
      java.util.List<io.medledger.crypto.Digest> bent = new java.util.ArrayList<>(link.path());
      bent.set(0, io.medledger.crypto.Sha256.hash(new byte[] {1}));
      assertInstanceOf(ReceiptVerdict.Invalid.class, plain.withCheckpoint(note, inCp,
          new io.medledger.merkle.ConsistencyProof(link.size1(), link.size2(), bent)).verifyCheckpoint(policy, now),
          "a path that does not link the anchored root to the checkpoint's");
      // every byte of the receipt's JSON is bound: refused, or cosigned with the same meaning
      io.medledger.testing.BitFlips.assertEveryByteIsBound("receipt with a checkpoint",
          r.toJson().getBytes(java.nio.charset.StandardCharsets.UTF_8), 1, b -> {
            AnchorReceipt x = AnchorReceipt.fromJson(new String(b, java.nio.charset.StandardCharsets.UTF_8));
            ReceiptVerdict xv = x.verifyCheckpoint(policy, now);
            AnchorReceipt.CheckpointPart cp = x.checkpoint().orElseThrow();
            return xv.holds() ? java.util.List.of(xv, io.medledger.codec.Hex.encode(x.entry()), x.logProof(),
                x.commitment().chainId(), x.commitment().logSize(), x.commitment().logRoot(), cp.proof(),
                cp.consistency(), Checkpoint.parse(SignedNote.parse(cp.note()).text())) : null;
          });
      org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class,
          () -> plain.withCheckpoint(note, inCp, f.log.consistencyProof(1, size)));

      AnchorReceipt back = AnchorReceipt.fromJson(r.toJson());
      assertEquals(v, back.verifyCheckpoint(policy, now));
      assertEquals(r.toJson(), back.toJson());
      // A receipt written before checkpoints existed reads as before, and has none.
      AnchorReceipt old = AnchorReceipt.fromJson(plain.toJson());
      assertFalse(old.checkpoint().isPresent());
      assertFalse(plain.toJson().contains("checkpoint"));
      assertInstanceOf(ReceiptVerdict.Invalid.class, old.verifyCheckpoint(policy, now));
      // A proof for another leaf, or a policy wanting more witnesses, is refused.
      AnchorReceipt wrong = plain.withCheckpoint(note, f.log.inclusionProof(atAnchor.leafIndex() + 1, size),
          f.log.consistencyProof(anchored.ledgerSize(), size));
      assertInstanceOf(ReceiptVerdict.Invalid.class, wrong.verifyCheckpoint(policy, now));
      CheckpointVerifier three = f.policy().requireWitnesses(f.witnessKeys(), 2).requireSignatures(2);
      assertTrue(r.verifyCheckpoint(three, now).holds());
      String tampered = r.toJson().replace("\\n" + size + "\\n", "\\n" + (size + 1) + "\\n");
      assertFalse(AnchorReceipt.fromJson(tampered).verifyCheckpoint(policy, now).holds());

      // bin/medledger receipt verify checks the checkpoint against the log's vkeys file, requiring k cosignatures
      Path vkeys = dir.resolve("log").resolve(CheckpointStore.VKEYS);
      Path withCp = write("r.json", r.toJson());
      String[] ok = cli("receipt", "verify", "--receipt", withCp.toString(), "--log-keys", vkeys.toString(),
          "--cosignatures", "2");
      assertEquals("0", ok[0], ok[2]);
      assertTrue(ok[1].contains("\"status\":\"cosigned\"") && ok[1].contains("\"cosignatures\":2"), ok[1]);
      String[] bad = cli("receipt", "verify", "--receipt", write("t.json", tampered).toString(), "--log-keys",
          vkeys.toString(), "--cosignatures", "1");
      assertEquals("1", bad[0], bad[1]);
      assertTrue(bad[1].contains("\"status\":\"invalid\""), bad[1]);
      String[] none = cli("receipt", "verify", "--receipt", write("p.json", plain.toJson()).toString(), "--log-keys",
          vkeys.toString());
      assertEquals("1", none[0], none[1]);
      assertTrue(none[1].contains("carries no checkpoint"), none[1]);
      assertEquals("2", cli("receipt", "verify", "--receipt", withCp.toString(), "--log-keys", vkeys.toString(),
          "--cosignatures", "3")[0], "more cosignatures than listed witnesses");
      assertEquals("2", cli("receipt", "verify", "--receipt", withCp.toString())[0], "nothing to check against");
      // the server signatures without the witnesses' cosignatures: enough when none are required, not for k = 1
      SignedNote serversOnly = new SignedNote(note.text(),
          note.signatures().stream().filter(x -> x.signature().length == 64).toList());
      Path uncosigned = write("u.json", plain.withCheckpoint(serversOnly, inCp,
          f.log.consistencyProof(anchored.ledgerSize(), size)).toJson());
      assertEquals("0", cli("receipt", "verify", "--receipt", uncosigned.toString(), "--log-keys", vkeys.toString())[0]);
      String[] few = cli("receipt", "verify", "--receipt", uncosigned.toString(), "--log-keys", vkeys.toString(),
          "--cosignatures", "1");
      assertEquals("1", few[0], few[1]);
      assertTrue(few[1].contains("\"status\":\"invalid\""), few[1]);
    }
  }
}
