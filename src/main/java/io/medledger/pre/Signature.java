package io.medledger.pre;

import io.medledger.codec.Hex;
import io.medledger.codec.MalformedEncodingException;
import io.medledger.crypto.Sha256;
import io.medledger.internal.umbral.Ecdsa;
import io.medledger.internal.umbral.Secp256k1;
import java.io.IOException;
import java.math.BigInteger;
import java.util.Arrays;
import org.bouncycastle.asn1.ASN1Integer;
import org.bouncycastle.asn1.ASN1Primitive;
import org.bouncycastle.asn1.ASN1Sequence;
import org.bouncycastle.asn1.DERSequence;
import org.bouncycastle.util.BigIntegers;

/**
 * An ECDSA secp256k1/SHA-256 signature (r, s), both in [1, n−1], as used by Umbral signers and
 * inside key fragments. The wire form is 64 bytes {@code r ‖ s}; ASN.1 DER is also offered.
 *
 * <p>Immutable and thread-safe.
 */
public final class Signature {
  /** Encoded length. */
  public static final int LENGTH = 64;

  private final byte[] bytes;
  private final BigInteger r;
  private final BigInteger s;

  private Signature(byte[] bytes, BigInteger r, BigInteger s) {
    this.bytes = bytes;
    this.r = r;
    this.s = s;
  }

  /**
   * Parses {@code r ‖ s} (64 bytes).
   *
   * @throws MalformedEncodingException if the length is wrong or r or s is 0 or ≥ n
   */
  public static Signature fromBytes(byte[] bytes) {
    if (bytes == null || bytes.length != LENGTH) {
      throw new MalformedEncodingException("a signature is exactly 64 bytes (r ‖ s)");
    }
    return of(new BigInteger(1, Arrays.copyOfRange(bytes, 0, 32)), new BigInteger(1, Arrays.copyOfRange(bytes, 32, 64)));
  }

  /**
   * Parses a DER {@code SEQUENCE { INTEGER r, INTEGER s }}.
   *
   * @throws MalformedEncodingException if it is not strict DER or r or s is out of range
   */
  public static Signature fromDerBytes(byte[] der) {
    if (der == null || der.length == 0 || der.length > 80) {
      throw new MalformedEncodingException("not a DER ECDSA signature");
    }
    try {
      ASN1Primitive p = ASN1Primitive.fromByteArray(der);
      ASN1Sequence seq = ASN1Sequence.getInstance(p);
      if (seq.size() != 2) {
        throw new MalformedEncodingException("not a DER ECDSA signature");
      }
      BigInteger r = ASN1Integer.getInstance(seq.getObjectAt(0)).getValue();
      BigInteger s = ASN1Integer.getInstance(seq.getObjectAt(1)).getValue();
      Signature sig = of(r, s);
      if (!Arrays.equals(sig.toDerBytes(), der)) {
        throw new MalformedEncodingException("not a canonical DER ECDSA signature");
      }
      return sig;
    } catch (IOException | IllegalArgumentException | MalformedEncodingException | IllegalStateException e) {
      if (e instanceof MalformedEncodingException m) {
        throw m;
      }
      throw new MalformedEncodingException("not a DER ECDSA signature");
    }
  }

  static Signature of(BigInteger r, BigInteger s) {
    if (r.signum() <= 0 || r.compareTo(Secp256k1.N) >= 0 || s.signum() <= 0 || s.compareTo(Secp256k1.N) >= 0) {
      throw new MalformedEncodingException("signature scalar out of range (must be 1..n-1)");
    }
    byte[] b = new byte[LENGTH];
    BigIntegers.asUnsignedByteArray(r, b, 0, 32);
    BigIntegers.asUnsignedByteArray(s, b, 32, 32);
    return new Signature(b, r, s);
  }

  /**
   * Whether this is a valid signature of {@code message} (SHA-256 is applied to it) by
   * {@code verifyingKey}. Like the reference, both halves of s are accepted.
   */
  public boolean verify(PublicKey verifyingKey, byte[] message) {
    return verifyDigest(verifyingKey, Sha256.hash(message).toByteArray());
  }

  boolean verifyDigest(PublicKey verifyingKey, byte[] digest) {
    return Ecdsa.verify(verifyingKey.point().ec(), digest, r, s);
  }

  /** The 64-byte {@code r ‖ s} form. */
  public byte[] toBytes() {
    return bytes.clone();
  }

  /** The ASN.1 DER form. */
  public byte[] toDerBytes() {
    try {
      return new DERSequence(new ASN1Integer[] {new ASN1Integer(r), new ASN1Integer(s)}).getEncoded();
    } catch (IOException e) {
      throw new IllegalStateException(e);
    }
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof Signature x && Arrays.equals(bytes, x.bytes);
  }

  @Override
  public int hashCode() {
    return Arrays.hashCode(bytes);
  }

  @Override
  public String toString() {
    return "Signature[" + Hex.encode(bytes) + "]";
  }
}
