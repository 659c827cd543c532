package io.medledger.pre;

import io.medledger.crypto.Sha256;
import io.medledger.internal.umbral.CurvePoint;
import io.medledger.internal.umbral.CurveScalar;
import io.medledger.internal.umbral.Dem;
import io.medledger.internal.umbral.Secp256k1;
import java.math.BigInteger;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;
import org.bouncycastle.math.ec.ECPoint;

/**
 * The Umbral threshold proxy re-encryption operations, byte-compatible with rust-umbral 0.10
 * ({@code @nucypher/umbral-pre} 0.10.0).
 *
 * <p>Flow: the delegator {@link #encrypt encrypts} under its own public key and can
 * {@link #decryptOriginal decrypt} directly. To share, it {@link #generateKFrags generates} n key
 * fragments for a receiver, any t of which suffice; each proxy {@link KeyFrag#verify verifies} its
 * fragment and {@link #reencrypt re-encrypts} the capsule into a capsule fragment; the receiver
 * {@link CapsuleFrag#verify verifies} t capsule fragments and {@link #decryptReencrypted decrypts}.
 *
 * <p>Every method that draws randomness has an overload taking an {@link EntropySource};
 * the others use {@link EntropySource#secure()}. Stateless and thread-safe.
 */
public final class Umbral {
  static final String DST_SHARED_SECRET = "SHARED_SECRET";
  static final String DST_POLYNOMIAL_ARG = "POLYNOMIAL_ARG";
  /** Upper bound on the number of key fragments per call. */
  public static final int MAX_SHARES = 1024;

  private Umbral() {}

  /** Encrypts {@code plaintext} for the holder of {@code delegatingKey}, with fresh randomness. */
  public static EncryptionResult encrypt(PublicKey delegatingKey, byte[] plaintext) {
    return encrypt(delegatingKey, plaintext, EntropySource.secure());
  }

  /**
   * Encrypts {@code plaintext} for the holder of {@code delegatingKey}. Draws, in order: scalar r,
   * scalar u, the 24-byte DEM nonce.
   */
  public static EncryptionResult encrypt(PublicKey delegatingKey, byte[] plaintext, EntropySource rng) {
    Objects.requireNonNull(delegatingKey, "delegatingKey");
    Objects.requireNonNull(plaintext, "plaintext");
    CurveScalar r = CurveScalar.randomNonZero(rng);
    CurveScalar u = CurveScalar.randomNonZero(rng);
    CurvePoint e = CurvePoint.of(Secp256k1.mulG(r.toBigInteger()));
    CurvePoint v = CurvePoint.of(Secp256k1.mulG(u.toBigInteger()));
    CurveScalar h = CurveScalar.hash(Capsule.DST_CAPSULE_POINTS, e.toBytes(), v.toBytes());
    CurveScalar s = u.add(r.multiply(h));
    Capsule capsule = new Capsule(e, v, s);
    byte[] seed = CurvePoint.of(delegatingKey.point().mul(r.add(u))).toBytes();
    byte[] ciphertext = Dem.encrypt(seed, capsule.simpleUnsafe(), plaintext, rng);
    Arrays.fill(seed, (byte) 0);
    return new EncryptionResult(capsule, ciphertext);
  }

  /**
   * Decrypts a ciphertext made for {@code delegatingKey}'s public key.
   *
   * @throws DecryptionException {@link DecryptionException.Reason#CIPHERTEXT_TOO_SHORT} or
   *     {@link DecryptionException.Reason#AUTHENTICATION_FAILED} (tampering, wrong key, wrong capsule)
   */
  public static byte[] decryptOriginal(SecretKey delegatingKey, Capsule capsule, byte[] ciphertext)
      throws DecryptionException {
    Objects.requireNonNull(delegatingKey, "delegatingKey");
    Objects.requireNonNull(capsule, "capsule");
    Objects.requireNonNull(ciphertext, "ciphertext");
    ECPoint sum = capsule.e().ec().add(capsule.v().ec());
    if (sum.isInfinity()) {
      throw new DecryptionException(DecryptionException.Reason.AUTHENTICATION_FAILED);
    }
    byte[] seed = CurvePoint.of(delegatingKey.multiply(sum)).toBytes();
    return open(seed, capsule, ciphertext);
  }

