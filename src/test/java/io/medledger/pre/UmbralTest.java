package io.medledger.pre;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.medledger.codec.Hex;
import io.medledger.codec.MalformedEncodingException;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** Round trips with fresh randomness, wrong keys, tampering and canonical encodings. */
class UmbralTest {
  private static final SecureRandom RANDOM = new SecureRandom();

  private final SecretKey alice = SecretKey.random();
  private final SecretKey bob = SecretKey.random();
  private final SecretKey eve = SecretKey.random();
  private final Signer signer = new Signer(SecretKey.random());

  private static byte[] randomBytes(int n) {
    byte[] b = new byte[n];
    RANDOM.nextBytes(b);
    return b;
  }

  private static <T> T verified(Verification<T> v) {
    assertTrue(v.isVerified(), () -> "rejected: " + v.failure().orElseThrow());
    return v.verified().orElseThrow();
  }

  private static DecryptionException.Reason decryptFailure(org.junit.jupiter.api.function.Executable e) {
    return assertThrows(DecryptionException.class, e).reason();
  }

  @Test
  void fullFlowRoundTripsForEveryShapeAndFlagCombination() throws Exception {
    int[][] shapes = {{1, 1}, {1, 3}, {2, 3}, {3, 5}, {4, 4}};
    for (int[] shape : shapes) {
      for (int flags = 0; flags < 4; flags++) {
        int t = shape[0];
        int n = shape[1];
        boolean signA = (flags & 1) != 0;
        boolean signB = (flags & 2) != 0;
        byte[] plaintext = randomBytes(RANDOM.nextInt(300));
        EncryptionResult enc = Umbral.encrypt(alice.publicKey(), plaintext);
        assertEquals(plaintext.length + 40, enc.ciphertext().length);
        Capsule capsule = Capsule.fromBytes(enc.capsule().toBytes());
        assertEquals(enc.capsule(), capsule);
        assertArrayEquals(plaintext, Umbral.decryptOriginal(alice, capsule, enc.ciphertext()));

        List<VerifiedKeyFrag> kfrags = Umbral.generateKFrags(alice, bob.publicKey(), signer, t, n, signA, signB);
        assertEquals(n, kfrags.size());
        List<VerifiedCapsuleFrag> cfrags = new ArrayList<>();
        for (VerifiedKeyFrag k : kfrags) {
          // The proxy receives bytes, parses and verifies them with exactly the keys it needs.
          KeyFrag received = KeyFrag.fromBytes(k.toBytes());
          VerifiedKeyFrag vk = verified(received.verify(signer.verifyingKey(), signA ? alice.publicKey() : null,
              signB ? bob.publicKey() : null));
          assertArrayEquals(k.toBytes(), vk.toBytes());
          byte[] wire = Umbral.reencrypt(capsule, vk).toBytes();
          assertEquals(CapsuleFrag.LENGTH, wire.length);
          cfrags.add(verified(CapsuleFrag.fromBytes(wire).verify(capsule, signer.verifyingKey(), alice.publicKey(),
              bob.publicKey())));
        }
        Collections.shuffle(cfrags, new Random(RANDOM.nextLong()));
        String shapeName = t + "-of-" + n + " flags " + flags;
        assertArrayEquals(plaintext, Umbral.decryptReencrypted(bob, alice.publicKey(), capsule, cfrags.subList(0, t),
            enc.ciphertext()), shapeName);
        assertArrayEquals(plaintext, Umbral.decryptReencrypted(bob, alice.publicKey(), capsule, cfrags,
            enc.ciphertext()), shapeName);
        if (t > 1) {
          assertEquals(DecryptionException.Reason.VALIDATION_FAILED, decryptFailure(() -> Umbral.decryptReencrypted(
              bob, alice.publicKey(), capsule, cfrags.subList(0, t - 1), enc.ciphertext())), shapeName);
        }
      }
    }
  }

