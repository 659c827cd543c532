package io.medledger.internal.bitcoin;

import io.medledger.codec.MalformedEncodingException;
import io.medledger.crypto.Digest;
import io.medledger.crypto.Sha256;
import java.math.BigInteger;
import java.security.MessageDigest;
import java.util.Arrays;
import org.bouncycastle.asn1.x9.X9ECParameters;
import org.bouncycastle.crypto.digests.RIPEMD160Digest;
import org.bouncycastle.crypto.ec.CustomNamedCurves;
import org.bouncycastle.crypto.params.ECDomainParameters;
import org.bouncycastle.crypto.params.ECPrivateKeyParameters;
import org.bouncycastle.crypto.params.ECPublicKeyParameters;
import org.bouncycastle.crypto.signers.ECDSASigner;
import org.bouncycastle.math.ec.ECAlgorithms;
import org.bouncycastle.math.ec.ECPoint;

/**
 * secp256k1 on BouncyCastle: point codecs, RFC 6979 ECDSA with low-S, BIP 340 Schnorr, tagged
 * hashes, HASH160 and the BIP 341 key tweak. Stateless and thread-safe.
 */
public final class BitcoinCrypto {
  private static final X9ECParameters PARAMS = CustomNamedCurves.getByName("secp256k1");
  public static final ECDomainParameters DOMAIN = new ECDomainParameters(
      PARAMS.getCurve(), PARAMS.getG(), PARAMS.getN(), PARAMS.getH());
  public static final BigInteger N = PARAMS.getN();
  public static final BigInteger HALF_N = N.shiftRight(1);
  public static final BigInteger P = PARAMS.getCurve().getField().getCharacteristic();

  private BitcoinCrypto() {}

  /** Returns d·G (normalized) in constant time: d is usually secret (keys, nonces). */
  public static ECPoint mulG(BigInteger d) {
    return io.medledger.internal.umbral.Secp256k1.mulG(d).normalize();
  }

  /** Returns true if {@code d} is a valid secret scalar (1 to n-1). */
  public static boolean isValidScalar(BigInteger d) {
    return d.signum() > 0 && d.compareTo(N) < 0;
  }

  /**
   * Decodes a compressed (33-byte) or uncompressed (65-byte) SEC1 point, rejecting off-curve
   * points, the identity, coordinates not below p and hybrid encodings.
   */
  public static ECPoint decodePoint(byte[] enc) {
    if (enc == null || !((enc.length == 33 && (enc[0] == 2 || enc[0] == 3)) || (enc.length == 65 && enc[0] == 4))) {
      throw new MalformedEncodingException("a public key is 33 bytes (02/03) or 65 bytes (04)");
    }
    BigInteger x = new BigInteger(1, Arrays.copyOfRange(enc, 1, 33));
    if (x.compareTo(P) >= 0) {
      throw new MalformedEncodingException("public key x coordinate not below the field prime");
    }
    if (enc.length == 65 && new BigInteger(1, Arrays.copyOfRange(enc, 33, 65)).compareTo(P) >= 0) {
      throw new MalformedEncodingException("public key y coordinate not below the field prime");
    }
    ECPoint q;
    try {
      q = DOMAIN.getCurve().decodePoint(enc);
    } catch (IllegalArgumentException | MalformedEncodingException e) {
      throw new MalformedEncodingException("public key is not a point on secp256k1");
    }
    if (q.isInfinity() || !q.isValid()) {
      throw new MalformedEncodingException("public key is not a valid secp256k1 point");
    }
    return q.normalize();
  }

  /** BIP 340 lift_x: the point with even y and the given x, or null if none exists. */
  public static ECPoint liftX(byte[] x32) {
    BigInteger x = new BigInteger(1, x32);
    if (x.compareTo(P) >= 0) {
      return null;
    }
    byte[] enc = new byte[33];
    enc[0] = 2;
    System.arraycopy(x32, 0, enc, 1, 32);
    try {
      // decodePoint checks that the decompressed point satisfies the curve equation.
      return DOMAIN.getCurve().decodePoint(enc).normalize();
    } catch (IllegalArgumentException | MalformedEncodingException e) {
      return null;
    }
  }

