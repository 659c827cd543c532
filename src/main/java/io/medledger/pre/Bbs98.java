package io.medledger.pre;

import io.medledger.codec.MalformedEncodingException;
import io.medledger.crypto.Sha256;
import io.medledger.internal.umbral.Secp256k1;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import org.bouncycastle.asn1.x9.X9ECParameters;
import org.bouncycastle.crypto.InvalidCipherTextException;
import org.bouncycastle.crypto.ec.CustomNamedCurves;
import org.bouncycastle.crypto.modes.ChaCha20Poly1305;
import org.bouncycastle.crypto.params.AEADParameters;
import org.bouncycastle.crypto.params.KeyParameter;
import org.bouncycastle.math.ec.ECPoint;

/**
 * The proxy re-encryption scheme of Blaze, Bleumer and Strauss (EUROCRYPT 1998), the scheme the
 * sharing model's paper cites, in its elliptic-curve ElGamal form over secp256k1 with a hybrid
 * (KEM/DEM) layer so that it encrypts bytes.
 *
 * <p>A ciphertext for public key {@code A = aG} is {@code (M + rG, rA)} for a random point
 * {@code M} whose hash keys ChaCha20-Poly1305. The re-encryption key from Alice to Bob is
 * {@code b/a mod n}; the proxy multiplies the second component by it.
 *
 * <p><b>Limits, on purpose kept visible:</b> the scheme is bidirectional (the inverse of a
 * re-encryption key converts Bob's ciphertexts to Alice's), making a re-encryption key needs both
 * secret keys (or an interactive protocol), and a proxy colluding with the delegatee recovers the
 * delegator's secret key ({@code a = b / rk}). It exists for fidelity to the paper and for
 * comparison; Umbral is the default everywhere in MedLedger.
 *
 * <p>Thread-safe: stateless.
 */
public final class Bbs98 {
  static final X9ECParameters CURVE = CustomNamedCurves.getByName("secp256k1");
  static final BigInteger N = CURVE.getN();
  private static final byte[] DEM_TAG = "MedLedger/BBS98/DEM/v1".getBytes(StandardCharsets.US_ASCII);
  private static final int NONCE_LENGTH = 12;
  private static final int TAG_LENGTH = 16;

  private Bbs98() {}

  /** Encrypts {@code plaintext} for {@code recipient}, binding {@code associatedData}, with fresh {@link SecureRandom}. */
  public static Bbs98Ciphertext encrypt(Bbs98PublicKey recipient, byte[] plaintext, byte[] associatedData) {
    return encrypt(recipient, plaintext, associatedData, new SecureRandom());
  }

  /** Encrypts {@code plaintext} for {@code recipient}, binding {@code associatedData}, with {@code random}. */
  public static Bbs98Ciphertext encrypt(
      Bbs98PublicKey recipient, byte[] plaintext, byte[] associatedData, SecureRandom random) {
    BigInteger m = randomScalar(random);
    BigInteger r = randomScalar(random);
    ECPoint bigM = Secp256k1.mulG(m).normalize();
    ECPoint c1 = bigM.add(Secp256k1.mulG(r)).normalize();
    ECPoint c2 = Secp256k1.mul(recipient.point(), r).normalize();
    byte[] nonce = new byte[NONCE_LENGTH];
    random.nextBytes(nonce);
    byte[] c1b = c1.getEncoded(true);
    byte[] c2b = c2.getEncoded(true);
    byte[] body = aead(true, demKey(bigM), nonce, aad(c1b, associatedData), plaintext);
    return new Bbs98Ciphertext(c1b, c2b, nonce, body);
  }