  @Test
  void wrongKeysAreRejectedWithTheirReasons() throws Exception {
    byte[] plaintext = "HbA1c 6.1%".getBytes(StandardCharsets.UTF_8);
    EncryptionResult enc = Umbral.encrypt(alice.publicKey(), plaintext);
    Capsule capsule = enc.capsule();
    byte[] ct = enc.ciphertext();
    assertEquals(DecryptionException.Reason.AUTHENTICATION_FAILED,
        decryptFailure(() -> Umbral.decryptOriginal(bob, capsule, ct)));

    List<VerifiedKeyFrag> kfrags = Umbral.generateKFrags(alice, bob.publicKey(), signer, 2, 3, true, true);
    KeyFrag kf = kfrags.get(0).unverify();
    assertEquals(VerificationFailure.INCORRECT_SIGNATURE,
        kf.verify(eve.publicKey(), alice.publicKey(), bob.publicKey()).failure().orElseThrow());
    assertEquals(VerificationFailure.INCORRECT_SIGNATURE,
        kf.verify(signer.verifyingKey(), alice.publicKey(), eve.publicKey()).failure().orElseThrow());
    assertEquals(VerificationFailure.INCORRECT_SIGNATURE,
        kf.verify(signer.verifyingKey(), eve.publicKey(), bob.publicKey()).failure().orElseThrow());
    assertEquals(VerificationFailure.DELEGATING_KEY_NOT_PROVIDED,
        kf.verify(signer.verifyingKey(), null, bob.publicKey()).failure().orElseThrow());
    assertEquals(VerificationFailure.RECEIVING_KEY_NOT_PROVIDED,
        kf.verify(signer.verifyingKey(), alice.publicKey(), null).failure().orElseThrow());
    VerificationException ex = assertThrows(VerificationException.class,
        () -> kf.verify(eve.publicKey(), alice.publicKey(), bob.publicKey()).orElseThrow());
    assertEquals(VerificationFailure.INCORRECT_SIGNATURE, ex.reason());

    // A key that the fragment does not sign is ignored.
    KeyFrag unsigned = Umbral.generateKFrags(alice, bob.publicKey(), signer, 2, 3, false, false).get(0).unverify();
    assertTrue(unsigned.verify(signer.verifyingKey(), eve.publicKey(), eve.publicKey()).isVerified());

    List<VerifiedCapsuleFrag> cfrags = new ArrayList<>();
    for (VerifiedKeyFrag k : kfrags) {
      cfrags.add(Umbral.reencrypt(capsule, k));
    }
    CapsuleFrag cf = cfrags.get(0).unverify();
    assertEquals(VerificationFailure.INCORRECT_KEY_FRAG_SIGNATURE,
        cf.verify(capsule, eve.publicKey(), alice.publicKey(), bob.publicKey()).failure().orElseThrow());
    assertEquals(VerificationFailure.INCORRECT_KEY_FRAG_SIGNATURE,
        cf.verify(capsule, signer.verifyingKey(), alice.publicKey(), eve.publicKey()).failure().orElseThrow());
    Capsule other = Umbral.encrypt(alice.publicKey(), plaintext).capsule();
    assertEquals(VerificationFailure.INCORRECT_REENCRYPTION,
        cf.verify(other, signer.verifyingKey(), alice.publicKey(), bob.publicKey()).failure().orElseThrow());

    List<VerifiedCapsuleFrag> two = cfrags.subList(0, 2);
    assertEquals(DecryptionException.Reason.VALIDATION_FAILED,
        decryptFailure(() -> Umbral.decryptReencrypted(eve, alice.publicKey(), capsule, two, ct)));
    assertEquals(DecryptionException.Reason.VALIDATION_FAILED,
        decryptFailure(() -> Umbral.decryptReencrypted(bob, eve.publicKey(), capsule, two, ct)));
    assertEquals(DecryptionException.Reason.VALIDATION_FAILED,
        decryptFailure(() -> Umbral.decryptReencrypted(bob, alice.publicKey(), other, two, ct)));
    assertEquals(DecryptionException.Reason.NO_CAPSULE_FRAGS,
        decryptFailure(() -> Umbral.decryptReencrypted(bob, alice.publicKey(), capsule, List.of(), ct)));
    assertEquals(DecryptionException.Reason.REPEATING_CAPSULE_FRAGS, decryptFailure(() ->
        Umbral.decryptReencrypted(bob, alice.publicKey(), capsule, List.of(cfrags.get(1), cfrags.get(1)), ct)));
    VerifiedCapsuleFrag foreign = Umbral.reencrypt(capsule,
        Umbral.generateKFrags(alice, bob.publicKey(), signer, 2, 3, true, true).get(0));
    assertEquals(DecryptionException.Reason.MISMATCHED_CAPSULE_FRAGS, decryptFailure(() ->
        Umbral.decryptReencrypted(bob, alice.publicKey(), capsule, List.of(cfrags.get(0), foreign), ct)));
    byte[] tampered = ct.clone();
    tampered[30] ^= 1;
    assertEquals(DecryptionException.Reason.AUTHENTICATION_FAILED,
        decryptFailure(() -> Umbral.decryptReencrypted(bob, alice.publicKey(), capsule, two, tampered)));
    assertEquals(DecryptionException.Reason.CIPHERTEXT_TOO_SHORT,
        decryptFailure(() -> Umbral.decryptReencrypted(bob, alice.publicKey(), capsule, two, new byte[23])));
  }

