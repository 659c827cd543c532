package io.medledger.internal.ed25519;

import java.math.BigInteger;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import org.bouncycastle.math.ec.rfc7748.X25519Field;

/**
 * Edwards25519 group arithmetic for checking many Ed25519 signatures with one multi-scalar
 * multiplication, and the cofactored verification equation of RFC 8032, section 5.1.7
 * ({@code [8][S]B = [8]R + [8][k]A}), which a random linear combination of signatures preserves.
 *
 * <p>Field elements are BouncyCastle's {@link X25519Field} limb arrays. Points are in extended
 * twisted Edwards coordinates (X : Y : Z : T) with {@code a = -1}, added with the unified formulas
 * of Hisil, Wong, Carter and Dawson (2008), which are complete on this curve. Every operation
 * runs in variable time: it handles public data only (keys, signatures, messages).
 *
 * <p>Thread-safe: stateless apart from immutable constants.
 */
public final class Ed25519Group {
  /** The prime order of the base point. */
  public static final BigInteger L =
      BigInteger.ONE.shiftLeft(252).add(new BigInteger("27742317777372353535851937790883648493"));

  private static final BigInteger P = BigInteger.ONE.shiftLeft(255).subtract(BigInteger.valueOf(19));
  private static final int[] D = element(
      BigInteger.valueOf(-121665).multiply(BigInteger.valueOf(121666).modInverse(P)).mod(P));
  private static final int[] D2 = element(
      BigInteger.valueOf(-121665 * 2L).multiply(BigInteger.valueOf(121666).modInverse(P)).mod(P));
  private static final Affine BASE;

  static {
    byte[] b = new byte[32];
    b[0] = 0x58;
    for (int i = 1; i < 32; i++) {
      b[i] = 0x66;
    }
    BASE = decode(b, 0);
  }

  private Ed25519Group() {}

  private static int[] element(BigInteger v) {
    byte[] be = v.toByteArray();
    byte[] le = new byte[32];
    for (int i = 0; i < 32 && i < be.length; i++) {
      le[i] = be[be.length - 1 - i];
    }
    int[] r = X25519Field.create();
    X25519Field.decode(le, 0, r);
    return r;
  }

  /**
   * A decoded point with Z = 1, and the products a mixed addition needs: y + x, y - x and
   * 2d*x*y. Immutable once built.
   */
  public static final class Affine {
    final int[] x;
    final int[] y;
    final int[] xy;
    final int[] ypx;
    final int[] ymx;
    final int[] xy2d;

    private Affine(int[] x, int[] y) {
      this.x = x;
      this.y = y;
      this.xy = X25519Field.create();
      X25519Field.mul(x, y, xy);
      this.ypx = X25519Field.create();
      this.ymx = X25519Field.create();
      X25519Field.apm(y, x, ypx, ymx);
      this.xy2d = X25519Field.create();
      X25519Field.mul(xy, D2, xy2d);
    }
  }

  /**
   * Decodes a 32-byte point encoding as RFC 8032, section 5.1.3 does, with the rules
   * BouncyCastle applies to R and to keys: the y coordinate must be canonical (below p), x must
   * exist, and the sign bit must not be set for x = 0. Small-order points are accepted here (keys
   * are refused with {@link #hasSmallOrder}).
   *
   * @return the point, or null if the encoding is rejected
   */
  public static Affine decode(byte[] enc, int off) {
    byte[] b = java.util.Arrays.copyOfRange(enc, off, off + 32);
    int sign = (b[31] >>> 7) & 1;
    b[31] &= 0x7F;
    if (b[31] == 0x7F && (b[0] & 0xFF) >= 0xED) {
      boolean allOnes = true;
      for (int i = 1; i < 31 && allOnes; i++) {
        allOnes = b[i] == (byte) 0xFF;
      }
      if (allOnes) {
        return null; // y >= p
      }
    }
    int[] y = X25519Field.create();
    X25519Field.decode(b, 0, y);
    int[] u = X25519Field.create();
    int[] v = X25519Field.create();
    X25519Field.sqr(y, u);
    X25519Field.mul(D, u, v);
    X25519Field.subOne(u);
    X25519Field.addOne(v);
    int[] x = X25519Field.create();
    if (!X25519Field.sqrtRatioVar(u, v, x)) {
      return null;
    }
    X25519Field.normalize(x);
    if (sign == 1 && X25519Field.isZeroVar(x)) {
      return null;
    }
    if ((x[0] & 1) != sign) {
      X25519Field.negate(x, x);
      X25519Field.normalize(x);
    }
    X25519Field.normalize(y);
    return new Affine(x, y);
  }