  /**
   * Decrypts a ciphertext addressed (directly or by re-encryption) to {@code key}.
   *
   * @throws Bbs98DecryptionException if the key is wrong or the ciphertext or associated data was altered
   */
  public static byte[] decrypt(Bbs98PrivateKey key, Bbs98Ciphertext ciphertext, byte[] associatedData)
      throws Bbs98DecryptionException {
    ECPoint c1 = decodePoint(ciphertext.c1());
    ECPoint c2 = decodePoint(ciphertext.c2());
    BigInteger inv = key.scalar().modInverse(N);
    ECPoint bigM = c1.subtract(Secp256k1.mul(c2, inv)).normalize();
    if (bigM.isInfinity()) {
      throw new Bbs98DecryptionException("ciphertext does not decrypt under this key");
    }
    try {
      return aead(false, demKey(bigM), ciphertext.nonce(),
          aad(ciphertext.c1(), associatedData), ciphertext.body());
    } catch (IllegalStateException e) {
      throw new Bbs98DecryptionException("ciphertext does not decrypt under this key");
    }
  }

  /** Makes the re-encryption key from {@code from} to {@code to}: {@code b * a^-1 mod n}. */
  public static Bbs98ReEncryptionKey reEncryptionKey(Bbs98PrivateKey from, Bbs98PrivateKey to) {
    return new Bbs98ReEncryptionKey(to.scalar().multiply(from.scalar().modInverse(N)).mod(N));
  }

  /** Transforms a ciphertext for the delegator into one for the delegatee; the proxy learns nothing of the plaintext. */
  public static Bbs98Ciphertext reEncrypt(Bbs98ReEncryptionKey key, Bbs98Ciphertext ciphertext) {
    ECPoint c2 = decodePoint(ciphertext.c2());
    byte[] c2b = Secp256k1.mul(c2, key.scalar()).normalize().getEncoded(true);
    return new Bbs98Ciphertext(ciphertext.c1(), c2b, ciphertext.nonce(), ciphertext.body());
  }

  static BigInteger randomScalar(SecureRandom random) {
    byte[] b = new byte[32];
    while (true) {
      random.nextBytes(b);
      BigInteger k = new BigInteger(1, b);
      if (k.signum() > 0 && k.compareTo(N) < 0) {
        return k;
      }
    }
  }

  /** Decodes a compressed secp256k1 point, rejecting the identity and off-curve input. */
  static ECPoint decodePoint(byte[] encoded) {
    if (encoded.length != 33 || (encoded[0] != 2 && encoded[0] != 3)) {
      throw new MalformedEncodingException("a BBS98 point is a 33-byte compressed secp256k1 point");
    }
    ECPoint p;
    try {
      p = CURVE.getCurve().decodePoint(encoded);
    } catch (IllegalArgumentException | MalformedEncodingException e) {
      throw new MalformedEncodingException("not a point of secp256k1");
    }
    if (p.isInfinity() || !p.isValid()) {
      throw new MalformedEncodingException("not a valid secp256k1 point");
    }
    return p.normalize();
  }

  private static byte[] demKey(ECPoint bigM) {
    return Sha256.hash(DEM_TAG, bigM.getEncoded(true)).toByteArray();
  }

  private static byte[] aad(byte[] c1, byte[] associatedData) {
    // Only c1 is bound: c2 changes under re-encryption while the payload stays the same.
    byte[] ad = associatedData == null ? new byte[0] : associatedData;
    return Sha256.hash(DEM_TAG, c1, ad).toByteArray();
  }

  private static byte[] aead(boolean encrypt, byte[] key, byte[] nonce, byte[] ad, byte[] in) {
    ChaCha20Poly1305 c = new ChaCha20Poly1305();
    c.init(encrypt, new AEADParameters(new KeyParameter(key), TAG_LENGTH * 8, nonce, ad));
    byte[] out = new byte[c.getOutputSize(in.length)];
    int n = c.processBytes(in, 0, in.length, out, 0);
    try {
      n += c.doFinal(out, n);
    } catch (InvalidCipherTextException e) {
      throw new IllegalStateException("authentication failed");
    }
    return n == out.length ? out : java.util.Arrays.copyOf(out, n);
  }
}