  @Test
  void everySingleByteChangeIsCaught() throws Exception {
    EncryptionResult enc = Umbral.encrypt(alice.publicKey(), randomBytes(50));
    Capsule capsule = enc.capsule();
    byte[] capsuleBytes = capsule.toBytes();
    for (int i = 0; i < capsuleBytes.length; i++) {
      byte[] bad = capsuleBytes.clone();
      bad[i] ^= 1 << (i % 8);
      assertThrows(MalformedEncodingException.class, () -> Capsule.fromBytes(bad), "capsule byte " + i);
    }
    byte[] ct = enc.ciphertext();
    for (int i = 0; i < ct.length; i++) {
      byte[] bad = ct.clone();
      bad[i] ^= 0x80;
      assertEquals(DecryptionException.Reason.AUTHENTICATION_FAILED,
          decryptFailure(() -> Umbral.decryptOriginal(alice, capsule, bad)), "ciphertext byte " + i);
    }
    VerifiedKeyFrag kfrag = Umbral.generateKFrags(alice, bob.publicKey(), signer, 2, 3, true, true).get(1);
    byte[] kb = kfrag.toBytes();
    for (int i = 0; i < kb.length; i++) {
      byte[] bad = kb.clone();
      bad[i] ^= 1 << (i % 8);
      assertTrue(rejectedSomewhere(bad, capsule), "kfrag byte " + i);
    }
    byte[] cb = Umbral.reencrypt(capsule, kfrag).toBytes();
    for (int i = 0; i < cb.length; i++) {
      byte[] bad = cb.clone();
      bad[i] ^= 1 << (i % 8);
      boolean rejected;
      try {
        rejected = !CapsuleFrag.fromBytes(bad).verify(capsule, signer.verifyingKey(), alice.publicKey(),
            bob.publicKey()).isVerified();
      } catch (MalformedEncodingException e) {
        rejected = true;
      }
      assertTrue(rejected, "cfrag byte " + i);
    }
  }

  /** A changed kfrag is refused by the proxy or, failing that, its cfrag is refused by the receiver. */
  private boolean rejectedSomewhere(byte[] kfragBytes, Capsule capsule) {
    try {
      Verification<VerifiedKeyFrag> v = KeyFrag.fromBytes(kfragBytes).verify(signer.verifyingKey(), alice.publicKey(),
          bob.publicKey());
      if (!v.isVerified()) {
        return true;
      }
      // signature_for_receiver is checked only by the receiver.
      return !Umbral.reencrypt(capsule, v.verified().orElseThrow()).unverify()
          .verify(capsule, signer.verifyingKey(), alice.publicKey(), bob.publicKey()).isVerified();
    } catch (MalformedEncodingException e) {
      return true;
    }
  }

  @Test
  void onlyCanonicalEncodingsAreAccepted() {
    Capsule capsule = Umbral.encrypt(alice.publicKey(), new byte[0]).capsule();
    byte[] c = capsule.toBytes();
    assertEquals(Capsule.LENGTH, c.length);
    assertThrows(MalformedEncodingException.class, () -> Capsule.fromBytes(Arrays.copyOf(c, c.length + 1)));
    assertThrows(MalformedEncodingException.class, () -> Capsule.fromBytes(Arrays.copyOf(c, c.length - 1)));
    assertThrows(MalformedEncodingException.class, () -> Capsule.fromBytes(new byte[0]));
    // array16 header instead of fixarray
    byte[] array16 = new byte[c.length + 2];
    array16[0] = (byte) 0xdc;
    array16[2] = 3;
    System.arraycopy(c, 1, array16, 3, c.length - 1);
    assertThrows(MalformedEncodingException.class, () -> Capsule.fromBytes(array16));
    // bin16 framing of the first point
    byte[] bin16 = new byte[c.length + 1];
    bin16[0] = c[0];
    bin16[1] = (byte) 0xc5;
    bin16[3] = 0x21;
    System.arraycopy(c, 3, bin16, 4, c.length - 3);
    assertThrows(MalformedEncodingException.class, () -> Capsule.fromBytes(bin16));
    // the identity point in place of E
    byte[] identity = new byte[c.length - 32];
    identity[0] = c[0];
    identity[1] = (byte) 0xc4;
    identity[2] = 1;
    identity[3] = 0;
    System.arraycopy(c, 36, identity, 4, c.length - 36);
    assertThrows(MalformedEncodingException.class, () -> Capsule.fromBytes(identity));

    byte[] pk = alice.publicKey().toBytes();
    byte[] hybrid = pk.clone();
    hybrid[0] = 5;
    assertThrows(MalformedEncodingException.class, () -> PublicKey.fromBytes(hybrid));
    assertThrows(MalformedEncodingException.class, () -> PublicKey.fromBytes(new byte[] {0}));
    assertThrows(MalformedEncodingException.class, () -> PublicKey.fromBytes(new byte[65]));
    assertEquals(alice.publicKey(), PublicKey.fromHex(alice.publicKey().toHex()));

    byte[] kf = Umbral.generateKFrags(alice, bob.publicKey(), signer, 1, 1, false, false).get(0).toBytes();
    assertEquals(KeyFrag.LENGTH, kf.length);
    assertThrows(MalformedEncodingException.class, () -> KeyFrag.fromBytes(Arrays.copyOf(kf, kf.length + 1)));
    byte[] keyTooBig = kf.clone();
    Arrays.fill(keyTooBig, 73, 105, (byte) 0xff);
    assertThrows(MalformedEncodingException.class, () -> KeyFrag.fromBytes(keyTooBig));
    byte[] badBool = kf.clone();
    badBool[309] = (byte) 0xc0;
    assertThrows(MalformedEncodingException.class, () -> KeyFrag.fromBytes(badBool));
    byte[] zeroR = kf.clone();
    Arrays.fill(zeroR, 178, 210, (byte) 0);
    assertThrows(MalformedEncodingException.class, () -> KeyFrag.fromBytes(zeroR));
  }

