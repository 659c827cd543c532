package io.medledger.anchor.bitcoin;

import io.medledger.codec.MalformedEncodingException;
import io.medledger.crypto.Digest;
import io.medledger.internal.bitcoin.Base58;
import io.medledger.internal.bitcoin.BitcoinCrypto;
import java.math.BigInteger;
import java.nio.CharBuffer;
import java.security.SecureRandom;
import java.util.Arrays;
import java.util.Objects;
import javax.security.auth.Destroyable;

/**
 * A secp256k1 private key with the network and public-key compression it is used with (as WIF
 * records them).
 *
 * <p>The secret is reachable only through {@link #exportSecretBytes()} and
 * {@link #exportSecretWif()}, and never passes through a {@code String}: WIF text comes in and goes
 * out as a {@code char[]} for the caller to wipe. {@code toString} shows only the public key.
 *
 * <p>The key holds its secret as a 32-byte array and nothing else: {@link #destroy()} overwrites
 * that array with zeros, and from then on signing, deriving and exporting throw
 * {@link IllegalStateException}. A {@link BigInteger} of the secret, which cannot be wiped, is made
 * only for the length of one signature or derivation and dropped; such transient copies, and those
 * the JVM makes while computing, are beyond any wiping. ECDSA signatures use RFC 6979 nonces and are low-S; Schnorr
 * signatures follow BIP 340. Thread-safe; apart from the one-way destruction, immutable.
 */
public final class BitcoinPrivateKey implements Destroyable {
  /** The 32-byte big-endian secret, the only copy the key keeps; zeros once destroyed. */
  private final byte[] secret;
  private final Network network;
  private final BitcoinPublicKey publicKey;
  private volatile boolean destroyed;

  /** A key of a copy of {@code secret32} (32 bytes, which the caller keeps and wipes). */
  private BitcoinPrivateKey(byte[] secret32, Network network, boolean compressed) {
    BigInteger d = new BigInteger(1, secret32);
    if (!BitcoinCrypto.isValidScalar(d)) {
      throw new MalformedEncodingException("private key must be in [1, n-1]");
    }
    this.network = Objects.requireNonNull(network, "network");
    this.publicKey = new BitcoinPublicKey(BitcoinCrypto.mulG(d), compressed);
    this.secret = secret32.clone();
  }

  /** The secret as a scalar, for one operation only: the caller drops it at once. */
  private BigInteger scalar() {
    requireLive();
    return new BigInteger(1, secret);
  }

  private void requireLive() {
    if (destroyed) {
      throw new IllegalStateException("the Bitcoin private key of " + publicKey.toHex() + " was destroyed");
    }
  }

  /** The array holding the secret itself (not a copy), for tests that check its wiping. */
  byte[] heldSecretForTest() {
    return secret;
  }

  /** Generates a new compressed key with {@code random}. */
  public static BitcoinPrivateKey generate(Network network, SecureRandom random) {
    byte[] b = new byte[32];
    try {
      while (true) {
        random.nextBytes(b);
        if (BitcoinCrypto.isValidScalar(new BigInteger(1, b))) {
          return new BitcoinPrivateKey(b, network, true);
        }
      }
    } finally {
      Arrays.fill(b, (byte) 0);
    }
  }

  /** Generates a new compressed key with a fresh {@link SecureRandom}. */
  public static BitcoinPrivateKey generate(Network network) {
    return generate(network, new SecureRandom());
  }

  /**
   * Restores a key from its 32-byte big-endian secret.
   *
   * @throws MalformedEncodingException if it is not 32 bytes or not in [1, n-1]
   */
  public static BitcoinPrivateKey fromSecretBytes(byte[] secret32, Network network, boolean compressed) {
    if (secret32 == null || secret32.length != 32) {
      throw new MalformedEncodingException("a private key is 32 bytes");
    }
    return new BitcoinPrivateKey(secret32, network, compressed);
  }

  /**
   * Parses a WIF key: Base58Check of version byte, 32-byte secret and an optional 0x01
   * compression marker. Testnet and regtest share a version byte; both parse as
   * {@link Network#TESTNET}. {@code wif} is only read; the caller wipes it.
   *
   * @throws MalformedEncodingException on a bad checksum, length, version or range (the message
   *     never contains key material)
   */
  public static BitcoinPrivateKey fromWif(char[] wif) {
    byte[] p = Base58.decodeCheck(CharBuffer.wrap(wif));
    byte[] d = null;
    try {
      boolean compressed;
      if (p.length == 34 && p[33] == 1) {
        compressed = true;
      } else if (p.length == 33) {
        compressed = false;
      } else {
        throw new MalformedEncodingException("WIF payload has the wrong length or compression marker");
      }
      int v = p[0] & 0xff;
      Network net;
      if (v == Network.MAINNET.wifVersion()) {
        net = Network.MAINNET;
      } else if (v == Network.TESTNET.wifVersion()) {
        net = Network.TESTNET;
      } else {
        throw new MalformedEncodingException("unknown WIF version byte 0x" + Integer.toHexString(v));
      }
      d = Arrays.copyOfRange(p, 1, 33);
      return new BitcoinPrivateKey(d, net, compressed);
    } finally {
      Arrays.fill(p, (byte) 0);
      if (d != null) {
        Arrays.fill(d, (byte) 0);
      }
    }
  }

