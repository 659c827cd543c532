package io.medledger.internal.umbral;

import java.math.BigInteger;
import java.util.Arrays;
import org.bouncycastle.math.ec.ECPoint;
import org.bouncycastle.math.ec.custom.sec.SecP256K1Field;
import org.bouncycastle.math.raw.Nat256;

/**
 * Constant-time k·P on secp256k1 for secret scalars k: a fixed 4-bit window over all 64 nibbles
 * of the 32-byte scalar, each window four doublings and one addition of a table entry chosen by a
 * masked scan of the whole 16-entry table, with the complete projective formulas of Renes,
 * Costello and Batina (ePrint 2015/1060, algorithms 7 and 9 for a = 0), which need no special
 * case for the identity or for equal points. The sequence of field operations and the memory
 * addresses touched depend only on public values (the window index), never on the scalar.
 *
 * <p>Field arithmetic: BouncyCastle's secp256k1 multiplication and squaring (straight-line
 * 256-bit products; their final reduction branches with probability below 2^-200) and additions
 * and subtractions of this class, whose reduction is a masked select instead of BouncyCastle's
 * carry-dependent branch. The final inversion uses BouncyCastle's constant-time modular inverse.
 * What the JVM cannot guarantee (JIT, copies of the scalar) is documented in docs/pre.md.
 *
 * <p>For the fixed bases G and U a table per window (16^w multiples) replaces the doublings: 64
 * scans and 64 additions, again the same for every scalar.
 *
 * <p>Thread-safe: stateless; the fixed-base tables are never written after class initialization.
 */
public final class ConstantTimeMultiplier {
  private static final int WINDOW_BITS = 4;
  private static final int TABLE_SIZE = 1 << WINDOW_BITS;
  private static final int WINDOWS = 256 / WINDOW_BITS;
  private static final int POINT_INTS = 24;
  private static final long M = 0xFFFFFFFFL;
  /** 3·b for b = 7, as a field element. */
  private static final int[] B3 = SecP256K1Field.fromBigInteger(BigInteger.valueOf(21));

  /** For G and U: per window w, the entries 0..15 times 16^w times the base (64 × 16 points). */
  private static final int[] COMB_G = fixedBaseTable(Secp256k1.G);
  private static final int[] COMB_U = fixedBaseTable(Secp256k1.U);

  private ConstantTimeMultiplier() {}

  /**
   * k·P for a secret scalar given as 32 big-endian bytes (any value; k ≥ n works modulo n).
   * The caller keeps and wipes {@code k}. Returns the identity only if k ≡ 0 (mod n).
   *
   * @throws IllegalArgumentException if {@code k} is not 32 bytes or {@code p} is the identity
   */
  public static ECPoint multiply(ECPoint p, byte[] k) {
    return multiply(p, k, new FieldOps());
  }

  /**
   * k·G with precomputed tables, one per window, so no doublings are needed: 64 masked table
   * scans and 64 complete additions for every scalar (see {@link #multiply(ECPoint, byte[])}).
   */
  public static ECPoint multiplyG(byte[] k) {
    return fixedBase(COMB_G, k, new FieldOps());
  }

  /** k·U like {@link #multiplyG(byte[])}. */
  public static ECPoint multiplyU(byte[] k) {
    return fixedBase(COMB_U, k, new FieldOps());
  }

  static ECPoint multiply(ECPoint p, byte[] k, FieldOps f) {
    return ladder(table(p, f), k, f);
  }

  static ECPoint multiplyG(byte[] k, FieldOps f) {
    return fixedBase(COMB_G, k, f);
  }