  @Test
  void secretsNeverAppearInToStringOrMessages() throws Exception {
    String secretHex = Hex.encode(alice.exportSecretBytes());
    assertFalse(alice.toString().contains(secretHex));
    assertTrue(alice.toString().contains("redacted"));
    assertFalse(new Signer(alice).toString().contains(secretHex));
    SecretKeyFactory factory = SecretKeyFactory.random();
    assertFalse(factory.toString().contains(Hex.encode(factory.exportSecretSeed())));

    VerifiedKeyFrag kfrag = Umbral.generateKFrags(alice, bob.publicKey(), signer, 1, 2, true, true).get(0);
    // The key share sits at bytes 73..105 of the wire form.
    String share = Hex.encode(Arrays.copyOfRange(kfrag.toBytes(), 73, 105));
    assertFalse(kfrag.toString().contains(share));
    assertFalse(kfrag.unverify().toString().contains(share));

    byte[] tooBig = Hex.decode("fffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364142");
    MalformedEncodingException m = assertThrows(MalformedEncodingException.class,
        () -> SecretKey.fromSecretBytes(tooBig));
    assertFalse(m.getMessage().contains("ffffffff"));
    EncryptionResult enc = Umbral.encrypt(alice.publicKey(), "x".getBytes(StandardCharsets.UTF_8));
    DecryptionException d = assertThrows(DecryptionException.class,
        () -> Umbral.decryptOriginal(bob, enc.capsule(), enc.ciphertext()));
    assertFalse(d.getMessage().contains(Hex.encode(bob.exportSecretBytes())));
    assertFalse(d.getMessage().contains(secretHex));
  }

  @Test
  void signaturesAreLowSAndRoundTrip() {
    byte[] half = Hex.decode("7fffffffffffffffffffffffffffffff5d576e7357a4501ddfe92f46681b20a0");
    for (int i = 0; i < 50; i++) {
      byte[] msg = randomBytes(i);
      Signature s = signer.sign(msg);
      byte[] b = s.toBytes();
      assertTrue(Arrays.compareUnsigned(Arrays.copyOfRange(b, 32, 64), half) <= 0, "low S");
      assertTrue(s.verify(signer.verifyingKey(), msg));
      assertFalse(s.verify(eve.publicKey(), msg));
      assertEquals(s, Signature.fromBytes(b));
      assertEquals(s, Signature.fromDerBytes(s.toDerBytes()));
      byte[] other = Arrays.copyOf(msg, msg.length + 1);
      assertFalse(s.verify(signer.verifyingKey(), other));
      // The reference also accepts the high-S twin.
      java.math.BigInteger n = new java.math.BigInteger(
          "fffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364141", 16);
      java.math.BigInteger high = n.subtract(new java.math.BigInteger(1, Arrays.copyOfRange(b, 32, 64)));
      byte[] hb = b.clone();
      System.arraycopy(org.bouncycastle.util.BigIntegers.asUnsignedByteArray(32, high), 0, hb, 32, 32);
      assertTrue(Signature.fromBytes(hb).verify(signer.verifyingKey(), msg));
    }
    assertThrows(MalformedEncodingException.class, () -> Signature.fromBytes(new byte[64]));
    assertThrows(MalformedEncodingException.class, () -> Signature.fromBytes(new byte[63]));
    assertThrows(MalformedEncodingException.class, () -> Signature.fromDerBytes(new byte[] {0x30, 0}));
  }