  public static boolean hasEvenY(ECPoint q) {
    return !q.getAffineYCoord().testBitZero();
  }

  public static byte[] xOnly(ECPoint q) {
    return q.getAffineXCoord().getEncoded();
  }

  /** 32-byte big-endian encoding of a scalar below 2^256. */
  public static byte[] to32(BigInteger v) {
    byte[] raw = v.toByteArray();
    if (raw.length == 32) {
      return raw;
    }
    byte[] out = new byte[32];
    if (raw.length > 32) {
      System.arraycopy(raw, raw.length - 32, out, 0, 32);
    } else {
      System.arraycopy(raw, 0, out, 32 - raw.length, raw.length);
    }
    return out;
  }

  /** RIPEMD160(SHA256(data)). */
  public static byte[] hash160(byte[] data) {
    byte[] sha = Sha256.hash(data).toByteArray();
    RIPEMD160Digest r = new RIPEMD160Digest();
    r.update(sha, 0, sha.length);
    byte[] out = new byte[20];
    r.doFinal(out, 0);
    return out;
  }

  /** BIP 340 tagged hash: SHA256(SHA256(tag) || SHA256(tag) || parts...). */
  public static Digest taggedHash(String tag, byte[]... parts) {
    byte[] th = Sha256.hash(tag.getBytes(java.nio.charset.StandardCharsets.US_ASCII)).toByteArray();
    MessageDigest md = Sha256.newMessageDigest();
    md.update(th);
    md.update(th);
    for (byte[] p : parts) {
      md.update(p);
    }
    return Digest.of(md.digest());
  }

  // ---------------------------------------------------------------- ECDSA

  /** A deterministic nonce calculator (RFC 6979 with HMAC-SHA256) initialised for d and hash. */
  public static Rfc6979KCalculator rfc6979(BigInteger d, byte[] hash32) {
    Rfc6979KCalculator k = new Rfc6979KCalculator();
    k.init(N, d, hash32);
    return k;
  }

  /**
   * Signs a 32-byte hash with RFC 6979 nonces and returns {r, s} with s normalized to low-S.
   */
  public static BigInteger[] signEcdsa(BigInteger d, byte[] hash32) {
    ECDSASigner signer = new ECDSASigner(new Rfc6979KCalculator());
    signer.init(true, new ECPrivateKeyParameters(d, DOMAIN));
    BigInteger[] rs = signer.generateSignature(hash32);
    if (rs[1].compareTo(HALF_N) > 0) {
      rs[1] = N.subtract(rs[1]);
    }
    return rs;
  }

  /** Verifies (r, s) over a 32-byte hash; high-S is accepted here (callers enforce policy). */
  public static boolean verifyEcdsa(ECPoint q, byte[] hash32, BigInteger r, BigInteger s) {
    if (r.signum() <= 0 || s.signum() <= 0 || r.compareTo(N) >= 0 || s.compareTo(N) >= 0) {
      return false;
    }
    ECDSASigner verifier = new ECDSASigner();
    verifier.init(false, new ECPublicKeyParameters(q, DOMAIN));
    return verifier.verifySignature(hash32, r, s);
  }

  // ---------------------------------------------------------------- BIP 340

  /** BIP 340 signing of a message of any length with 32 bytes of auxiliary randomness. */
  public static byte[] signSchnorr(BigInteger secret, byte[] msg, byte[] aux32) {
    if (!isValidScalar(secret)) {
      throw new IllegalArgumentException("secret key out of range");
    }
    return signSchnorr(secret, mulG(secret), msg, aux32);
  }

