package io.medledger.tlog;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.medledger.codec.MalformedEncodingException;
import io.medledger.crypto.Digest;
import io.medledger.crypto.Ed25519PrivateKey;
import io.medledger.crypto.Sha256;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class CheckpointTest {
  @TempDir Path dir;

  private static Ed25519PrivateKey key(int i) {
    return Ed25519PrivateKey.fromSeed(Sha256.hash(new byte[] {(byte) i}).toByteArray());
  }

  /** The example note of C2SP signed-note verifies with its published vkey (Go's note package test key). */
  @Test
  void specExampleKeyHasTheDocumentedKeyId() {
    // Go's golang.org/x/mod/sumdb/note documentation: PeterNeumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW
    NoteKey k = NoteKey.parse("PeterNeumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW");
    assertEquals(0xc74f20a3, k.keyId());
    byte[] note = ("If you think cryptography is the answer to your problem,\n"
        + "then you don't know what your problem is.\n\n"
        + "\u2014 PeterNeumann x08go/ZJkuBS9UG/SffcvIAQxVBtiFupLLr8pAcElZInNIuGUgYN1FFYC2pZSNXgKvqfqdngotpRZb6KE6RyyBwJnAM=\n")
        .getBytes(StandardCharsets.UTF_8);
    SignedNote n = SignedNote.parse(note);
    NoteSignature s = n.signatures().get(0);
    assertTrue(k.matches(s));
    assertTrue(k.publicKey().verify(n.text().getBytes(StandardCharsets.UTF_8), s.signature()));
    assertEquals(new String(note, StandardCharsets.UTF_8), new String(n.toBytes(), StandardCharsets.UTF_8));
  }

  @Test
  void signsAndVerifiesCheckpoints() {
    NoteSigner a = NoteSigner.derive("medledger/x/a", key(1));
    NoteSigner b = NoteSigner.derive("medledger/x/b", key(2));
    assertFalse(a.verifierKey().publicKey().equals(key(1).publicKey()), "the note key is derived, not the ledger key");
    assertTrue(NoteKeyBinding.create(key(1), a.verifierKey()).verify());
    assertFalse(new NoteKeyBinding(key(2).publicKey(), a.verifierKey(),
        NoteKeyBinding.create(key(1), a.verifierKey()).signature()).verify());
    Checkpoint c = new Checkpoint("medledger/x", 12345, Sha256.hash(new byte[] {9}));
    assertEquals(c, Checkpoint.parse(c.text()));
    SignedNote n = new SignedNote(c.text(), List.of(a.sign(c.text()), b.sign(c.text())));
    SignedNote parsed = SignedNote.parse(n.toBytes());
    assertEquals(n, parsed);
    CheckpointVerifier one = CheckpointVerifier.of("medledger/x", List.of(a.verifierKey()));
    CheckpointVerdict v = one.verify(parsed, 0);
    assertTrue(v.isVerified(), v.toString());
    assertEquals(c, v.checkpoint().orElseThrow().checkpoint());
    CheckpointVerifier both = CheckpointVerifier.of("medledger/x", List.of(a.verifierKey(), b.verifierKey()))
        .requireSignatures(2);
    assertTrue(both.verify(parsed, 0).isVerified());
    SignedNote onlyA = new SignedNote(c.text(), List.of(a.sign(c.text())));
    assertEquals(CheckpointVerdict.Reason.TOO_FEW_SIGNATURES, both.verify(onlyA, 0).reason());
    assertEquals(CheckpointVerdict.Reason.WRONG_ORIGIN,
        CheckpointVerifier.of("medledger/y", List.of(a.verifierKey())).verify(parsed, 0).reason());
    // A forged signature from a known key refuses the whole note.
    byte[] sig = a.sign(c.text()).signature();
    sig[3] ^= 1;
    SignedNote forged = new SignedNote(c.text(), List.of(b.sign(c.text()),
        new NoteSignature(a.verifierKey().name(), a.verifierKey().keyId(), sig)));
    assertEquals(CheckpointVerdict.Reason.BAD_SIGNATURE, both.verify(forged, 0).reason());
    // Unknown keys are ignored.
    NoteSigner stranger = NoteSigner.ed25519("medledger/x/a", key(7));
    SignedNote withStranger = onlyA.with(stranger.sign(c.text()));
    assertTrue(one.verify(withStranger, 0).isVerified());
    // A different text signed by the same key does not verify a tampered checkpoint.
    Checkpoint other = new Checkpoint("medledger/x", 12346, c.root());
    SignedNote swapped = new SignedNote(other.text(), onlyA.signatures());
    assertEquals(CheckpointVerdict.Reason.BAD_SIGNATURE, one.verify(swapped, 0).reason());
  }

  /**
   * A hostile federation server serves a client its own binding twice over, for two note keys
   * under its key name, and signs a made-up checkpoint with both: a policy asking for two servers'
   * signatures must not take them for two servers.
   */
  @Test
  void oneServerWithTwoBoundNoteKeysCountsAsOneSigner() {
    Digest chain = Sha256.hash(new byte[] {42});
    List<io.medledger.crypto.Ed25519PublicKey> federation = List.of(key(1).publicKey(), key(2).publicKey(),
        key(3).publicKey());
    NoteSigner hostile = NoteSigner.forServer(chain, key(1));
    NoteSigner second = NoteSigner.ed25519(NoteKeyBinding.serverKeyName(chain, key(1).publicKey()), key(50));
    NoteSigner honest = NoteSigner.forServer(chain, key(2));
    List<NoteKeyBinding> bindings = List.of(NoteKeyBinding.create(key(1), hostile.verifierKey()),
        NoteKeyBinding.create(key(1), second.verifierKey()), NoteKeyBinding.create(key(2), honest.verifierKey()),
        NoteKeyBinding.create(key(3), NoteSigner.forServer(chain, key(3)).verifierKey()));
    assertTrue(bindings.get(1).verifyForServer(chain), "the second binding is itself valid");
    CheckpointVerifier twoServers = CheckpointVerifier.forFederation(chain, federation, bindings, 2);
    String t = new Checkpoint(Checkpoint.originOf(chain), 99, Sha256.hash(new byte[] {7})).text();
    SignedNote forged = new SignedNote(t, List.of(hostile.sign(t), second.sign(t)));
    assertEquals(CheckpointVerdict.Reason.TOO_FEW_SIGNATURES, twoServers.verify(forged, 0).reason());
    SignedNote genuine = new SignedNote(t, List.of(hostile.sign(t), honest.sign(t)));
    assertTrue(twoServers.verify(genuine, 0).isVerified());
  }

  /** One key listed under two names (log key or witness) counts once, however many lines carry it. */
  @Test
  void oneKeyUnderTwoNamesCountsOnce() {
    NoteSigner a = NoteSigner.ed25519("medledger/x/a", key(1));
    NoteSigner alias = NoteSigner.ed25519("medledger/x/alias", key(1));
    NoteSigner b = NoteSigner.ed25519("medledger/x/b", key(2));
    NoteSigner w1 = NoteSigner.cosigner("witness.example/1", key(11));
    NoteSigner w1Alias = NoteSigner.cosigner("witness.example/one", key(11));
    NoteSigner w2 = NoteSigner.cosigner("witness.example/2", key(12));
    String t = new Checkpoint("medledger/x", 5, Sha256.hash(new byte[] {3})).text();
    CheckpointVerifier policy = CheckpointVerifier.of("medledger/x",
        List.of(a.verifierKey(), alias.verifierKey(), b.verifierKey())).requireSignatures(2);
    assertEquals(CheckpointVerdict.Reason.TOO_FEW_SIGNATURES,
        policy.verify(new SignedNote(t, List.of(a.sign(t), alias.sign(t))), 0).reason());
    CheckpointVerifier witnessed = policy.requireWitnesses(List.of(w1.verifierKey(), w1Alias.verifierKey(),
        w2.verifierKey()), 2);
    CheckpointVerdict once = witnessed.verify(new SignedNote(t, List.of(a.sign(t), b.sign(t), w1.cosign(t, 10),
        w1Alias.cosign(t, 10))), 100);
    assertEquals(CheckpointVerdict.Reason.TOO_FEW_COSIGNATURES, once.reason());
    assertTrue(witnessed.verify(new SignedNote(t, List.of(a.sign(t), b.sign(t), w1.cosign(t, 10), w2.cosign(t, 11))),
        100).isVerified());
    assertThrows(IllegalArgumentException.class, () -> CheckpointVerifier.of("medledger/x",
        List.of(a.verifierKey(), alias.verifierKey())).requireSignatures(2), "a policy no two keys can meet");
  }

  @Test
  void requiresKWitnessCosignatures() {
    NoteSigner log = NoteSigner.ed25519("medledger/x/a", key(1));
    NoteSigner w1 = NoteSigner.cosigner("witness.example/1", key(11));
    NoteSigner w2 = NoteSigner.cosigner("witness.example/2", key(12));
    NoteSigner w3 = NoteSigner.cosigner("witness.example/3", key(13));
    Checkpoint c = new Checkpoint("medledger/x", 7, Sha256.hash(new byte[] {1}));
    String t = c.text();
    SignedNote n = new SignedNote(t, List.of(log.sign(t), w1.cosign(t, 1000), w3.cosign(t, 1001)));
    CheckpointVerifier base = CheckpointVerifier.of("medledger/x", List.of(log.verifierKey()));
    List<NoteKey> ws = List.of(w1.verifierKey(), w2.verifierKey(), w3.verifierKey());
    CheckpointVerdict two = base.requireWitnesses(ws, 2).verify(n, 2000);
    assertTrue(two.isVerified(), two.toString());
    assertEquals(2, two.checkpoint().orElseThrow().cosignatures().size());
    assertEquals(CheckpointVerdict.Reason.TOO_FEW_COSIGNATURES, base.requireWitnesses(ws, 3).verify(n, 2000).reason());
    assertEquals(CheckpointVerdict.Reason.BAD_COSIGNATURE, base.requireWitnesses(ws, 1).verify(n, 100).reason(),
        "a cosignature dated in the future is refused");
    // A cosignature's timestamp is signed: changing it breaks the cosignature.
    byte[] s = w1.cosign(t, 1000).signature();
    s[7] ^= 1;
    SignedNote bumped = new SignedNote(t, List.of(log.sign(t),
        new NoteSignature(w1.verifierKey().name(), w1.verifierKey().keyId(), s)));
    assertEquals(CheckpointVerdict.Reason.BAD_COSIGNATURE, base.requireWitnesses(ws, 1).verify(bumped, 5000).reason());
    // A note signature (type 0x01) from the witness's key under its name is not a cosignature.
    NoteSigner plain = NoteSigner.ed25519("witness.example/1", key(11));
    SignedNote wrongType = new SignedNote(t, List.of(log.sign(t), plain.sign(t)));
    assertEquals(CheckpointVerdict.Reason.TOO_FEW_COSIGNATURES, base.requireWitnesses(ws, 1).verify(wrongType, 5000)
        .reason());
    assertEquals("witness.example/1+" + String.format("%08x", w1.verifierKey().keyId()), w1.verifierKey().encode()
        .substring(0, 26));
    assertEquals(w1.verifierKey(), NoteKey.parse(w1.verifierKey().encode()));
  }

  @Test
  void strictParsingRejectsMalformedNotes() {
    NoteSigner a = NoteSigner.ed25519("medledger/x/a", key(1));
    Checkpoint c = new Checkpoint("medledger/x", 1, Sha256.hash(new byte[] {1}));
    String good = new String(new SignedNote(c.text(), List.of(a.sign(c.text()))).toBytes(), StandardCharsets.UTF_8);
    String sigLine = good.substring(good.indexOf('\u2014'));
    String[] bad = {
      c.text(), // no signatures
      c.text() + "\n", // blank line, no signatures
      good.substring(0, good.length() - 1), // no final newline
      good.replace("\u2014 ", "- "),
      good.replace("\u2014 ", "\u2014  "),
      good.replace("medledger/x/a ", "medledger/x+a "),
      good.replace("\n\n", "\r\n\n"),
      good + "\u2014 k AAAA\n", // signature shorter than 5 bytes
      good + "\u2014 k AAAAAAA\n", // not canonical base64
      good.replace("=\n", "\n"), // missing padding
      good + "trailing\n",
    };
    for (String b : bad) {
      assertThrows(MalformedEncodingException.class, () -> SignedNote.parse(b.getBytes(StandardCharsets.UTF_8)), b);
    }
    assertThrows(MalformedEncodingException.class, () -> SignedNote.parse(new byte[] {'a', '\n', '\n', (byte) 0xff}));
    assertThrows(MalformedEncodingException.class, () -> SignedNote.parse(new byte[SignedNote.MAX_BYTES + 1]));
    StringBuilder many = new StringBuilder(c.text()).append('\n');
    for (int i = 0; i <= SignedNote.MAX_SIGNATURES; i++) {
      many.append(sigLine);
    }
    assertThrows(MalformedEncodingException.class, () -> SignedNote.parse(many.toString().getBytes(StandardCharsets.UTF_8)));
    for (String t : new String[] {"o\n01\n" + c.text().split("\n")[2] + "\n", "o\n-1\n" + c.text().split("\n")[2] + "\n",
        "o\n1\nAAAA\n", "o\n1\n", "\n1\n" + c.text().split("\n")[2] + "\n", "o\n99999999999999999999\nAAAA\n"}) {
      assertThrows(MalformedEncodingException.class, () -> Checkpoint.parse(t), t);
    }
    for (String k : new String[] {"a+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW", "PeterNeumann+c74f20a4+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW",
        "PeterNeumann+c74f20a3+Apc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW", "PeterNeumann+c74f20a3", "+c74f20a3+ARpc"}) {
      assertThrows(MalformedEncodingException.class, () -> NoteKey.parse(k), k);
    }
    assertEquals(Digest.LENGTH, Checkpoint.parse(c.text()).root().toByteArray().length);
  }

  @Test
  void storeMergesSignaturesAndRefusesASplitView() {
    CheckpointStore s = CheckpointStore.open(dir);
    NoteSigner a = NoteSigner.ed25519("l/a", key(1));
    NoteSigner b = NoteSigner.ed25519("l/b", key(2));
    Checkpoint c = new Checkpoint("l", 5, Sha256.hash(new byte[] {5}));
    s.put(new SignedNote(c.text(), List.of(a.sign(c.text()))));
    SignedNote merged = s.put(new SignedNote(c.text(), List.of(b.sign(c.text()))));
    assertEquals(2, merged.signatures().size());
    assertEquals(merged, s.latest().orElseThrow());
    Checkpoint older = new Checkpoint("l", 3, Sha256.hash(new byte[] {3}));
    s.put(new SignedNote(older.text(), List.of(a.sign(older.text()))));
    assertEquals(merged, s.latest().orElseThrow(), "the latest never moves back");
    Checkpoint fork = new Checkpoint("l", 5, Sha256.hash(new byte[] {6}));
    assertThrows(IllegalStateException.class, () -> s.put(new SignedNote(fork.text(), List.of(a.sign(fork.text())))));
    assertEquals(merged, CheckpointStore.open(dir).at(5).orElseThrow());
  }
}