  @Test
  void secretKeyFactoryIsDeterministicPerLabel() {
    byte[] seed = randomBytes(32);
    SecretKeyFactory a = SecretKeyFactory.fromSecretSeed(seed);
    SecretKeyFactory b = SecretKeyFactory.fromSecretSeed(seed);
    assertEquals(a.makeKey("patient-1"), b.makeKey("patient-1"));
    assertNotEquals(a.makeKey("patient-1"), a.makeKey("patient-2"));
    assertArrayEquals(a.exportSecretMaterial(new byte[] {1}), b.exportSecretMaterial(new byte[] {1}));
    assertEquals(64, a.exportSecretMaterial(new byte[0]).length);
    assertNotEquals(a.makeKey("x"), a.makeFactory("x".getBytes(StandardCharsets.UTF_8)).makeKey("x"));
    assertThrows(MalformedEncodingException.class, () -> SecretKeyFactory.fromSecretSeed(new byte[31]));
  }

  @Test
  void badArgumentsAreRefused() {
    assertThrows(IllegalArgumentException.class,
        () -> Umbral.generateKFrags(alice, bob.publicKey(), signer, 0, 3, true, true));
    assertThrows(IllegalArgumentException.class,
        () -> Umbral.generateKFrags(alice, bob.publicKey(), signer, 4, 3, true, true));
    assertThrows(IllegalArgumentException.class,
        () -> Umbral.generateKFrags(alice, bob.publicKey(), signer, 1, Umbral.MAX_SHARES + 1, true, true));
    assertThrows(MalformedEncodingException.class, () -> SecretKey.fromSecretBytes(new byte[32]));
    assertThrows(MalformedEncodingException.class, () -> SecretKey.fromSecretBytes(new byte[33]));
    assertEquals(alice, SecretKey.fromSecretBytes(alice.exportSecretBytes()));
  }

  @Test
  void injectedRandomnessMakesEveryOperationReproducible() {
    byte[] seed = randomBytes(32);
    assertArrayEquals(run(seed), run(seed));
  }

  private byte[] run(byte[] seed) {
    EntropySource rng = counterStream(seed);
    EncryptionResult enc = Umbral.encrypt(alice.publicKey(), new byte[] {1, 2, 3}, rng);
    List<VerifiedKeyFrag> kfrags = Umbral.generateKFrags(alice, bob.publicKey(), signer, 2, 3, true, false, rng);
    VerifiedCapsuleFrag cfrag = Umbral.reencrypt(enc.capsule(), kfrags.get(2), rng);
    Signature sig = signer.sign(new byte[] {9}, rng);
    return (Hex.encode(enc.capsule().toBytes()) + Hex.encode(enc.ciphertext()) + Hex.encode(kfrags.get(0).toBytes())
        + Hex.encode(cfrag.toBytes()) + Hex.encode(sig.toBytes())).getBytes(StandardCharsets.US_ASCII);
  }

  /** SHA-256 in counter mode over a seed, as the reference vectors' generator did. */
  private static EntropySource counterStream(byte[] seed) {
    long[] counter = {0};
    return out -> {
      for (int off = 0; off < out.length; off += 32) {
        byte[] block = io.medledger.crypto.Sha256.hash(seed, java.nio.ByteBuffer.allocate(8).putLong(counter[0]++)
            .array()).toByteArray();
        System.arraycopy(block, 0, out, off, Math.min(32, out.length - off));
      }
    };
  }

  /**
   * A public key in hex comes from outside (a key card, a grant request, a file): text that is not
   * hex threw the hex decoder's {@code IllegalArgumentException}, which {@code fromHex} does not
   * document and which escapes a caller catching {@code MedLedgerException}.
   */
  @Test
  void publicKeyHexFromOutsideIsRejectedOnlyAsMalformed() {
    assertThrows(MalformedEncodingException.class, () -> PublicKey.fromHex("0"));
    assertThrows(MalformedEncodingException.class, () -> PublicKey.fromHex("zz" + alice.publicKey().toHex().substring(2)));
    io.medledger.testing.HostileText.check("proxy public key hex", 11, List.of(alice.publicKey().toHex(),
        bob.publicKey().toHex().toUpperCase(java.util.Locale.ROOT)), PublicKey::fromHex);
  }
}
