package io.medledger.internal.umbral;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.fasterxml.jackson.databind.JsonNode;
import io.medledger.codec.Hex;
import io.medledger.crypto.Sha256;
import io.medledger.testing.SharedVectors;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.Arrays;
import org.bouncycastle.math.ec.ECPoint;
import org.junit.jupiter.api.Test;

/**
 * Derives the parameter point U independently: a test-only RFC 9380 hash-to-curve for
 * secp256k1_XMD:SHA-256_SSWU_RO_ (expand_message_xmd, simplified SWU on the 3-isogenous curve,
 * the 3-isogeny of RFC 9380 Appendix E.1), checked against the RFC's vectors, then applied to
 * ("POINT_U", "PARAMETERS") and compared with the constant the library uses.
 */
class HashToCurveTest {
  private static final BigInteger P = Secp256k1.CURVE.getField().getCharacteristic();
  private static final BigInteger A_ISO = hex("3f8731abdd661adca08a5558f0f5d272e953d363cb6f0e5d405447c01a444533");
  private static final BigInteger B_ISO = BigInteger.valueOf(1771);
  private static final BigInteger Z = P.subtract(BigInteger.valueOf(11));
  private static final BigInteger[] X_NUM = {
      hex("8e38e38e38e38e38e38e38e38e38e38e38e38e38e38e38e38e38e38daaaaa8c7"),
      hex("07d3d4c80bc321d5b9f315cea7fd44c5d595d2fc0bf63b92dfff1044f17c6581"),
      hex("534c328d23f234e6e2a413deca25caece4506144037c40314ecbd0b53d9dd262"),
      hex("8e38e38e38e38e38e38e38e38e38e38e38e38e38e38e38e38e38e38daaaaa88c")};
  private static final BigInteger[] X_DEN = {
      hex("d35771193d94918a9ca34ccbb7b640dd86cd409542f8487d9fe6b745781eb49b"),
      hex("edadc6f64383dc1df7c4b2d51b54225406d36b641f5e41bbc52a56612a8c6d14"),
      BigInteger.ONE};
  private static final BigInteger[] Y_NUM = {
      hex("4bda12f684bda12f684bda12f684bda12f684bda12f684bda12f684b8e38e23c"),
      hex("c75e0c32d5cb7c0fa9d0a54b12a0a6d5647ab046d686da6fdffc90fc201d71a3"),
      hex("29a6194691f91a73715209ef6512e576722830a201be2018a765e85a9ecee931"),
      hex("2f684bda12f684bda12f684bda12f684bda12f684bda12f684bda12f38e38d84")};
  private static final BigInteger[] Y_DEN = {
      hex("fffffffffffffffffffffffffffffffffffffffffffffffffffffffefffff93b"),
      hex("7a06534bb8bdb49fd5e9e6632722c2989467c1bfc8e8d978dfb425d2685c2573"),
      hex("6484aa716545ca2cf3a70c3fa8fe337e0a3d21162f0d6299a7bf8192bfd2a76f"),
      BigInteger.ONE};

  private static BigInteger hex(String h) {
    return new BigInteger(h.startsWith("0x") ? h.substring(2) : h, 16);
  }

  static byte[] expandMessageXmd(byte[] msg, byte[] dst, int len) {
    if (dst.length > 255) {
      dst = Sha256.hash("H2C-OVERSIZE-DST-".getBytes(StandardCharsets.US_ASCII), dst).toByteArray();
    }
    byte[] dstPrime = Arrays.copyOf(dst, dst.length + 1);
    dstPrime[dst.length] = (byte) dst.length;
    int ell = (len + 31) / 32;
    MessageDigest md = Sha256.newMessageDigest();
    md.update(new byte[64]);
    md.update(msg);
    md.update(new byte[] {(byte) (len >>> 8), (byte) len, 0});
    md.update(dstPrime);
    byte[] b0 = md.digest();
    byte[] out = new byte[ell * 32];
    byte[] prev = new byte[32];
    for (int i = 1; i <= ell; i++) {
      byte[] x = new byte[32];
      for (int j = 0; j < 32; j++) {
        x[j] = (byte) (b0[j] ^ (i == 1 ? 0 : prev[j]));
      }
      md.update(x);
      md.update((byte) i);
      md.update(dstPrime);
      prev = md.digest();
      System.arraycopy(prev, 0, out, 32 * (i - 1), 32);
    }
    return Arrays.copyOf(out, len);
  }

  static BigInteger[] hashToField(byte[] msg, byte[] dst) {
    byte[] uniform = expandMessageXmd(msg, dst, 96);
    return new BigInteger[] {
        new BigInteger(1, Arrays.copyOfRange(uniform, 0, 48)).mod(P),
        new BigInteger(1, Arrays.copyOfRange(uniform, 48, 96)).mod(P)};
  }

