package io.medledger.pre;

import io.medledger.codec.Hex;
import io.medledger.codec.MalformedEncodingException;
import io.medledger.crypto.Sha256;
import io.medledger.internal.umbral.CurvePoint;
import io.medledger.internal.umbral.CurveScalar;
import io.medledger.internal.umbral.MsgPack;
import io.medledger.internal.umbral.Secp256k1;
import java.math.BigInteger;
import java.util.Arrays;
import java.util.Objects;
import org.bouncycastle.math.ec.ECPoint;

/**
 * An unverified capsule fragment: one proxy's re-encryption of a capsule (E1 = rk·E, V1 = rk·V)
 * with the fragment id, the precursor X and a proof that the proxy used the key share the
 * delegator signed. A receiver turns it into a {@link VerifiedCapsuleFrag} with {@link #verify}.
 *
 * <p>Wire form: 381 bytes of MessagePack exactly as rust-umbral 0.10 writes it. Immutable and
 * thread-safe.
 */
public final class CapsuleFrag {
  /** Serialized length. */
  public static final int LENGTH = 381;
  /** Length of {@link #toBytesSimple()}. */
  public static final int SIMPLE_LENGTH = 359;

  static final String DST_CFRAG_VERIFICATION = "CFRAG_VERIFICATION";

  private final CurvePoint e1;
  private final CurvePoint v1;
  private final byte[] kfragId;
  private final CurvePoint precursor;
  private final CurvePoint e2;
  private final CurvePoint v2;
  private final CurvePoint u1;
  private final CurvePoint u2;
  private final CurveScalar z;
  private final Signature kfragSignature;

  CapsuleFrag(CurvePoint e1, CurvePoint v1, byte[] kfragId, CurvePoint precursor, CurvePoint e2,
      CurvePoint v2, CurvePoint u1, CurvePoint u2, CurveScalar z, Signature kfragSignature) {
    this.e1 = e1;
    this.v1 = v1;
    this.kfragId = kfragId;
    this.precursor = precursor;
    this.e2 = e2;
    this.v2 = v2;
    this.u1 = u1;
    this.u2 = u2;
    this.z = z;
    this.kfragSignature = kfragSignature;
  }

  /**
   * Parses the 381-byte wire form (strictly).
   *
   * @throws MalformedEncodingException if the bytes are not a well-formed capsule fragment
   */
  public static CapsuleFrag fromBytes(byte[] bytes) {
    MsgPack.Reader r = new MsgPack.Reader(bytes, "capsule fragment");
    r.array(5);
    CurvePoint e1 = r.point();
    CurvePoint v1 = r.point();
    byte[] id = r.bytes(KeyFrag.ID_LENGTH);
    CurvePoint precursor = r.point();
    r.array(6);
    CurvePoint e2 = r.point();
    CurvePoint v2 = r.point();
    CurvePoint u1 = r.point();
    CurvePoint u2 = r.point();
    CurveScalar z = r.scalar();
    byte[] sig = r.bytes(Signature.LENGTH);
    r.end();
    Signature signature;
    try {
      signature = Signature.fromBytes(sig);
    } catch (MalformedEncodingException e) {
      throw new MalformedEncodingException("capsule fragment: " + e.getMessage());
    }
    return new CapsuleFrag(e1, v1, id, precursor, e2, v2, u1, u2, z, signature);
  }

  /** The 381-byte wire form. */
  public byte[] toBytes() {
    return new MsgPack.Writer(LENGTH)
        .array(5).point(e1).point(v1).bin(kfragId).point(precursor)
        .array(6).point(e2).point(v2).point(u1).point(u2).bin(z.toBytes()).bin(kfragSignature.toBytes())
        .done();
  }

  /**
   * The 359-byte concatenation {@code E1 ‖ V1 ‖ id ‖ X ‖ E2 ‖ V2 ‖ U1 ‖ U2 ‖ z ‖ signature};
   * export only, not parsed back.
   */
  public byte[] toBytesSimple() {
    byte[] out = new byte[SIMPLE_LENGTH];
    e1.copyTo(out, 0);
    v1.copyTo(out, 33);
    System.arraycopy(kfragId, 0, out, 66, 32);
    precursor.copyTo(out, 98);
    e2.copyTo(out, 131);
    v2.copyTo(out, 164);
    u1.copyTo(out, 197);
    u2.copyTo(out, 230);
    System.arraycopy(z.toBytes(), 0, out, 263, 32);
    System.arraycopy(kfragSignature.toBytes(), 0, out, 295, 64);
    return out;
  }