  private static byte[] open(byte[] seed, Capsule capsule, byte[] ciphertext) throws DecryptionException {
    Dem.Opened o = Dem.decrypt(seed, capsule.simpleUnsafe(), ciphertext);
    Arrays.fill(seed, (byte) 0);
    if (o.failure() == Dem.Failure.TOO_SHORT) {
      throw new DecryptionException(DecryptionException.Reason.CIPHERTEXT_TOO_SHORT);
    }
    if (o.failure() != null) {
      throw new DecryptionException(DecryptionException.Reason.AUTHENTICATION_FAILED);
    }
    return o.plaintext();
  }

  /** {@link #generateKFrags(SecretKey, PublicKey, Signer, int, int, boolean, boolean, EntropySource)} with fresh randomness. */
  public static List<VerifiedKeyFrag> generateKFrags(SecretKey delegatingKey, PublicKey receivingKey, Signer signer,
      int threshold, int shares, boolean signDelegatingKey, boolean signReceivingKey) {
    return generateKFrags(delegatingKey, receivingKey, signer, threshold, shares, signDelegatingKey, signReceivingKey,
        EntropySource.secure());
  }

  /**
   * Splits the re-encryption key from {@code delegatingKey} to {@code receivingKey} into
   * {@code shares} fragments, any {@code threshold} of which let the receiver decrypt. Each
   * fragment is signed by {@code signer} twice: once for the receiver (binding both keys) and
   * once for the proxy (binding the keys selected by the two flags).
   *
   * <p>Draws, in order: the precursor scalar, the t − 1 polynomial coefficients, then per
   * fragment its 32-byte id and 32 bytes for each of its two signatures (receiver's first).
   *
   * @throws IllegalArgumentException unless 1 ≤ threshold ≤ shares ≤ {@link #MAX_SHARES}
   */
  public static List<VerifiedKeyFrag> generateKFrags(SecretKey delegatingKey, PublicKey receivingKey, Signer signer,
      int threshold, int shares, boolean signDelegatingKey, boolean signReceivingKey, EntropySource rng) {
    Objects.requireNonNull(delegatingKey, "delegatingKey");
    Objects.requireNonNull(receivingKey, "receivingKey");
    Objects.requireNonNull(signer, "signer");
    if (threshold < 1 || shares < threshold || shares > MAX_SHARES) {
      throw new IllegalArgumentException("need 1 <= threshold <= shares <= " + MAX_SHARES
          + ", got threshold " + threshold + " and shares " + shares);
    }
    PublicKey delegatingPk = delegatingKey.publicKey();
    CurveScalar xa = CurveScalar.randomNonZero(rng);
    CurvePoint precursor = CurvePoint.of(Secp256k1.mulG(xa.toBigInteger()));
    CurvePoint dh = CurvePoint.of(receivingKey.point().mul(xa));
    byte[] xBytes = precursor.toBytes();
    byte[] bBytes = receivingKey.toBytes();
    byte[] dBytes = dh.toBytes();
    CurveScalar d = CurveScalar.hash(DST_SHARED_SECRET, xBytes, bBytes, dBytes);
    CurveScalar[] coefficients = new CurveScalar[threshold];
    coefficients[0] = delegatingKey.scalar().multiply(d.invert());
    for (int i = 1; i < threshold; i++) {
      coefficients[i] = CurveScalar.randomNonZero(rng);
    }
    List<VerifiedKeyFrag> out = new ArrayList<>(shares);
    for (int n = 0; n < shares; n++) {
      byte[] id = new byte[KeyFrag.ID_LENGTH];
      rng.nextBytes(id);
      CurveScalar x = CurveScalar.hash(DST_POLYNOMIAL_ARG, xBytes, bBytes, dBytes, id);
      CurveScalar rk = coefficients[threshold - 1];
      for (int i = threshold - 2; i >= 0; i--) {
        rk = rk.multiply(x).add(coefficients[i]);
      }
      CurvePoint commitment = CurvePoint.of(Secp256k1.mulU(rk.toBigInteger()));
      byte[] forReceiver = KeyFrag.signedMessage(id, commitment, precursor, delegatingPk, receivingKey);
      Signature sigReceiver = signer.signDigest(Sha256.hash(forReceiver).toByteArray(), rng);
      byte[] forProxy = KeyFrag.signedMessage(id, commitment, precursor,
          signDelegatingKey ? delegatingPk : null, signReceivingKey ? receivingKey : null);
      Signature sigProxy = signer.signDigest(Sha256.hash(forProxy).toByteArray(), rng);
      out.add(new VerifiedKeyFrag(new KeyFrag(CurvePoint.U, id, rk, precursor, commitment, sigProxy, sigReceiver,
          signDelegatingKey, signReceivingKey)));
    }
    return List.copyOf(out);
  }

