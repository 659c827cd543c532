package io.medledger.pre;

import io.medledger.codec.MalformedEncodingException;
import io.medledger.internal.umbral.CurvePoint;
import io.medledger.internal.umbral.CurveScalar;
import io.medledger.internal.umbral.MsgPack;
import io.medledger.internal.umbral.Secp256k1;
import java.util.Arrays;
import org.bouncycastle.math.ec.ECPoint;

/**
 * The key encapsulation of one Umbral encryption: points E, V and scalar s with
 * {@code s·G = V + h·E}, {@code h = H2S("CAPSULE_POINTS"; E, V)}. Every capsule that exists
 * satisfies that check (the parser enforces it).
 *
 * <p>Wire form (105 bytes, MessagePack as rust-umbral 0.10 writes it):
 * {@code 93 c421 E c421 V c420 s}. Immutable and thread-safe.
 */
public final class Capsule {
  /** Serialized length. */
  public static final int LENGTH = 105;
  /** Length of {@link #toBytesSimple()}. */
  public static final int SIMPLE_LENGTH = 98;

  static final String DST_CAPSULE_POINTS = "CAPSULE_POINTS";

  private final CurvePoint e;
  private final CurvePoint v;
  private final CurveScalar s;
  private final byte[] simple;

  Capsule(CurvePoint e, CurvePoint v, CurveScalar s) {
    this.e = e;
    this.v = v;
    this.s = s;
    this.simple = new byte[SIMPLE_LENGTH];
    e.copyTo(simple, 0);
    v.copyTo(simple, 33);
    System.arraycopy(s.toBytes(), 0, simple, 66, 32);
  }

  /**
   * Parses the 105-byte wire form and checks {@code s·G = V + h·E}.
   *
   * @throws MalformedEncodingException if the layout, a point or the scalar is invalid, or the
   *     check fails
   */
  public static Capsule fromBytes(byte[] bytes) {
    MsgPack.Reader r = new MsgPack.Reader(bytes, "capsule");
    r.array(3);
    CurvePoint e = r.point();
    CurvePoint v = r.point();
    CurveScalar s = r.scalar();
    r.end();
    Capsule c = new Capsule(e, v, s);
    // s·G − h·E must equal V.
    ECPoint lhs = Secp256k1.sumOfTwo(Secp256k1.G, s.toBigInteger(), e.ec(), c.hash().negate().toBigInteger());
    if (lhs.isInfinity() || !lhs.normalize().equals(v.ec())) {
      throw new MalformedEncodingException("capsule self-verification failed (s·G ≠ V + h·E)");
    }
    return c;
  }

  CurveScalar hash() {
    return CurveScalar.hash(DST_CAPSULE_POINTS, e.toBytes(), v.toBytes());
  }

  CurvePoint e() {
    return e;
  }

  CurvePoint v() {
    return v;
  }

  CurveScalar s() {
    return s;
  }

  /** The 105-byte wire form. */
  public byte[] toBytes() {
    return new MsgPack.Writer(LENGTH).array(3).point(e).point(v).bin(s.toBytes()).done();
  }

  /**
   * The 98-byte form {@code E ‖ V ‖ s} (used as the DEM's associated data); export only, it is not
   * parsed back.
   */
  public byte[] toBytesSimple() {
    return simple.clone();
  }

  byte[] simpleUnsafe() {
    return simple;
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof Capsule c && Arrays.equals(simple, c.simple);
  }

  @Override
  public int hashCode() {
    return Arrays.hashCode(simple);
  }

  @Override
  public String toString() {
    return "Capsule[" + io.medledger.codec.Hex.encode(simple) + "]";
  }
}