  /** The proof challenge h = H2S("CFRAG_VERIFICATION"; E, E1, E2, V, V1, V2, U, U1, U2). */
  static CurveScalar challenge(Capsule capsule, CurvePoint e1, CurvePoint e2, CurvePoint v1, CurvePoint v2,
      CurvePoint u1, CurvePoint u2) {
    return CurveScalar.hash(DST_CFRAG_VERIFICATION, capsule.e().toBytes(), e1.toBytes(), e2.toBytes(),
        capsule.v().toBytes(), v1.toBytes(), v2.toBytes(), CurvePoint.U.toBytes(), u1.toBytes(), u2.toBytes());
  }

  /**
   * Verifies the fragment as a receiver does: the delegator's signature over (id, commitment,
   * precursor, delegating key, receiving key) verifies under {@code verifyingKey}, and the proof
   * shows that E1, V1 and the commitment U1 were made with one and the same key share.
   *
   * @param capsule the capsule that was re-encrypted
   * @param verifyingKey the delegator's verifying (signer) key
   * @param delegatingKey the delegating public key
   * @param receivingKey the receiving public key
   * @return the verified fragment, or the reason it was rejected
   */
  public Verification<VerifiedCapsuleFrag> verify(Capsule capsule, PublicKey verifyingKey, PublicKey delegatingKey,
      PublicKey receivingKey) {
    Objects.requireNonNull(capsule, "capsule");
    Objects.requireNonNull(verifyingKey, "verifyingKey");
    Objects.requireNonNull(delegatingKey, "delegatingKey");
    Objects.requireNonNull(receivingKey, "receivingKey");
    CurveScalar h = challenge(capsule, e1, e2, v1, v2, u1, u2);
    byte[] m = KeyFrag.signedMessage(kfragId, u1, precursor, delegatingKey, receivingKey);
    if (!kfragSignature.verifyDigest(verifyingKey, Sha256.hash(m).toByteArray())) {
      return new Verification.Rejected<>(VerificationFailure.INCORRECT_KEY_FRAG_SIGNATURE);
    }
    BigInteger zz = z.toBigInteger();
    BigInteger minusH = h.negate().toBigInteger();
    // z·P − h·P1 must equal P2 for (P, P1, P2) in {(E, E1, E2), (V, V1, V2), (U, U1, U2)}.
    if (!holds(capsule.e().ec(), e1, e2, zz, minusH)
        || !holds(capsule.v().ec(), v1, v2, zz, minusH)
        || !holds(Secp256k1.U, u1, u2, zz, minusH)) {
      return new Verification.Rejected<>(VerificationFailure.INCORRECT_REENCRYPTION);
    }
    return new Verification.Verified<>(new VerifiedCapsuleFrag(this));
  }

  private static boolean holds(ECPoint p, CurvePoint p1, CurvePoint p2, BigInteger z, BigInteger minusH) {
    ECPoint lhs = Secp256k1.sumOfTwo(p, z, p1.ec(), minusH);
    return !lhs.isInfinity() && lhs.equals(p2.ec());
  }

  /** The id of the key fragment it was made with (a copy). */
  public byte[] kfragId() {
    return kfragId.clone();
  }

  byte[] kfragIdUnsafe() {
    return kfragId;
  }

  CurvePoint e1() {
    return e1;
  }

  CurvePoint v1() {
    return v1;
  }

  CurvePoint precursor() {
    return precursor;
  }

  CurvePoint e2() {
    return e2;
  }

  CurvePoint v2() {
    return v2;
  }

  CurvePoint u1() {
    return u1;
  }

  CurvePoint u2() {
    return u2;
  }

  CurveScalar z() {
    return z;
  }

  Signature kfragSignature() {
    return kfragSignature;
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof CapsuleFrag c && Arrays.equals(toBytes(), c.toBytes());
  }

  @Override
  public int hashCode() {
    return Arrays.hashCode(kfragId) * 31 + e1.hashCode();
  }

  @Override
  public String toString() {
    return "CapsuleFrag[kfragId=" + Hex.encode(kfragId) + ", unverified]";
  }
}