  /** {@link #reencrypt(Capsule, VerifiedKeyFrag, EntropySource)} with fresh randomness. */
  public static VerifiedCapsuleFrag reencrypt(Capsule capsule, VerifiedKeyFrag kfrag) {
    return reencrypt(capsule, kfrag, EntropySource.secure());
  }

  /**
   * Re-encrypts {@code capsule} with one verified key fragment, adding a proof of correctness.
   * Draws one scalar (the proof nonce).
   *
   * @throws IllegalStateException if {@code kfrag} was destroyed
   */
  public static VerifiedCapsuleFrag reencrypt(Capsule capsule, VerifiedKeyFrag kfrag, EntropySource rng) {
    Objects.requireNonNull(capsule, "capsule");
    KeyFrag k = kfrag.kfrag();
    ECPoint e = capsule.e().ec();
    ECPoint v = capsule.v().ec();
    CurvePoint e1 = CurvePoint.of(k.multiplyByKey(e));
    CurvePoint v1 = CurvePoint.of(k.multiplyByKey(v));
    CurveScalar tau = CurveScalar.randomNonZero(rng);
    BigInteger t = tau.toBigInteger();
    CurvePoint e2 = CurvePoint.of(Secp256k1.mul(e, t));
    CurvePoint v2 = CurvePoint.of(Secp256k1.mul(v, t));
    CurvePoint u2 = CurvePoint.of(Secp256k1.mulU(t));
    CurvePoint u1 = k.commitment();
    CurveScalar h = CapsuleFrag.challenge(capsule, e1, e2, v1, v2, u1, u2);
    CurveScalar z = k.keyScalar().multiply(h).add(tau);
    return new VerifiedCapsuleFrag(new CapsuleFrag(e1, v1, k.idUnsafe(), k.precursor(), e2, v2, u1, u2, z,
        k.signatureForReceiver()));
  }