  private static BigInteger g(BigInteger x) {
    return x.pow(3).add(A_ISO.multiply(x)).add(B_ISO).mod(P);
  }

  private static BigInteger sqrtOrNull(BigInteger v) {
    BigInteger r = v.modPow(P.add(BigInteger.ONE).shiftRight(2), P);
    return r.multiply(r).mod(P).equals(v.mod(P)) ? r : null;
  }

  /** Simplified SWU onto the isogenous curve, then the 3-isogeny onto secp256k1. */
  static ECPoint mapToCurve(BigInteger u) {
    BigInteger u2 = u.multiply(u).mod(P);
    BigInteger zu2 = Z.multiply(u2).mod(P);
    BigInteger den = zu2.multiply(zu2).add(zu2).mod(P);
    BigInteger x1 = den.signum() == 0
        ? B_ISO.multiply(Z.multiply(A_ISO).modInverse(P)).mod(P)
        : B_ISO.negate().multiply(A_ISO.modInverse(P)).multiply(BigInteger.ONE.add(den.modInverse(P))).mod(P);
    BigInteger x = x1;
    BigInteger y = sqrtOrNull(g(x1));
    if (y == null) {
      x = zu2.multiply(x1).mod(P);
      y = sqrtOrNull(g(x));
    }
    if (u.testBit(0) != y.testBit(0)) {
      y = P.subtract(y);
    }
    BigInteger xn = poly(X_NUM, x);
    BigInteger xd = poly(X_DEN, x);
    BigInteger yn = poly(Y_NUM, x);
    BigInteger yd = poly(Y_DEN, x);
    BigInteger outX = xn.multiply(xd.modInverse(P)).mod(P);
    BigInteger outY = y.multiply(yn).multiply(yd.modInverse(P)).mod(P);
    return Secp256k1.CURVE.createPoint(outX, outY);
  }

  private static BigInteger poly(BigInteger[] c, BigInteger x) {
    BigInteger acc = BigInteger.ZERO;
    for (int i = c.length - 1; i >= 0; i--) {
      acc = acc.multiply(x).add(c[i]).mod(P);
    }
    return acc;
  }

  static ECPoint hashToCurve(byte[] msg, byte[] dst) {
    BigInteger[] u = hashToField(msg, dst);
    return mapToCurve(u[0]).add(mapToCurve(u[1])).normalize();
  }

  @Test
  void expandMessageXmdMatchesRfc9380() {
    for (String file : new String[] {"expand_message_xmd_SHA256_38.json", "expand_message_xmd_SHA256_256.json"}) {
      JsonNode root = SharedVectors.json("vectors/crypto/hash-to-curve/" + file);
      byte[] dst = root.get("DST").asText().getBytes(StandardCharsets.US_ASCII);
      for (JsonNode t : root.get("tests")) {
        int len = Integer.parseInt(t.get("len_in_bytes").asText().substring(2), 16);
        byte[] msg = t.get("msg").asText().getBytes(StandardCharsets.US_ASCII);
        assertEquals(t.get("uniform_bytes").asText(), Hex.encode(expandMessageXmd(msg, dst, len)), file);
      }
    }
  }

  @Test
  void hashToCurveMatchesRfc9380() {
    JsonNode root = SharedVectors.json("vectors/crypto/hash-to-curve/secp256k1_XMD-SHA-256_SSWU_RO_.json");
    byte[] dst = root.get("dst").asText().getBytes(StandardCharsets.US_ASCII);
    int n = 0;
    for (JsonNode v : root.get("vectors")) {
      byte[] msg = v.get("msg").asText().getBytes(StandardCharsets.US_ASCII);
      BigInteger[] u = hashToField(msg, dst);
      assertEquals(hex(v.get("u").get(0).asText()), u[0]);
      assertEquals(hex(v.get("u").get(1).asText()), u[1]);
      ECPoint q0 = mapToCurve(u[0]).normalize();
      assertEquals(hex(v.get("Q0").get("x").asText()), q0.getAffineXCoord().toBigInteger());
      assertEquals(hex(v.get("Q0").get("y").asText()), q0.getAffineYCoord().toBigInteger());
      ECPoint p = hashToCurve(msg, dst);
      assertEquals(hex(v.get("P").get("x").asText()), p.getAffineXCoord().toBigInteger());
      assertEquals(hex(v.get("P").get("y").asText()), p.getAffineYCoord().toBigInteger());
      n++;
    }
    assertEquals(5, n);
  }

  @Test
  void parameterPointUIsTheHashOfPointU() {
    ECPoint u = hashToCurve("POINT_U".getBytes(StandardCharsets.US_ASCII),
        "PARAMETERS".getBytes(StandardCharsets.US_ASCII));
    assertEquals(Secp256k1.U_HEX, Hex.encode(u.getEncoded(true)));
    assertEquals(CurvePoint.U, CurvePoint.of(u));
  }
}
