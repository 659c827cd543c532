package io.medledger.anchor.bitcoin;

import io.medledger.codec.Hex;
import io.medledger.crypto.Digest;
import io.medledger.internal.bitcoin.BitcoinCrypto;
import java.util.Arrays;
import org.bouncycastle.math.ec.ECPoint;

/**
 * A validated secp256k1 public key with its SEC1 encoding (compressed or uncompressed), as used by
 * P2PKH and P2WPKH. Immutable (its taproot output key is computed once, on first use) and
 * thread-safe.
 */
public final class BitcoinPublicKey {
  private final ECPoint point;
  private final byte[] encoded;
  /** Lazily computed BIP 341 output key; a benign race computes the same value twice at worst. */
  private volatile byte[] taprootOutputKey;

  BitcoinPublicKey(ECPoint point, boolean compressed) {
    this.point = point.normalize();
    this.encoded = this.point.getEncoded(compressed);
  }

  /**
   * Parses a 33-byte compressed or 65-byte uncompressed SEC1 key.
   *
   * @throws io.medledger.codec.MalformedEncodingException if it is not a valid curve point
   */
  public static BitcoinPublicKey fromBytes(byte[] sec1) {
    ECPoint q = BitcoinCrypto.decodePoint(sec1);
    return new BitcoinPublicKey(q, sec1.length == 33);
  }

  ECPoint point() {
    return point;
  }

  /** True if the encoding is the 33-byte compressed form. */
  public boolean isCompressed() {
    return encoded.length == 33;
  }

  /** The SEC1 encoding (copy). */
  public byte[] toBytes() {
    return encoded.clone();
  }

  /** The key in the other encoding form. */
  public BitcoinPublicKey withCompression(boolean compressed) {
    return compressed == isCompressed() ? this : new BitcoinPublicKey(point, compressed);
  }

  /** HASH160 (RIPEMD-160 of SHA-256) of the encoding. */
  public byte[] hash160() {
    return BitcoinCrypto.hash160(encoded);
  }

  /** The 32-byte x coordinate (BIP 340 x-only key). */
  public byte[] xOnly() {
    return BitcoinCrypto.xOnly(point);
  }

  /** The P2PKH output script for this key in its encoding. */
  public Script p2pkhScript() {
    return Script.p2pkh(hash160());
  }

  /**
   * The P2WPKH output script (BIP 143 requires a compressed key).
   *
   * @throws IllegalStateException if the key is uncompressed
   */
  public Script p2wpkhScript() {
    if (!isCompressed()) {
      throw new IllegalStateException("P2WPKH requires a compressed public key");
    }
    return Script.p2wpkh(hash160());
  }

  /** The BIP 86-style P2TR output script: this key as internal key, tweaked without a script tree. */
  public Script p2trScript() {
    return Script.p2tr(taprootOutputKey());
  }

  /** The BIP 341 output key (x-only) for this internal key with no script tree. */
  public byte[] taprootOutputKey() {
    byte[] k = taprootOutputKey;
    if (k == null) {
      k = BitcoinCrypto.xOnly(BitcoinCrypto.tweakPublic(xOnly(), null));
      taprootOutputKey = k;
    }
    return k.clone();
  }

  /**
   * Verifies an ECDSA signature over a 32-byte hash. High-S signatures are accepted only if
   * {@code requireLowS} is false.
   */
  public boolean verifyEcdsa(Digest hash, EcdsaSignature sig, boolean requireLowS) {
    if (requireLowS && !sig.isLowS()) {
      return false;
    }
    return BitcoinCrypto.verifyEcdsa(point, hash.toByteArray(), sig.r(), sig.s());
  }

  /** Lowercase hex of the encoding. */
  public String toHex() {
    return Hex.encode(encoded);
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof BitcoinPublicKey k && Arrays.equals(encoded, k.encoded);
  }

  @Override
  public int hashCode() {
    return Arrays.hashCode(encoded);
  }

  @Override
  public String toString() {
    return "BitcoinPublicKey[" + toHex() + "]";
  }
}