  /** Whether {@code [8]p} is the neutral element: p is one of the eight points of small order. */
  public static boolean hasSmallOrder(Affine p) {
    Ext e = new Ext();
    e.set(p, false);
    Temp s = new Temp();
    dbl(e, s);
    dbl(e, s);
    dbl(e, s);
    return isIdentity(e);
  }

  /** The base point B of RFC 8032. */
  public static Affine base() {
    return BASE;
  }

  // ------------------------------------------------------------------ extended points

  private static final class Ext {
    final int[] x = X25519Field.create();
    final int[] y = X25519Field.create();
    final int[] z = X25519Field.create();
    final int[] t = X25519Field.create();

    void setIdentity() {
      X25519Field.zero(x);
      X25519Field.one(y);
      X25519Field.one(z);
      X25519Field.zero(t);
    }

    void set(Affine p, boolean negate) {
      if (negate) {
        X25519Field.negate(p.x, x);
        X25519Field.negate(p.xy, t);
      } else {
        X25519Field.copy(p.x, 0, x, 0);
        X25519Field.copy(p.xy, 0, t, 0);
      }
      X25519Field.copy(p.y, 0, y, 0);
      X25519Field.one(z);
    }

    void set(Ext p) {
      X25519Field.copy(p.x, 0, x, 0);
      X25519Field.copy(p.y, 0, y, 0);
      X25519Field.copy(p.z, 0, z, 0);
      X25519Field.copy(p.t, 0, t, 0);
    }
  }

  /** Scratch space for one thread's additions. */
  private static final class Temp {
    final int[] a = X25519Field.create();
    final int[] b = X25519Field.create();
    final int[] c = X25519Field.create();
    final int[] d = X25519Field.create();
    final int[] e = X25519Field.create();
    final int[] f = X25519Field.create();
    final int[] g = X25519Field.create();
    final int[] h = X25519Field.create();
  }

  /** r += p (or r -= p when {@code negate}), p affine: 7 multiplications. */
  private static void addMixed(Ext r, Affine p, boolean negate, Temp s) {
    X25519Field.apm(r.y, r.x, s.b, s.a); // b = Y1 + X1, a = Y1 - X1
    // -p swaps y + x and y - x and negates 2dxy
    X25519Field.mul(s.a, negate ? p.ypx : p.ymx, s.a);
    X25519Field.mul(s.b, negate ? p.ymx : p.ypx, s.b);
    X25519Field.mul(r.t, p.xy2d, s.c);
    if (negate) {
      X25519Field.negate(s.c, s.c);
    }
    X25519Field.add(r.z, r.z, s.d);
    finish(r, s);
  }

  /** r += p, both extended: 9 multiplications. */
  private static void addExt(Ext r, Ext p, Temp s) {
    X25519Field.apm(r.y, r.x, s.b, s.a);
    X25519Field.apm(p.y, p.x, s.h, s.g);
    X25519Field.mul(s.a, s.g, s.a);
    X25519Field.mul(s.b, s.h, s.b);
    X25519Field.mul(r.t, p.t, s.c);
    X25519Field.mul(s.c, D2, s.c);
    X25519Field.mul(r.z, p.z, s.d);
    X25519Field.add(s.d, s.d, s.d);
    finish(r, s);
  }

