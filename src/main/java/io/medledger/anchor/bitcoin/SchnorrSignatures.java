package io.medledger.anchor.bitcoin;

import io.medledger.internal.bitcoin.BitcoinCrypto;

/** BIP 340 Schnorr verification and BIP 341 key tweaking helpers. Stateless and thread-safe. */
public final class SchnorrSignatures {
  private SchnorrSignatures() {}

  /**
   * Verifies a 64-byte BIP 340 signature of {@code message} under a 32-byte x-only key.
   *
   * @return false for an invalid signature, a key that is not on the curve, or wrong lengths
   */
  public static boolean verify(byte[] xOnlyKey32, byte[] message, byte[] signature64) {
    return BitcoinCrypto.verifySchnorr(xOnlyKey32, message, signature64);
  }

  /**
   * The BIP 341 output key for an x-only internal key and an optional 32-byte script-tree Merkle
   * root ({@code null} for a key-path-only output).
   *
   * @throws io.medledger.codec.MalformedEncodingException if the internal key is not valid
   */
  public static byte[] taprootOutputKey(byte[] internalKey32, byte[] merkleRoot32) {
    return BitcoinCrypto.xOnly(BitcoinCrypto.tweakPublic(internalKey32, merkleRoot32));
  }

  /** The BIP 341 TapTweak value (32 bytes) for an internal key and optional Merkle root. */
  public static byte[] tapTweak(byte[] internalKey32, byte[] merkleRoot32) {
    return BitcoinCrypto.to32(BitcoinCrypto.tapTweak(internalKey32, merkleRoot32));
  }
}
