package io.medledger.internal.umbral;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.medledger.codec.Hex;
import io.medledger.codec.MalformedEncodingException;
import java.math.BigInteger;
import java.util.Arrays;
import org.junit.jupiter.api.Test;

/**
 * Parsing and value behaviour of {@link CurvePoint}. Known answers: the SEC 2 generator of
 * secp256k1 and its double (2G, published with the curve's standard test points), and the
 * reference's parameter point U ({@link Secp256k1#U_HEX}).
 */
class CurvePointTest {
  private static final String G_HEX = "0279be667ef9dcbbac55a06295ce870b07029bfcdb2dce28d959f2815b16f81798";
  private static final String TWO_G_HEX = "02c6047f9441ed7d6d3045406e95c07cd85c778e4b8cef3ca7abac09b95c709ee5";

  private static String message(byte[] b, int off) {
    return assertThrows(MalformedEncodingException.class, () -> CurvePoint.fromBytes(b, off)).getMessage();
  }

  private static String message(byte[] b) {
    return assertThrows(MalformedEncodingException.class, () -> CurvePoint.fromBytes(b)).getMessage();
  }

  @Test
  void pointsAreReadAtAnOffsetUpToTheLastByte() {
    byte[] g = Hex.decode(G_HEX);
    byte[] buf = new byte[40];
    System.arraycopy(g, 0, buf, 7, 33);
    assertEquals(CurvePoint.G, CurvePoint.fromBytes(buf, 7));
    assertEquals("a curve point is 33 bytes (compressed SEC1)", message(Arrays.copyOf(buf, 39), 7));
    assertEquals("a curve point is 33 bytes (compressed SEC1)", message(g, 1));
    byte[] u = Hex.decode(Secp256k1.U_HEX);
    assertEquals(0x03, u[0]);
    assertEquals(CurvePoint.U, CurvePoint.fromBytes(u, 0));
  }

  @Test
  void everyRejectionSaysWhy() {
    byte[] g = Hex.decode(G_HEX);
    byte[] identity = new byte[33];
    assertEquals("the identity point is not accepted", message(identity, 0));
    for (int prefix : new int[] {1, 4, 5, 6, 7, 0x12, 0xff}) {
      byte[] b = g.clone();
      b[0] = (byte) prefix;
      assertEquals("invalid curve point: only compressed SEC1 encodings (0x02/0x03) are accepted", message(b, 0));
    }
    byte[] offCurve = new byte[33];
    offCurve[0] = 2;
    offCurve[32] = 5; // x = 5: 5^3 + 7 = 132 is not a square mod p
    assertEquals("invalid curve point: x is not the coordinate of a curve point", message(offCurve, 0));
    byte[] xIsP = Hex.decode("02fffffffffffffffffffffffffffffffffffffffffffffffffffffffefffffc2f");
    assertEquals("invalid curve point: x is not the coordinate of a curve point", message(xIsP, 0));

    assertEquals("the identity point is not accepted", message(new byte[] {0}));
    assertEquals("a curve point is exactly 33 bytes (compressed SEC1)", message(new byte[] {1}));
    assertEquals("a curve point is exactly 33 bytes (compressed SEC1)", message(new byte[] {0, 0}));
    assertEquals("a curve point is exactly 33 bytes (compressed SEC1)", message(null));
    assertEquals("a curve point is exactly 33 bytes (compressed SEC1)", message(Arrays.copyOf(g, 34)));
    assertEquals("a curve point is exactly 33 bytes (compressed SEC1)", message(Arrays.copyOf(g, 32)));
  }

  @Test
  void arithmeticResultsAreNormalizedAndEncodedCompressed() {
    CurvePoint twoG = CurvePoint.of(Secp256k1.G.twice());
    assertEquals(TWO_G_HEX, twoG.toString());
    assertEquals(TWO_G_HEX, Hex.encode(twoG.toBytes()));
    assertEquals(twoG, CurvePoint.fromBytes(Hex.decode(TWO_G_HEX)));
    assertEquals(twoG.ec(), Secp256k1.G.add(Secp256k1.G).normalize());
    assertEquals(twoG, CurvePoint.of(CurvePoint.G.mul(CurveScalar.reduce(BigInteger.TWO))));
    assertEquals(G_HEX, CurvePoint.G.toString());
    assertThrows(CurvePoint.IdentityPointException.class, () -> CurvePoint.of(Secp256k1.G.subtract(Secp256k1.G)));
  }

  @Test
  void equalityHashAndCopiesFollowTheEncoding() {
    CurvePoint g = CurvePoint.fromBytes(Hex.decode(G_HEX));
    assertEquals(CurvePoint.G, g);
    assertEquals(Arrays.hashCode(Hex.decode(G_HEX)), g.hashCode());
    assertNotEquals(CurvePoint.U, g);
    assertNotEquals(g, (Object) G_HEX);
    byte[] copy = g.toBytes();
    copy[1] ^= 1;
    assertEquals(G_HEX, Hex.encode(g.toBytes()));
    byte[] out = new byte[40];
    g.copyTo(out, 4);
    assertArrayEquals(Hex.decode(G_HEX), Arrays.copyOfRange(out, 4, 37));
    assertArrayEquals(new byte[4], Arrays.copyOf(out, 4));
    assertArrayEquals(new byte[3], Arrays.copyOfRange(out, 37, 40));
  }
}