  private static int[] fixedBaseTable(ECPoint base) {
    FieldOps f = new FieldOps();
    Scratch s = new Scratch();
    int[] all = new int[WINDOWS * TABLE_SIZE * POINT_INTS];
    int[] t = table(base, f);
    for (int w = 0; w < WINDOWS; w++) {
      System.arraycopy(t, 0, all, w * TABLE_SIZE * POINT_INTS, TABLE_SIZE * POINT_INTS);
      if (w + 1 < WINDOWS) {
        // next window's base: 16 · this window's base, then its multiples
        int[] b = Arrays.copyOfRange(t, POINT_INTS, 2 * POINT_INTS);
        for (int d = 0; d < WINDOW_BITS; d++) {
          twice(b, b, f, s);
        }
        int[] next = new int[TABLE_SIZE * POINT_INTS];
        next[8] = 1;
        System.arraycopy(b, 0, next, POINT_INTS, POINT_INTS);
        int[] acc = b.clone();
        for (int i = 2; i < TABLE_SIZE; i++) {
          add(acc, b, acc, f, s);
          System.arraycopy(acc, 0, next, i * POINT_INTS, POINT_INTS);
        }
        t = next;
      }
    }
    return all;
  }

  private static ECPoint fixedBase(int[] comb, byte[] k, FieldOps f) {
    if (k == null || k.length != 32) {
      throw new IllegalArgumentException("a scalar is 32 bytes");
    }
    int[] r = new int[POINT_INTS];
    r[8] = 1;
    int[] q = new int[POINT_INTS];
    int[] window = new int[TABLE_SIZE * POINT_INTS];
    Scratch s = new Scratch();
    try {
      for (int w = 0; w < WINDOWS; w++) {
        System.arraycopy(comb, w * TABLE_SIZE * POINT_INTS, window, 0, window.length);
        int digit = (k[31 - (w >>> 1)] >>> ((w & 1) << 2)) & 0xF;
        select(window, digit, q, f);
        add(r, q, r, f, s);
      }
      return toAffine(r, f);
    } finally {
      Arrays.fill(q, 0);
      Arrays.fill(r, 0);
      s.wipe();
    }
  }

  /** The table 0·P .. 15·P in projective coordinates, 24 ints (X, Y, Z) per entry. */
  private static int[] table(ECPoint p, FieldOps f) {
    if (p.isInfinity()) {
      throw new IllegalArgumentException("the base point is the identity");
    }
    ECPoint n = p.normalize();
    int[] t = new int[TABLE_SIZE * POINT_INTS];
    t[8] = 1; // entry 0: the identity (0 : 1 : 0)
    int[] x = SecP256K1Field.fromBigInteger(n.getAffineXCoord().toBigInteger());
    int[] y = SecP256K1Field.fromBigInteger(n.getAffineYCoord().toBigInteger());
    System.arraycopy(x, 0, t, POINT_INTS, 8);
    System.arraycopy(y, 0, t, POINT_INTS + 8, 8);
    t[POINT_INTS + 16] = 1;
    int[] acc = Arrays.copyOfRange(t, POINT_INTS, 2 * POINT_INTS);
    int[] base = acc.clone();
    Scratch s = new Scratch();
    for (int i = 2; i < TABLE_SIZE; i++) {
      add(acc, base, acc, f, s);
      System.arraycopy(acc, 0, t, i * POINT_INTS, POINT_INTS);
    }
    return t;
  }

  private static ECPoint ladder(int[] table, byte[] k, FieldOps f) {
    if (k == null || k.length != 32) {
      throw new IllegalArgumentException("a scalar is 32 bytes");
    }
    int[] r = new int[POINT_INTS];
    r[8] = 1;
    int[] q = new int[POINT_INTS];
    Scratch s = new Scratch();
    try {
      for (int w = WINDOWS - 1; w >= 0; w--) {
        for (int d = 0; d < WINDOW_BITS; d++) {
          twice(r, r, f, s);
        }
        int digit = (k[31 - (w >>> 1)] >>> ((w & 1) << 2)) & 0xF;
        select(table, digit, q, f);
        add(r, q, r, f, s);
      }
      return toAffine(r, f);
    } finally {
      Arrays.fill(q, 0);
      Arrays.fill(r, 0);
      s.wipe();
    }
  }