  /**
   * Decrypts as the receiver from capsule fragments of at least the threshold many proxies (any
   * order; more than the threshold is fine).
   *
   * @throws DecryptionException with reason {@code NO_CAPSULE_FRAGS}, {@code MISMATCHED_CAPSULE_FRAGS},
   *     {@code REPEATING_CAPSULE_FRAGS}, {@code VALIDATION_FAILED} (too few fragments, wrong capsule or
   *     keys), or a DEM failure
   */
  public static byte[] decryptReencrypted(SecretKey receivingKey, PublicKey delegatingKey, Capsule capsule,
      List<VerifiedCapsuleFrag> cfrags, byte[] ciphertext) throws DecryptionException {
    Objects.requireNonNull(receivingKey, "receivingKey");
    Objects.requireNonNull(delegatingKey, "delegatingKey");
    Objects.requireNonNull(capsule, "capsule");
    Objects.requireNonNull(ciphertext, "ciphertext");
    int t = cfrags.size();
    if (t == 0) {
      throw new DecryptionException(DecryptionException.Reason.NO_CAPSULE_FRAGS);
    }
    CapsuleFrag[] cf = new CapsuleFrag[t];
    for (int i = 0; i < t; i++) {
      cf[i] = cfrags.get(i).cfrag();
    }
    CurvePoint precursor = cf[0].precursor();
    for (CapsuleFrag c : cf) {
      if (!c.precursor().equals(precursor)) {
        throw new DecryptionException(DecryptionException.Reason.MISMATCHED_CAPSULE_FRAGS);
      }
    }
    byte[] xBytes = precursor.toBytes();
    byte[] bBytes = receivingKey.publicKey().toBytes();
    byte[] dBytes = CurvePoint.of(receivingKey.multiply(precursor.ec())).toBytes();
    CurveScalar[] xs = new CurveScalar[t];
    for (int i = 0; i < t; i++) {
      xs[i] = CurveScalar.hash(DST_POLYNOMIAL_ARG, xBytes, bBytes, dBytes, cf[i].kfragIdUnsafe());
    }
    BigInteger[] lambdas = new BigInteger[t];
    ECPoint[] e1s = new ECPoint[t];
    ECPoint[] v1s = new ECPoint[t];
    for (int i = 0; i < t; i++) {
      CurveScalar num = CurveScalar.ONE;
      CurveScalar den = CurveScalar.ONE;
      for (int j = 0; j < t; j++) {
        if (j == i) {
          continue;
        }
        CurveScalar diff = xs[j].subtract(xs[i]);
        if (diff.isZero()) {
          throw new DecryptionException(DecryptionException.Reason.REPEATING_CAPSULE_FRAGS);
        }
        num = num.multiply(xs[j]);
        den = den.multiply(diff);
      }
      lambdas[i] = num.multiply(den.invert()).toBigInteger();
      e1s[i] = cf[i].e1().ec();
      v1s[i] = cf[i].v1().ec();
    }
    // the Lagrange coefficients are public (derived from the fragments' public ids): variable time
    ECPoint ePrime = t == 1 ? Secp256k1.mulVarTime(e1s[0], lambdas[0]) : Secp256k1.sumOf(e1s, lambdas);
    ECPoint vPrime = t == 1 ? Secp256k1.mulVarTime(v1s[0], lambdas[0]) : Secp256k1.sumOf(v1s, lambdas);
    if (ePrime.isInfinity() || vPrime.isInfinity()) {
      throw new DecryptionException(DecryptionException.Reason.VALIDATION_FAILED);
    }
    CurveScalar d = CurveScalar.hash(DST_SHARED_SECRET, xBytes, bBytes, dBytes);
    CurveScalar h = capsule.hash();
    // (s·d⁻¹)·A − h·E' must equal V'.
    ECPoint lhs = Secp256k1.sumOfTwo(delegatingKey.point().ec(), capsule.s().multiply(d.invert()).toBigInteger(),
        ePrime, h.negate().toBigInteger());
    if (lhs.isInfinity() || !lhs.equals(vPrime)) {
      throw new DecryptionException(DecryptionException.Reason.VALIDATION_FAILED);
    }
    // E' + V' is the identity for a hostile capsule with V = −E (it passes the capsule check), and
    // the constant-time multiplier refuses the identity as a base; d is never 0, so the product of
    // any other point is not the identity.
    ECPoint sum = ePrime.add(vPrime);
    if (sum.isInfinity()) {
      throw new DecryptionException(DecryptionException.Reason.VALIDATION_FAILED);
    }
    ECPoint shared = Secp256k1.mul(sum, d.toBigInteger());
    return open(CurvePoint.of(shared).toBytes(), capsule, ciphertext);
  }
}
