package io.medledger.crypto;

import io.medledger.codec.Hex;
import io.medledger.codec.MalformedEncodingException;
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
  private final Ed25519.PublicPoint point;

  private Ed25519PublicKey(byte[] encoded, Ed25519.PublicPoint point) {
    this.encoded = encoded;
    this.point = point;
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
    Ed25519.PublicPoint p = Ed25519.validatePublicKeyPartialExport(copy, 0);
    if (p == null) {
      throw new MalformedEncodingException("not a valid Ed25519 public key");
    }
    return new Ed25519PublicKey(copy, p);
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
   * Verifies an Ed25519 signature (RFC 8032, with the canonical-S check) over {@code message}.
   * Returns false for a signature of the wrong length or any invalid signature; never throws for
   * malformed input.
   */
  public boolean verify(byte[] message, byte[] signature) {
    if (message == null || signature == null || signature.length != Ed25519.SIGNATURE_SIZE) {
      return false;
    }
    try {
      return Ed25519.verify(signature, 0, point, message, 0, message.length);
    } catch (RuntimeException e) {
      return false;
    }
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
