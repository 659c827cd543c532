package io.medledger.crypto;

import io.medledger.codec.Hex;
import io.medledger.codec.MalformedEncodingException;
import io.medledger.internal.ed25519.Ed25519Group;
import java.security.MessageDigest;
import org.bouncycastle.math.ec.rfc8032.Ed25519;

/**
 * An Ed25519 public key (RFC 8032), validated when constructed: the encoding is canonical and
 * decodes to a point of the curve that is not of small order (the rules libsodium applies to a
 * verification key). Membership of the prime-order subgroup is not checked: that check is a full
 * scalar multiplication, costs as much as a signature verification, and would double the cost of
 * every entry a node decodes (each entry carries its signer's key); a key with a small-order
 * component gains its holder nothing, since only the holder of its secret can sign under it.
 *
 * <p>Immutable and thread-safe.
 */
public final class Ed25519PublicKey {
  /** Length of the raw encoding. */
  public static final int LENGTH = 32;

  private final byte[] encoded;
  /** The decoded point, as batch verification uses it. */
  private final Ed25519Group.Affine affine;
  /** BouncyCastle's form of the point, for one-at-a-time verification, decoded on first use. */
  private volatile Ed25519.PublicPoint point;

  private Ed25519PublicKey(byte[] encoded, Ed25519Group.Affine affine) {
    this.encoded = encoded;
    this.affine = affine;
  }

  /**
   * Decodes a raw 32-byte public key.
   *
   * @throws MalformedEncodingException if the bytes are not a valid Ed25519 public key
   */
  public static Ed25519PublicKey fromBytes(byte[] raw) {
    if (raw == null || raw.length != LENGTH) {
      throw new MalformedEncodingException(
          "an Ed25519 public key is 32 bytes, got " + (raw == null ? "null" : raw.length));
    }
    byte[] copy = raw.clone();
    // the rules of BouncyCastle's validatePublicKeyPartial, with one decoding shared by both
    // verification paths (Ed25519Test compares the two on random and small-order encodings)
    Ed25519Group.Affine a = Ed25519Group.decode(copy, 0);
    if (a == null || Ed25519Group.hasSmallOrder(a)) {
      throw new MalformedEncodingException("not a valid Ed25519 public key");
    }
    return new Ed25519PublicKey(copy, a);
  }

  /**
   * Decodes a public key from 64 hex characters.
   *
   * @throws MalformedEncodingException if the text is not a valid Ed25519 public key
   */
  public static Ed25519PublicKey fromHex(String hex) {
    byte[] raw;
    try {
      raw = Hex.decode(hex);
    } catch (IllegalArgumentException | MalformedEncodingException e) {
      throw new MalformedEncodingException("Ed25519 public key: " + e.getMessage());
    }
    return fromBytes(raw);
  }

  static Ed25519PublicKey fromTrusted(byte[] encoded) {
    return fromBytes(encoded);
  }

  /**
   * Verifies an Ed25519 signature over {@code message} by the cofactored equation of RFC 8032,
   * section 5.1.7: R must be a canonical point encoding, S must be below the group order L, and
   * {@code [8][S]B = [8]R + [8][k]A}. BouncyCastle checks exactly this, and so does
   * {@link Ed25519Signatures#verifyAll} for many signatures at once, so a signature verified
   * alone and in a batch gets the same answer. Returns false for a signature of the wrong length
   * or any invalid signature; never throws for malformed input.
   */
  public boolean verify(byte[] message, byte[] signature) {
    if (message == null || signature == null || signature.length != Ed25519.SIGNATURE_SIZE) {
      return false;
    }
    try {
      Ed25519.PublicPoint p = point;
      if (p == null) {
        p = Ed25519.validatePublicKeyPartialExport(encoded, 0);
        if (p == null) {
          return false; // not reached: the same rules held when the key was decoded
        }
        point = p;
      }
      return Ed25519.verify(signature, 0, p, message, 0, message.length);
    } catch (RuntimeException e) {
      return false;
    }
  }

  /** The decoded point, for batch verification. */
  Ed25519Group.Affine affine() {
    return affine;
  }

  /** The raw encoding itself, not a copy, for hashing inside this package. */
  byte[] encodedForBatch() {
    return encoded;
  }

  /** Returns a copy of the raw 32-byte encoding. */
  public byte[] toBytes() {
    return encoded.clone();
  }

  /** Returns the raw encoding as lowercase hex. */
  public String toHex() {
    return Hex.encode(encoded);
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof Ed25519PublicKey k && MessageDigest.isEqual(encoded, k.encoded);
  }

  @Override
  public int hashCode() {
    return java.util.Arrays.hashCode(encoded);
  }

  @Override
  public String toString() {
    return "Ed25519PublicKey[" + toHex() + "]";
  }
}
