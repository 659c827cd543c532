package io.medledger.pre;

import io.medledger.codec.Hex;
import io.medledger.codec.MalformedEncodingException;
import io.medledger.crypto.Sha256;
import io.medledger.internal.umbral.ConstantTimeMultiplier;
import io.medledger.internal.umbral.CurvePoint;
import io.medledger.internal.umbral.CurveScalar;
import io.medledger.internal.umbral.MsgPack;
import java.util.Arrays;
import java.util.Objects;
import javax.security.auth.Destroyable;
import org.bouncycastle.math.ec.ECPoint;

/**
 * An unverified key fragment (one share of a re-encryption key), as a proxy receives it. It
 * cannot re-encrypt until {@link #verify} turns it into a {@link VerifiedKeyFrag}.
 *
 * <p>Wire form: 310 bytes of MessagePack exactly as rust-umbral 0.10 writes it (parameter point U,
 * id, key share, precursor, and a proof holding the commitment, the two delegator signatures and
 * the two signing flags). {@code toString} shows only the id.
 *
 * <p>The key share is a secret scalar held as 32 bytes in an array that {@link #destroy()}
 * overwrites; a {@link VerifiedKeyFrag} shares this array, so destroying either destroys both.
 * After that every operation that needs the share ({@link #toBytes}, {@link #verify},
 * re-encryption) throws {@link IllegalStateException}. What wiping cannot guarantee on the JVM is in
 * docs/pre.md. Thread-safe; apart from the one-way destruction, immutable.
 */
public final class KeyFrag implements Destroyable {
  /** Serialized length. */
  public static final int LENGTH = 310;
  /** Length of a key-fragment id. */
  public static final int ID_LENGTH = 32;

  private final CurvePoint u;
  private final byte[] id;
  private final byte[] key;
  private final CurvePoint precursor;
  private final CurvePoint commitment;
  private final Signature signatureForProxy;
  private final Signature signatureForReceiver;
  private final boolean delegatingKeySigned;
  private final boolean receivingKeySigned;
  private volatile boolean destroyed;

  KeyFrag(CurvePoint u, byte[] id, CurveScalar key, CurvePoint precursor, CurvePoint commitment,
      Signature signatureForProxy, Signature signatureForReceiver, boolean delegatingKeySigned,
      boolean receivingKeySigned) {
    this.u = u;
    this.id = id;
    this.key = key.toBytes();
    this.precursor = precursor;
    this.commitment = commitment;
    this.signatureForProxy = signatureForProxy;
    this.signatureForReceiver = signatureForReceiver;
    this.delegatingKeySigned = delegatingKeySigned;
    this.receivingKeySigned = receivingKeySigned;
  }

  /**
   * Parses the 310-byte wire form (strictly: canonical layout, compressed non-identity points,
   * scalars below n, no trailing bytes).
   *
   * @throws MalformedEncodingException if the bytes are not a well-formed key fragment
   */
  public static KeyFrag fromBytes(byte[] bytes) {
    MsgPack.Reader r = new MsgPack.Reader(bytes, "key fragment");
    r.array(5);
    r.array(1);
    CurvePoint u = r.point();
    byte[] id = r.bytes(ID_LENGTH);
    CurveScalar key = r.scalar();
    CurvePoint precursor = r.point();
    r.array(5);
    CurvePoint commitment = r.point();
    Signature forProxy = signature(r);
    Signature forReceiver = signature(r);
    boolean signA = r.bool();
    boolean signB = r.bool();
    r.end();
    return new KeyFrag(u, id, key, precursor, commitment, forProxy, forReceiver, signA, signB);
  }

  private static Signature signature(MsgPack.Reader r) {
    byte[] b = r.bytes(Signature.LENGTH);
    try {
      return Signature.fromBytes(b);
    } catch (MalformedEncodingException e) {
      throw new MalformedEncodingException("key fragment: " + e.getMessage());
    }
  }

  /**
   * The 310-byte wire form (it contains the secret key share; wipe it when done).
   *
   * @throws IllegalStateException if the fragment was destroyed
   */
  public byte[] toBytes() {
    live();
    return new MsgPack.Writer(LENGTH)
        .array(5).array(1).point(u).bin(id).bin(key).point(precursor)
        .array(5).point(commitment).bin(signatureForProxy.toBytes()).bin(signatureForReceiver.toBytes())
        .bool(delegatingKeySigned).bool(receivingKeySigned)
        .done();
  }