  /** Copies entry {@code digit} of the table into {@code out}, reading every entry. */
  private static void select(int[] table, int digit, int[] out, FieldOps f) {
    f.select++;
    Arrays.fill(out, 0);
    for (int i = 0; i < TABLE_SIZE; i++) {
      int diff = i ^ digit;
      int mask = (diff - 1) >> 31; // -1 exactly when diff == 0 (diff is in 0..15)
      int off = i * POINT_INTS;
      for (int j = 0; j < POINT_INTS; j++) {
        out[j] |= table[off + j] & mask;
      }
    }
  }

  private static ECPoint toAffine(int[] r, FieldOps f) {
    int[] z = Arrays.copyOfRange(r, 16, 24);
    if (SecP256K1Field.isZero(z) != 0) {
      return Secp256k1.CURVE.getInfinity(); // only for k ≡ 0: the scalar's value, not its bits
    }
    int[] zi = new int[8];
    SecP256K1Field.inv(z, zi);
    int[] x = new int[8];
    int[] y = new int[8];
    f.mul(Arrays.copyOfRange(r, 0, 8), zi, x);
    f.mul(Arrays.copyOfRange(r, 8, 16), zi, y);
    return Secp256k1.CURVE.createPoint(Nat256.toBigInteger(x), Nat256.toBigInteger(y));
  }

  /** Per-call temporaries, so that the formulas allocate nothing. */
  private static final class Scratch {
    final int[] t0 = new int[8];
    final int[] t1 = new int[8];
    final int[] t2 = new int[8];
    final int[] t3 = new int[8];
    final int[] t4 = new int[8];
    final int[] x3 = new int[8];
    final int[] y3 = new int[8];
    final int[] z3 = new int[8];
    final int[] x1 = new int[8];
    final int[] y1 = new int[8];
    final int[] z1 = new int[8];
    final int[] x2 = new int[8];
    final int[] y2 = new int[8];
    final int[] z2 = new int[8];

    void wipe() {
      for (int[] v : new int[][] {t0, t1, t2, t3, t4, x3, y3, z3, x1, y1, z1, x2, y2, z2}) {
        Arrays.fill(v, 0);
      }
    }
  }

  /** out = p + q (complete addition, RCB algorithm 7); out may alias p or q. */
  private static void add(int[] p, int[] q, int[] out, FieldOps f, Scratch s) {
    int[] X1 = split(p, 0, s.x1);
    int[] Y1 = split(p, 8, s.y1);
    int[] Z1 = split(p, 16, s.z1);
    int[] X2 = split(q, 0, s.x2);
    int[] Y2 = split(q, 8, s.y2);
    int[] Z2 = split(q, 16, s.z2);
    int[] t0 = s.t0;
    int[] t1 = s.t1;
    int[] t2 = s.t2;
    int[] t3 = s.t3;
    int[] t4 = s.t4;
    int[] x3 = s.x3;
    int[] y3 = s.y3;
    int[] z3 = s.z3;
    f.mul(X1, X2, t0);
    f.mul(Y1, Y2, t1);
    f.mul(Z1, Z2, t2);
    f.add(X1, Y1, t3);
    f.add(X2, Y2, t4);
    f.mul(t3, t4, t3);
    f.add(t0, t1, t4);
    f.sub(t3, t4, t3);
    f.add(Y1, Z1, t4);
    f.add(Y2, Z2, x3);
    f.mul(t4, x3, t4);
    f.add(t1, t2, x3);
    f.sub(t4, x3, t4);
    f.add(X1, Z1, x3);
    f.add(X2, Z2, y3);
    f.mul(x3, y3, x3);
    f.add(t0, t2, y3);
    f.sub(x3, y3, y3);
    f.add(t0, t0, x3);
    f.add(x3, t0, t0);
    f.mul(B3, t2, t2);
    f.add(t1, t2, z3);
    f.sub(t1, t2, t1);
    f.mul(B3, y3, y3);
    f.mul(t4, y3, x3);
    f.mul(t3, t1, t2);
    f.sub(t2, x3, x3);
    f.mul(y3, t0, y3);
    f.mul(t1, z3, t1);
    f.add(t1, y3, y3);
    f.mul(t0, t3, t0);
    f.mul(z3, t4, z3);
    f.add(z3, t0, z3);
    System.arraycopy(x3, 0, out, 0, 8);
    System.arraycopy(y3, 0, out, 8, 8);
    System.arraycopy(z3, 0, out, 16, 8);
  }

