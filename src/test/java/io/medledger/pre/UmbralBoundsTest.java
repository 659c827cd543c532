package io.medledger.pre;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.medledger.internal.umbral.CurvePoint;
import io.medledger.internal.umbral.CurveScalar;
import io.medledger.internal.umbral.Secp256k1;
import java.math.BigInteger;
import java.util.List;
import org.bouncycastle.math.ec.ECPoint;
import org.junit.jupiter.api.Test;

/** Umbral's argument bounds at their limits, and the combiner's refusal of cancelling fragments. */
class UmbralBoundsTest {
  private final SecretKey alice = SecretKey.random();
  private final SecretKey bob = SecretKey.random();
  private final Signer signer = new Signer(SecretKey.random());

  @Test
  void upToMaxSharesFragmentsAndThresholdEqualToShares() throws Exception {
    List<VerifiedKeyFrag> all = Umbral.generateKFrags(alice, bob.publicKey(), signer, 1, Umbral.MAX_SHARES, false,
        false);
    assertEquals(1024, all.size());
    assertThrows(IllegalArgumentException.class,
        () -> Umbral.generateKFrags(alice, bob.publicKey(), signer, 1, Umbral.MAX_SHARES + 1, false, false));
    EncryptionResult enc = Umbral.encrypt(alice.publicKey(), new byte[] {4, 2});
    assertArrayEquals(new byte[] {4, 2}, Umbral.decryptReencrypted(bob, alice.publicKey(), enc.capsule(),
        List.of(Umbral.reencrypt(enc.capsule(), all.get(1023))), enc.ciphertext()));
    List<VerifiedKeyFrag> three = Umbral.generateKFrags(alice, bob.publicKey(), signer, 3, 3, true, true);
    List<VerifiedCapsuleFrag> cfrags = three.stream().map(k -> Umbral.reencrypt(enc.capsule(), k)).toList();
    assertArrayEquals(new byte[] {4, 2}, Umbral.decryptReencrypted(bob, alice.publicKey(), enc.capsule(), cfrags,
        enc.ciphertext()));
  }

  /**
   * Two fragments restored as trusted (never verified) whose E1 values cancel in the Lagrange
   * combination, and whose V1 values are picked so that V' passes the key check. The combiner must
   * stop at E' = identity; past it, the shared secret would be s·A, which anyone can compute.
   */
  @Test
  void fragmentsWhoseCombinationIsTheIdentityAreRefused() throws Exception {
    EncryptionResult enc = Umbral.encrypt(alice.publicKey(), "secret".getBytes(java.nio.charset.StandardCharsets.UTF_8));
    Capsule capsule = enc.capsule();
    List<VerifiedKeyFrag> kfrags = Umbral.generateKFrags(alice, bob.publicKey(), signer, 2, 2, true, true);
    CapsuleFrag c0 = Umbral.reencrypt(capsule, kfrags.get(0)).unverify();
    CapsuleFrag c1 = Umbral.reencrypt(capsule, kfrags.get(1)).unverify();
    CurvePoint precursor = c0.precursor();
    byte[] x = precursor.toBytes();
    byte[] b = bob.publicKey().toBytes();
    byte[] dh = CurvePoint.of(precursor.ec().multiply(bob.scalar().toBigInteger())).toBytes();
    CurveScalar x0 = CurveScalar.hash(Umbral.DST_POLYNOMIAL_ARG, x, b, dh, c0.kfragId());
    CurveScalar x1 = CurveScalar.hash(Umbral.DST_POLYNOMIAL_ARG, x, b, dh, c1.kfragId());
    CurveScalar l0 = x1.multiply(x1.subtract(x0).invert());
    CurveScalar l1 = x0.multiply(x0.subtract(x1).invert());
    CurveScalar d = CurveScalar.hash(Umbral.DST_SHARED_SECRET, x, b, dh);

    ECPoint p = Secp256k1.G.multiply(BigInteger.valueOf(12345));
    ECPoint e11 = p.multiply(l0.multiply(l1.invert()).negate().toBigInteger());
    ECPoint target = alice.publicKey().point().ec().multiply(capsule.s().multiply(d.invert()).toBigInteger());
    ECPoint q = Secp256k1.G.multiply(BigInteger.valueOf(777));
    ECPoint v11 = target.subtract(q.multiply(l0.toBigInteger())).multiply(l1.invert().toBigInteger());
    assertEquals(true, p.multiply(l0.toBigInteger()).add(e11.multiply(l1.toBigInteger())).isInfinity());

    CapsuleFrag f0 = new CapsuleFrag(CurvePoint.of(p), CurvePoint.of(q), c0.kfragId(), precursor, c0.e2(), c0.v2(),
        c0.u1(), c0.u2(), c0.z(), c0.kfragSignature());
    CapsuleFrag f1 = new CapsuleFrag(CurvePoint.of(e11), CurvePoint.of(v11), c1.kfragId(), precursor, c1.e2(),
        c1.v2(), c1.u1(), c1.u2(), c1.z(), c1.kfragSignature());
    assertFalse(f0.verify(capsule, signer.verifyingKey(), alice.publicKey(), bob.publicKey()).isVerified());
    List<VerifiedCapsuleFrag> forged = List.of(VerifiedCapsuleFrag.fromTrustedBytes(f0.toBytes()),
        VerifiedCapsuleFrag.fromTrustedBytes(f1.toBytes()));
    DecryptionException e = assertThrows(DecryptionException.class,
        () -> Umbral.decryptReencrypted(bob, alice.publicKey(), capsule, forged, enc.ciphertext()));
    assertEquals(DecryptionException.Reason.VALIDATION_FAILED, e.reason());
  }

  /**
   * A proxy that re-encrypts with another fragment's key share but shows its own signed commitment
   * U1: its proof holds for E and V, and only the U part of the proof catches it.
   */
  @Test
  void aProofWithAnotherShareThanTheCommittedOneIsRefused() {
    Capsule capsule = Umbral.encrypt(alice.publicKey(), new byte[] {1}).capsule();
    List<VerifiedKeyFrag> kfrags = Umbral.generateKFrags(alice, bob.publicKey(), signer, 2, 2, true, true);
    KeyFrag mine = kfrags.get(0).unverify();
    KeyFrag other = kfrags.get(1).unverify();
    CurveScalar rk = other.keyScalar();
    CurvePoint e1 = CurvePoint.of(capsule.e().ec().multiply(rk.toBigInteger()));
    CurvePoint v1 = CurvePoint.of(capsule.v().ec().multiply(rk.toBigInteger()));
    BigInteger tau = BigInteger.valueOf(987654321L);
    CurvePoint e2 = CurvePoint.of(capsule.e().ec().multiply(tau));
    CurvePoint v2 = CurvePoint.of(capsule.v().ec().multiply(tau));
    CurvePoint u2 = CurvePoint.of(Secp256k1.U.multiply(tau));
    CurveScalar h = CapsuleFrag.challenge(capsule, e1, e2, v1, v2, mine.commitment(), u2);
    CurveScalar z = rk.multiply(h).add(CurveScalar.reduce(tau));
    CapsuleFrag forged = new CapsuleFrag(e1, v1, mine.id(), mine.precursor(), e2, v2, mine.commitment(), u2, z,
        mine.signatureForReceiver());
    assertEquals(VerificationFailure.INCORRECT_REENCRYPTION,
        forged.verify(capsule, signer.verifyingKey(), alice.publicKey(), bob.publicKey()).failure().orElseThrow());
  }
}