  /**
   * Verifies the fragment as a proxy does: the commitment matches the key share, and the
   * delegator's signature for the proxy verifies under {@code verifyingKey}, binding the
   * delegating and receiving keys when the fragment says it signed them. When it signed both,
   * the signature for the receiver (which the proxy passes on in its capsule fragments) must
   * verify under them too, so every byte of a verified fragment is bound; otherwise (the
   * reference's rule: keys it does not sign are ignored) it is not checked here, and receivers
   * refuse the capsule fragments made with a damaged one.
   *
   * @param verifyingKey the delegator's verifying (signer) key
   * @param delegatingKey the delegating public key, or {@code null} if unknown
   * @param receivingKey the receiving public key, or {@code null} if unknown
   * @return the verified fragment, or the reason it was rejected
   * @throws IllegalStateException if the fragment was destroyed
   */
  public Verification<VerifiedKeyFrag> verify(PublicKey verifyingKey, PublicKey delegatingKey, PublicKey receivingKey) {
    Objects.requireNonNull(verifyingKey, "verifyingKey");
    live();
    ECPoint expected = u.equals(CurvePoint.U)
        ? ConstantTimeMultiplier.multiplyU(key)
        : ConstantTimeMultiplier.multiply(u.ec(), key);
    if (expected.isInfinity() || !expected.equals(commitment.ec())) {
      return new Verification.Rejected<>(VerificationFailure.INCORRECT_COMMITMENT);
    }
    if (delegatingKeySigned && delegatingKey == null) {
      return new Verification.Rejected<>(VerificationFailure.DELEGATING_KEY_NOT_PROVIDED);
    }
    if (receivingKeySigned && receivingKey == null) {
      return new Verification.Rejected<>(VerificationFailure.RECEIVING_KEY_NOT_PROVIDED);
    }
    byte[] m = signedMessage(id, commitment, precursor,
        delegatingKeySigned ? delegatingKey : null, receivingKeySigned ? receivingKey : null);
    if (!signatureForProxy.verifyDigest(verifyingKey, Sha256.hash(m).toByteArray())) {
      return new Verification.Rejected<>(VerificationFailure.INCORRECT_SIGNATURE);
    }
    // The signature for the receiver travels in every capsule fragment made with this share; when
    // the proxy's signature binds both keys, a share whose fragments every receiver would refuse
    // is refused here.
    if (delegatingKeySigned && receivingKeySigned && !signatureForReceiver.verifyDigest(verifyingKey,
        Sha256.hash(signedMessage(id, commitment, precursor, delegatingKey, receivingKey)).toByteArray())) {
      return new Verification.Rejected<>(VerificationFailure.INCORRECT_SIGNATURE);
    }
    return new Verification.Verified<>(new VerifiedKeyFrag(this));
  }

  /** M(id, C, X, A?, B?) = id ‖ C ‖ X ‖ (A ? 01 ‖ A : 00) ‖ (B ? 01 ‖ B : 00). */
  static byte[] signedMessage(byte[] id, CurvePoint commitment, CurvePoint precursor, PublicKey a, PublicKey b) {
    int len = ID_LENGTH + 2 * CurvePoint.LENGTH + (a != null ? 34 : 1) + (b != null ? 34 : 1);
    byte[] m = new byte[len];
    System.arraycopy(id, 0, m, 0, ID_LENGTH);
    commitment.copyTo(m, 32);
    precursor.copyTo(m, 65);
    int pos = 98;
    pos = optionalKey(m, pos, a);
    optionalKey(m, pos, b);
    return m;
  }

  private static int optionalKey(byte[] m, int pos, PublicKey k) {
    if (k == null) {
      m[pos] = 0;
      return pos + 1;
    }
    m[pos] = 1;
    k.point().copyTo(m, pos + 1);
    return pos + 34;
  }

  /** The 32-byte fragment id (a copy). */
  public byte[] id() {
    return id.clone();
  }

  /** Whether the proxy signature binds the delegating key. */
  public boolean delegatingKeySigned() {
    return delegatingKeySigned;
  }

  /** Whether the proxy signature binds the receiving key. */
  public boolean receivingKeySigned() {
    return receivingKeySigned;
  }

  byte[] idUnsafe() {
    return id;
  }

  /** key · p in constant time, straight from the wipeable array. */
  ECPoint multiplyByKey(ECPoint p) {
    live();
    return ConstantTimeMultiplier.multiply(p, key);
  }

  /** The key share for scalar arithmetic (a transient copy in a {@code BigInteger}). */
  CurveScalar keyScalar() {
    live();
    return CurveScalar.fromBytes(key, 0);
  }

  private void live() {
    if (destroyed) {
      throw new IllegalStateException("the key fragment was destroyed");
    }
  }

  /** Overwrites the key share with zeros; from then on the fragment refuses every secret operation. */
  @Override
  public void destroy() {
    destroyed = true;
    Arrays.fill(key, (byte) 0);
  }

  @Override
  public boolean isDestroyed() {
    return destroyed;
  }

  CurvePoint precursor() {
    return precursor;
  }

  CurvePoint commitment() {
    return commitment;
  }

  Signature signatureForReceiver() {
    return signatureForReceiver;
  }

  /**
   * Equal to a fragment with the same wire form: the public parts compared as usual, the secret
   * shares in place and in constant time (no copy of either is made). A destroyed fragment equals
   * only itself.
   */
  @Override
  public boolean equals(Object o) {
    if (this == o) {
      return true;
    }
    if (!(o instanceof KeyFrag k) || destroyed || k.destroyed) {
      return false;
    }
    boolean open = u.equals(k.u) && Arrays.equals(id, k.id) && precursor.equals(k.precursor)
        && commitment.equals(k.commitment) && signatureForProxy.equals(k.signatureForProxy)
        && signatureForReceiver.equals(k.signatureForReceiver) && delegatingKeySigned == k.delegatingKeySigned
        && receivingKeySigned == k.receivingKeySigned;
    return java.security.MessageDigest.isEqual(key, k.key) & open;
  }

  @Override
  public int hashCode() {
    return Arrays.hashCode(id);
  }

  @Override
  public String toString() {
    return "KeyFrag[id=" + Hex.encode(id) + ", unverified" + (destroyed ? ", destroyed" : "") + "]";
  }
}