  private static int[] split(int[] point, int off, int[] into) {
    System.arraycopy(point, off, into, 0, 8);
    return into;
  }

  /** out = 2·p (complete doubling, RCB algorithm 9); out may alias p. */
  private static void twice(int[] p, int[] out, FieldOps f, Scratch s) {
    int[] x = split(p, 0, s.x1);
    int[] y = split(p, 8, s.y1);
    int[] z = split(p, 16, s.z1);
    int[] t0 = s.t0;
    int[] t1 = s.t1;
    int[] t2 = s.t2;
    int[] x3 = s.x3;
    int[] y3 = s.y3;
    int[] z3 = s.z3;
    f.sqr(y, t0);
    f.add(t0, t0, z3);
    f.add(z3, z3, z3);
    f.add(z3, z3, z3);
    f.mul(y, z, t1);
    f.sqr(z, t2);
    f.mul(B3, t2, t2);
    f.mul(t2, z3, x3);
    f.add(t0, t2, y3);
    f.mul(t1, z3, z3);
    f.add(t2, t2, t1);
    f.add(t1, t2, t2);
    f.sub(t0, t2, t0);
    f.mul(t0, y3, y3);
    f.add(x3, y3, y3);
    f.mul(x, y, t1);
    f.mul(t0, t1, x3);
    f.add(x3, x3, x3);
    System.arraycopy(x3, 0, out, 0, 8);
    System.arraycopy(y3, 0, out, 8, 8);
    System.arraycopy(z3, 0, out, 16, 8);
  }

  /**
   * Field operations mod p with counters, one instance per multiplication (so a test can check
   * that every scalar costs exactly the same operations). Not thread-safe; never shared.
   */
  static final class FieldOps {
    long mul;
    long sqr;
    long add;
    long sub;
    long select;
    private final int[] t = new int[8];

    void mul(int[] x, int[] y, int[] z) {
      mul++;
      SecP256K1Field.multiply(x, y, z);
    }

    void sqr(int[] x, int[] z) {
      sqr++;
      SecP256K1Field.square(x, z);
    }

    /** z = x + y mod p for x, y < p: the reduction is a masked select, not a branch. */
    void add(int[] x, int[] y, int[] z) {
      add++;
      int carry = Nat256.add(x, y, z);
      // t = z + (2^256 - p) = z + 2^32 + 977; z + carry·2^256 ≥ p exactly when carry or t overflows
      long c = (z[0] & M) + 0x3D1L;
      int t0 = (int) c;
      c = (c >>> 32) + (z[1] & M) + 1L;
      int t1 = (int) c;
      c >>>= 32;
      t[0] = t0;
      t[1] = t1;
      for (int i = 2; i < 8; i++) {
        c += z[i] & M;
        t[i] = (int) c;
        c >>>= 32;
      }
      int mask = -((carry | (int) c) & 1);
      for (int i = 0; i < 8; i++) {
        z[i] = (t[i] & mask) | (z[i] & ~mask);
      }
    }

    /** z = x − y mod p for x, y < p: adds p back under a mask on the borrow. */
    void sub(int[] x, int[] y, int[] z) {
      sub++;
      int borrow = -(Nat256.sub(x, y, z) & 1); // -1 exactly when x < y
      long b = (z[0] & M) - 0x3D1L;
      t[0] = (int) b;
      b = (b >> 32) + (z[1] & M) - 1L;
      t[1] = (int) b;
      b >>= 32;
      for (int i = 2; i < 8; i++) {
        b += z[i] & M;
        t[i] = (int) b;
        b >>= 32;
      }
      for (int i = 0; i < 8; i++) {
        z[i] = (t[i] & borrow) | (z[i] & ~borrow);
      }
    }

    /** The counts, as a comparable string. */
    String counts() {
      return "mul=" + mul + " sqr=" + sqr + " add=" + add + " sub=" + sub + " select=" + select;
    }
  }
}
