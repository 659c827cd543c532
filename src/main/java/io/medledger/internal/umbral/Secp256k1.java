package io.medledger.internal.umbral;

import java.math.BigInteger;
import org.bouncycastle.asn1.x9.X9ECParameters;
import org.bouncycastle.crypto.ec.CustomNamedCurves;
import org.bouncycastle.math.ec.ECAlgorithms;
import org.bouncycastle.math.ec.ECCurve;
import org.bouncycastle.math.ec.ECPoint;
import org.bouncycastle.math.ec.FixedPointCombMultiplier;
import org.bouncycastle.math.ec.FixedPointUtil;

/**
 * The secp256k1 group on BouncyCastle's custom curve. Multiplications by secret scalars
 * ({@link #mulG}, {@link #mulU}, {@link #mul}) run in constant time ({@link ConstantTimeMultiplier});
 * the variable-time ones (GLV endomorphism, wNAF, combs precomputed for G and U) are named
 * {@code ...VarTime} or {@code sumOf...} and take public scalars only (verification).
 *
 * <p>Thread-safe: the constants are immutable; BouncyCastle guards its precomputation caches.
 */
public final class Secp256k1 {
  private static final X9ECParameters PARAMS = CustomNamedCurves.getByName("secp256k1");

  /** The curve. */
  public static final ECCurve CURVE = PARAMS.getCurve();
  /** The group order n. */
  public static final BigInteger N = PARAMS.getN();
  /** (n - 1) / 2: the largest low-S value. */
  public static final BigInteger HALF_N = N.shiftRight(1);
  /** The standard generator G. */
  public static final ECPoint G = PARAMS.getG().normalize();
  /** Compressed encoding of the Umbral parameter point U (RFC 9380 hash of "POINT_U"). */
  public static final String U_HEX = "03079390d0fbe220fc34aab8ecbf49098098036820fadb98c03143e55db8ec73cd";
  /** The Umbral parameter point U. */
  public static final ECPoint U = CURVE.decodePoint(org.bouncycastle.util.encoders.Hex.decode(U_HEX)).normalize();

  private static final FixedPointCombMultiplier COMB = new FixedPointCombMultiplier();

  static {
    FixedPointUtil.precompute(G);
    FixedPointUtil.precompute(U);
  }

  private Secp256k1() {}

  /**
   * k·G for a secret k, in constant time ({@link ConstantTimeMultiplier}; k reduced mod n first).
   * Every multiplication by a secret scalar goes through this, {@link #mulU} or {@link #mul}.
   */
  public static ECPoint mulG(BigInteger k) {
    byte[] b = secretBytes(k);
    try {
      return ConstantTimeMultiplier.multiplyG(b);
    } finally {
      java.util.Arrays.fill(b, (byte) 0);
    }
  }

  /** k·U for a secret k, in constant time (k reduced mod n first). */
  public static ECPoint mulU(BigInteger k) {
    byte[] b = secretBytes(k);
    try {
      return ConstantTimeMultiplier.multiplyU(b);
    } finally {
      java.util.Arrays.fill(b, (byte) 0);
    }
  }

  /** k·P for a secret k and a variable (possibly attacker-chosen, validated) base P, in constant time. */
  public static ECPoint mul(ECPoint p, BigInteger k) {
    byte[] b = secretBytes(k);
    try {
      return ConstantTimeMultiplier.multiply(p, b);
    } finally {
      java.util.Arrays.fill(b, (byte) 0);
    }
  }

  private static byte[] secretBytes(BigInteger k) {
    return org.bouncycastle.util.BigIntegers.asUnsignedByteArray(32, k.mod(N));
  }

  /** k·G for a PUBLIC k only: the precomputed comb, variable time. */
  public static ECPoint mulGVarTime(BigInteger k) {
    return COMB.multiply(G, k.mod(N));
  }

  /** k·P for a PUBLIC k only (GLV + wNAF, variable time). */
  public static ECPoint mulVarTime(ECPoint p, BigInteger k) {
    return p.multiply(k.mod(N));
  }

  /** a·P + b·Q for PUBLIC a and b only, computed jointly (Shamir's trick with the endomorphism; variable time). */
  public static ECPoint sumOfTwo(ECPoint p, BigInteger a, ECPoint q, BigInteger b) {
    return ECAlgorithms.sumOfTwoMultiplies(p, a.mod(N), q, b.mod(N));
  }

  /** Σ k_i·P_i for PUBLIC k_i only, computed jointly (variable time). */
  public static ECPoint sumOf(ECPoint[] ps, BigInteger[] ks) {
    BigInteger[] reduced = new BigInteger[ks.length];
    for (int i = 0; i < ks.length; i++) {
      reduced[i] = ks[i].mod(N);
    }
    return ECAlgorithms.sumOfMultiplies(ps, reduced);
  }
}