  /** The common tail of both additions, from A, B, C and D in {@code s}. */
  private static void finish(Ext r, Temp s) {
    X25519Field.apm(s.b, s.a, s.h, s.e); // h = B + A, e = B - A
    X25519Field.apm(s.d, s.c, s.g, s.f); // g = D + C, f = D - C
    X25519Field.carry(s.g);
    X25519Field.carry(s.f);
    X25519Field.mul(s.e, s.f, r.x);
    X25519Field.mul(s.g, s.h, r.y);
    X25519Field.mul(s.e, s.h, r.t);
    X25519Field.mul(s.f, s.g, r.z);
  }

  /** r = 2r: 4 multiplications and 4 squarings. */
  private static void dbl(Ext r, Temp s) {
    X25519Field.sqr(r.x, s.a);
    X25519Field.sqr(r.y, s.b);
    X25519Field.sqr(r.z, s.c);
    X25519Field.add(s.c, s.c, s.c);
    X25519Field.apm(s.a, s.b, s.h, s.g); // h = A + B, g = A - B
    X25519Field.add(r.x, r.y, s.e);
    X25519Field.sqr(s.e, s.e);
    X25519Field.sub(s.h, s.e, s.e); // -2xy
    X25519Field.carry(s.e);
    X25519Field.add(s.c, s.g, s.f);
    X25519Field.carry(s.f);
    X25519Field.mul(s.e, s.f, r.x);
    X25519Field.mul(s.g, s.h, r.y);
    X25519Field.mul(s.e, s.h, r.t);
    X25519Field.mul(s.f, s.g, r.z);
  }

  private static boolean isIdentity(Ext p) {
    int[] x = X25519Field.create();
    X25519Field.copy(p.x, 0, x, 0);
    X25519Field.normalize(x);
    if (!X25519Field.isZeroVar(x)) {
      return false;
    }
    int[] d = X25519Field.create();
    X25519Field.sub(p.y, p.z, d);
    X25519Field.normalize(d);
    return X25519Field.isZeroVar(d);
  }

  // ------------------------------------------------------------------ multi-scalar multiplication

  /**
   * Returns whether {@code [8] * sum(scalars[i] * points[i])} is the neutral element, where each
   * scalar is a non-negative integer below 2^256 given as eight little-endian 32-bit words, and
   * {@code negate[i]} subtracts the term instead. Pippenger's bucket method with signed digits.
   */
  public static boolean cofactoredSumIsIdentity(Affine[] points, boolean[] negate, int[][] scalars, int n) {
    int c = window(scalars, n);
    int windows = (256 + c - 1) / c + 1;
    int half = 1 << (c - 1);
    short[][] digits = new short[n][];
    int[] top = new int[n];
    for (int i = 0; i < n; i++) {
      digits[i] = digits(scalars[i], c, windows);
      int w = windows - 1;
      while (w >= 0 && digits[i][w] == 0) {
        w--;
      }
      top[i] = w;
    }
    Temp s = new Temp();
    Ext[] buckets = new Ext[half];
    boolean[] used = new boolean[half];
    for (int b = 0; b < half; b++) {
      buckets[b] = new Ext();
    }
    Ext acc = new Ext();
    acc.setIdentity();
    Ext running = new Ext();
    Ext sum = new Ext();
    boolean accEmpty = true;
    for (int w = windows - 1; w >= 0; w--) {
      if (!accEmpty) {
        for (int k = 0; k < c; k++) {
          dbl(acc, s);
        }
      }
      java.util.Arrays.fill(used, false);
      boolean any = false;
      for (int i = 0; i < n; i++) {
        if (w > top[i]) {
          continue;
        }
        int d = digits[i][w];
        if (d == 0) {
          continue;
        }
        boolean neg = (d < 0) ^ negate[i];
        int b = Math.abs(d) - 1;
        if (used[b]) {
          addMixed(buckets[b], points[i], neg, s);
        } else {
          buckets[b].set(points[i], neg);
          used[b] = true;
        }
        any = true;
      }
      if (!any) {
        continue;
      }
      boolean runningEmpty = true;
      boolean sumEmpty = true;
      for (int b = half - 1; b >= 0; b--) {
        if (used[b]) {
          if (runningEmpty) {
            running.set(buckets[b]);
            runningEmpty = false;
          } else {
            addExt(running, buckets[b], s);
          }
        }
        if (!runningEmpty) {
          if (sumEmpty) {
            sum.set(running);
            sumEmpty = false;
          } else {
            addExt(sum, running, s);
          }
        }
      }
      if (accEmpty) {
        acc.set(sum);
        accEmpty = false;
      } else {
        addExt(acc, sum, s);
      }
    }
    if (accEmpty) {
      return true;
    }
    dbl(acc, s);
    dbl(acc, s);
    dbl(acc, s);
    return isIdentity(acc);
  }