  /** The network this key was created for. */
  public Network network() {
    return network;
  }

  /** True if the public key is used in compressed form. */
  public boolean isCompressed() {
    return publicKey.isCompressed();
  }

  /** The public key in this key's compression form. */
  public BitcoinPublicKey publicKey() {
    return publicKey;
  }

  /** This key bound to another network (Base58 prefixes differ, the secret is the same). */
  public BitcoinPrivateKey onNetwork(Network other) {
    if (other == network) {
      return this;
    }
    byte[] d = exportSecretBytes();
    try {
      return new BitcoinPrivateKey(d, other, isCompressed());
    } finally {
      Arrays.fill(d, (byte) 0);
    }
  }

  /**
   * Returns a copy of the 32-byte secret. Handle with care: this is the whole key.
   *
   * @throws IllegalStateException if the key was destroyed
   */
  public byte[] exportSecretBytes() {
    requireLive();
    byte[] copy = secret.clone();
    if (destroyed) { // destroyed while copying: the copy may be partly zeros
      Arrays.fill(copy, (byte) 0);
      requireLive();
    }
    return copy;
  }

  /**
   * Returns the key in WIF, as characters for the caller to wipe. Handle with care: this is the
   * whole key.
   *
   * @throws IllegalStateException if the key was destroyed
   */
  public char[] exportSecretWif() {
    byte[] p = new byte[isCompressed() ? 34 : 33];
    p[0] = (byte) network.wifVersion();
    byte[] d = exportSecretBytes();
    System.arraycopy(d, 0, p, 1, 32);
    Arrays.fill(d, (byte) 0);
    if (isCompressed()) {
      p[33] = 1;
    }
    try {
      return Base58.encodeCheckToChars(p);
    } finally {
      Arrays.fill(p, (byte) 0);
    }
  }

  /** ECDSA signature of a 32-byte hash with an RFC 6979 nonce, normalized to low-S. */
  public EcdsaSignature signEcdsa(Digest hash) {
    BigInteger[] rs = BitcoinCrypto.signEcdsa(scalar(), hash.toByteArray());
    return new EcdsaSignature(rs[0], rs[1]);
  }

  /** BIP 340 signature of {@code message} with this key's x-only public key. */
  public byte[] signSchnorr(byte[] message, byte[] auxRand32) {
    return BitcoinCrypto.signSchnorr(scalar(), publicKey.point(), message, auxRand32);
  }

  /**
   * BIP 340 signature for a BIP 341 key-path spend: signs with this key tweaked by
   * {@code TapTweak(xonly(P) || merkleRoot)} (no script tree if {@code merkleRoot32} is null).
   */
  public byte[] signTaprootKeyPath(Digest sighash, byte[] merkleRoot32, byte[] auxRand32) {
    BigInteger tweaked = BitcoinCrypto.tweakSecret(scalar(), publicKey.point(), merkleRoot32);
    return BitcoinCrypto.signSchnorr(tweaked, sighash.toByteArray(), auxRand32);
  }

  /**
   * Overwrites the held secret with zeros; from then on signing, deriving ({@link #onNetwork}) and
   * exporting throw {@link IllegalStateException}. Idempotent. (The transient scalars of earlier
   * signatures and copies the JVM made while computing are beyond reach.)
   */
  @Override
  public void destroy() {
    destroyed = true;
    Arrays.fill(secret, (byte) 0);
  }

  /** Whether {@link #destroy()} was called. */
  @Override
  public boolean isDestroyed() {
    return destroyed;
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof BitcoinPrivateKey k && k.network == network && k.publicKey.equals(publicKey);
  }

  @Override
  public int hashCode() {
    return publicKey.hashCode();
  }

  @Override
  public String toString() {
    return "BitcoinPrivateKey[" + network + ", public=" + publicKey.toHex() + ", secret="
        + (destroyed ? "destroyed" : "<redacted>") + "]";
  }
}
