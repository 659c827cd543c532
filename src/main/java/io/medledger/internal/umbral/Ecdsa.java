package io.medledger.internal.umbral;

import java.math.BigInteger;
import java.util.Arrays;
import java.security.GeneralSecurityException;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import org.bouncycastle.math.ec.ECPoint;
import org.bouncycastle.util.BigIntegers;

/**
 * ECDSA over secp256k1 with SHA-256 as the reference uses it: the nonce is RFC 6979 (HMAC-SHA-256
 * DRBG) with 32 bytes of fresh randomness as the section 3.6 additional data, and s is normalized
 * to the low half. Verification accepts either half, as the reference does.
 *
 * <p>Stateless and thread-safe.
 */
public final class Ecdsa {
  private static final BigInteger N = Secp256k1.N;

  private Ecdsa() {}

  /**
   * Signs a 32-byte digest with secret {@code d} and additional data {@code extra}.
   *
   * @return r ‖ s, 64 bytes, s ≤ (n−1)/2
   */
  public static byte[] sign(CurveScalar d, byte[] digest, byte[] extra) {
    BigInteger x = d.toBigInteger();
    BigInteger z = new BigInteger(1, digest).mod(N);
    NonceDrbg drbg = new NonceDrbg(BigIntegers.asUnsignedByteArray(32, x), BigIntegers.asUnsignedByteArray(32, z), extra);
    while (true) {
      BigInteger k = drbg.nextCandidate();
      ECPoint r1 = Secp256k1.mulG(k).normalize();
      BigInteger r = r1.getAffineXCoord().toBigInteger().mod(N);
      if (r.signum() == 0) {
        continue;
      }
      BigInteger s = BigIntegers.modOddInverse(N, k).multiply(z.add(r.multiply(x))).mod(N);
      if (s.signum() == 0) {
        continue;
      }
      if (s.compareTo(Secp256k1.HALF_N) > 0) {
        s = N.subtract(s);
      }
      byte[] out = new byte[64];
      BigIntegers.asUnsignedByteArray(r, out, 0, 32);
      BigIntegers.asUnsignedByteArray(s, out, 32, 32);
      return out;
    }
  }

  /** Verifies (r, s), both already known to be in [1, n), over a 32-byte digest. */
  public static boolean verify(ECPoint q, byte[] digest, BigInteger r, BigInteger s) {
    BigInteger z = new BigInteger(1, digest).mod(N);
    BigInteger w = BigIntegers.modOddInverse(N, s);
    BigInteger u1 = z.multiply(w).mod(N);
    BigInteger u2 = r.multiply(w).mod(N);
    ECPoint p = Secp256k1.sumOfTwo(Secp256k1.G, u1, q, u2);
    if (p.isInfinity()) {
      return false;
    }
    return p.normalize().getAffineXCoord().toBigInteger().mod(N).equals(r);
  }

  /** RFC 6979 section 3.2 HMAC-DRBG with optional additional data (section 3.6). */
  private static final class NonceDrbg {
    private final Mac mac;
    private byte[] k = new byte[32];
    private byte[] v = new byte[32];
    private boolean first = true;

    NonceDrbg(byte[] x, byte[] h, byte[] extra) {
      try {
        mac = Mac.getInstance("HmacSHA256");
      } catch (GeneralSecurityException e) {
        throw new IllegalStateException("the JDK has no HmacSHA256", e);
      }
      Arrays.fill(v, (byte) 0x01);
      k = hmac(k, v, new byte[] {0}, x, h, extra);
      v = hmac(k, v);
      k = hmac(k, v, new byte[] {1}, x, h, extra);
      v = hmac(k, v);
    }

    BigInteger nextCandidate() {
      while (true) {
        if (!first) {
          k = hmac(k, v, new byte[] {0});
          v = hmac(k, v);
        }
        first = false;
        v = hmac(k, v);
        BigInteger cand = new BigInteger(1, v);
        if (cand.signum() != 0 && cand.compareTo(N) < 0) {
          return cand;
        }
      }
    }

    private byte[] hmac(byte[] key, byte[]... parts) {
      try {
        mac.init(new SecretKeySpec(key, "HmacSHA256"));
      } catch (GeneralSecurityException e) {
        throw new IllegalStateException(e);
      }
      for (byte[] p : parts) {
        mac.update(p);
      }
      return mac.doFinal();
    }
  }
}