  /** The window width that minimizes the estimated additions for these scalars. */
  private static int window(int[][] scalars, int n) {
    long totalBits = 0;
    for (int i = 0; i < n; i++) {
      totalBits += bitLength(scalars[i]);
    }
    int best = 4;
    double bestCost = Double.MAX_VALUE;
    for (int c = 4; c <= 14; c++) {
      int windows = (256 + c - 1) / c + 1;
      // mixed additions into buckets (7M) plus two full additions per bucket per window (9M)
      double cost = 7.0 * (totalBits / (double) c + n) + 18.0 * windows * (1 << (c - 1));
      if (cost < bestCost) {
        bestCost = cost;
        best = c;
      }
    }
    return best;
  }

  private static int bitLength(int[] words) {
    for (int i = 7; i >= 0; i--) {
      if (words[i] != 0) {
        return 32 * i + 32 - Integer.numberOfLeadingZeros(words[i]);
      }
    }
    return 0;
  }

  /** Signed radix-2^c digits in [-2^(c-1), 2^(c-1)], least significant first. */
  static short[] digits(int[] words, int c, int windows) {
    short[] out = new short[windows];
    int half = 1 << (c - 1);
    int full = 1 << c;
    int carry = 0;
    for (int w = 0; w < windows; w++) {
      int bit = w * c;
      int raw = 0;
      if (bit < 256) {
        int word = bit >>> 5;
        int shift = bit & 31;
        long v = (words[word] & 0xFFFFFFFFL) >>> shift;
        if (word + 1 < 8) {
          v |= (words[word + 1] & 0xFFFFFFFFL) << (32 - shift);
        }
        raw = (int) (v & (full - 1));
      }
      int d = raw + carry;
      if (d > half) {
        d -= full;
        carry = 1;
      } else {
        carry = 0;
      }
      out[w] = (short) d;
    }
    return out;
  }

  // ------------------------------------------------------------------ scalars

  /** The little-endian 32-bit words of a non-negative integer below 2^256. */
  public static int[] words(BigInteger v) {
    int[] w = new int[8];
    for (int i = 0; i < 8; i++) {
      w[i] = v.shiftRight(32 * i).intValue();
    }
    return w;
  }

  /** A little-endian byte string read as an unsigned integer. */
  public static BigInteger littleEndian(byte[] b, int off, int len) {
    byte[] be = new byte[len + 1];
    for (int i = 0; i < len; i++) {
      be[len - i] = b[off + i];
    }
    return new BigInteger(be);
  }

  /** SHA-512, for the challenge {@code k = H(R || A || M) mod L}. */
  public static MessageDigest sha512() {
    try {
      return MessageDigest.getInstance("SHA-512");
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("the JDK has no SHA-512", e);
    }
  }
}