  /** BIP 340 signing when the caller already has {@code p = secret·G} (normalized). */
  public static byte[] signSchnorr(BigInteger secret, ECPoint p, byte[] msg, byte[] aux32) {
    if (!isValidScalar(secret)) {
      throw new IllegalArgumentException("secret key out of range");
    }
    if (aux32.length != 32) {
      throw new IllegalArgumentException("aux_rand is 32 bytes");
    }
    BigInteger d = hasEvenY(p) ? secret : N.subtract(secret);
    byte[] px = xOnly(p);
    byte[] t = to32(d);
    byte[] auxHash = taggedHash("BIP0340/aux", aux32).toByteArray();
    for (int i = 0; i < 32; i++) {
      t[i] ^= auxHash[i];
    }
    BigInteger k0 = new BigInteger(1, taggedHash("BIP0340/nonce", t, px, msg).toByteArray()).mod(N);
    Arrays.fill(t, (byte) 0);
    if (k0.signum() == 0) {
      throw new IllegalStateException("BIP 340 nonce is zero (probability 2^-256)");
    }
    ECPoint r = mulG(k0);
    BigInteger k = hasEvenY(r) ? k0 : N.subtract(k0);
    byte[] rx = xOnly(r);
    BigInteger e = new BigInteger(1, taggedHash("BIP0340/challenge", rx, px, msg).toByteArray()).mod(N);
    byte[] sig = new byte[64];
    System.arraycopy(rx, 0, sig, 0, 32);
    System.arraycopy(to32(k.add(e.multiply(d)).mod(N)), 0, sig, 32, 32);
    if (!verifySchnorr(px, msg, sig)) {
      throw new IllegalStateException("BIP 340 signature failed its own verification");
    }
    return sig;
  }

  /** BIP 340 verification; false for any malformed key or signature. */
  public static boolean verifySchnorr(byte[] pubX32, byte[] msg, byte[] sig64) {
    if (pubX32 == null || pubX32.length != 32 || sig64 == null || sig64.length != 64) {
      return false;
    }
    ECPoint p = liftX(pubX32);
    if (p == null) {
      return false;
    }
    byte[] rx = Arrays.copyOfRange(sig64, 0, 32);
    BigInteger r = new BigInteger(1, rx);
    BigInteger s = new BigInteger(1, Arrays.copyOfRange(sig64, 32, 64));
    if (r.compareTo(P) >= 0 || s.compareTo(N) >= 0) {
      return false;
    }
    BigInteger e = new BigInteger(1, taggedHash("BIP0340/challenge", rx, pubX32, msg).toByteArray()).mod(N);
    ECPoint rr = ECAlgorithms.sumOfTwoMultiplies(DOMAIN.getG(), s, p, N.subtract(e)).normalize();
    if (rr.isInfinity() || !hasEvenY(rr)) {
      return false;
    }
    return MessageDigest.isEqual(xOnly(rr), rx);
  }

  // ---------------------------------------------------------------- BIP 341

  /** The BIP 341 TapTweak scalar for an x-only internal key and optional 32-byte Merkle root. */
  public static BigInteger tapTweak(byte[] internalX32, byte[] merkleRoot) {
    Digest t = merkleRoot == null ? taggedHash("TapTweak", internalX32) : taggedHash("TapTweak", internalX32, merkleRoot);
    BigInteger v = new BigInteger(1, t.toByteArray());
    if (v.compareTo(N) >= 0) {
      throw new IllegalArgumentException("TapTweak hash not below the group order");
    }
    return v;
  }

  /** The tweaked output key Q = lift_x(P) + t·G; null if it is the identity. */
  public static ECPoint tweakPublic(byte[] internalX32, byte[] merkleRoot) {
    ECPoint p = liftX(internalX32);
    if (p == null) {
      throw new MalformedEncodingException("internal key is not a valid x-only key");
    }
    ECPoint q = p.add(mulG(tapTweak(internalX32, merkleRoot))).normalize();
    if (q.isInfinity()) {
      throw new IllegalArgumentException("tweaked key is the point at infinity");
    }
    return q;
  }

  /** The tweaked secret key for key-path spending (BIP 341 taproot_tweak_seckey). */
  public static BigInteger tweakSecret(BigInteger secret, byte[] merkleRoot) {
    return tweakSecret(secret, mulG(secret), merkleRoot);
  }

  /** {@link #tweakSecret(BigInteger, byte[])} when the caller already has {@code p = secret·G}. */
  public static BigInteger tweakSecret(BigInteger secret, ECPoint p, byte[] merkleRoot) {
    BigInteger d = hasEvenY(p) ? secret : N.subtract(secret);
    BigInteger t = tapTweak(xOnly(p), merkleRoot);
    BigInteger out = d.add(t).mod(N);
    if (out.signum() == 0) {
      throw new IllegalArgumentException("tweaked secret key is zero");
    }
    return out;
  }
}
