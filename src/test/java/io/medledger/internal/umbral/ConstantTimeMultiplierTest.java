package io.medledger.internal.umbral;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.math.BigInteger;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.bouncycastle.math.ec.ECPoint;
import org.bouncycastle.util.BigIntegers;
import org.junit.jupiter.api.Test;

/**
 * The constant-time multiplier agrees with BouncyCastle's variable-time one, and costs exactly the
 * same field operations and table scans for every scalar (issue 13, finding 10): random scalars,
 * small ones, ones with many zero windows, n − 1 and 0.
 */
class ConstantTimeMultiplierTest {
  private static final SecureRandom RNG = new SecureRandom(new byte[] {13});

  private static List<BigInteger> scalars() {
    List<BigInteger> out = new ArrayList<>();
    for (int i = 0; i < 40; i++) {
      out.add(new BigInteger(256, RNG).mod(Secp256k1.N));
    }
    for (long small : new long[] {1, 2, 3, 15, 16, 17, 255, 256, 0x10001}) {
      out.add(BigInteger.valueOf(small));
    }
    out.add(BigInteger.ONE.shiftLeft(255));
    out.add(BigInteger.ONE.shiftLeft(128).add(BigInteger.ONE));
    out.add(new BigInteger("f000000000000000000000000000000f0000000000000000000000000000000f", 16));
    out.add(new BigInteger("0101010101010101010101010101010101010101010101010101010101010101", 16));
    out.add(Secp256k1.N.subtract(BigInteger.ONE));
    out.add(Secp256k1.HALF_N);
    return out;
  }

  private static byte[] bytes(BigInteger k) {
    return BigIntegers.asUnsignedByteArray(32, k);
  }

  @Test
  void agreesWithBouncyCastleOnEveryBaseAndScalar() {
    ECPoint p = Secp256k1.mul(Secp256k1.G, new BigInteger(256, RNG)).normalize();
    for (BigInteger k : scalars()) {
      assertEquals(Secp256k1.G.multiply(k).normalize(), ConstantTimeMultiplier.multiplyG(bytes(k)).normalize(),
          "G·" + k.toString(16));
      assertEquals(Secp256k1.U.multiply(k).normalize(), ConstantTimeMultiplier.multiplyU(bytes(k)).normalize());
      assertEquals(p.multiply(k).normalize(), ConstantTimeMultiplier.multiply(p, bytes(k)).normalize());
    }
    assertTrue(ConstantTimeMultiplier.multiplyG(new byte[32]).isInfinity(), "0·G is the identity");
    assertEquals(Secp256k1.G, ConstantTimeMultiplier.multiplyG(bytes(Secp256k1.N.add(BigInteger.ONE).subtract(
        Secp256k1.N))).normalize());
  }

  @Test
  void everyScalarCostsTheSameFieldOperations() {
    ECPoint p = Secp256k1.mul(Secp256k1.G, new BigInteger(256, RNG)).normalize();
    Set<String> variable = new HashSet<>();
    Set<String> fixed = new HashSet<>();
    for (BigInteger k : scalars()) {
      if (k.signum() == 0) {
        continue;
      }
      ConstantTimeMultiplier.FieldOps f = new ConstantTimeMultiplier.FieldOps();
      ConstantTimeMultiplier.multiply(p, bytes(k), f);
      variable.add(f.counts());
      ConstantTimeMultiplier.FieldOps g = new ConstantTimeMultiplier.FieldOps();
      ConstantTimeMultiplier.multiplyG(bytes(k), g);
      fixed.add(g.counts());
    }
    assertEquals(1, variable.size(), "operation counts differ between scalars: " + variable);
    assertEquals(1, fixed.size(), "operation counts differ between scalars: " + fixed);
    // 64 windows of 4 doublings and 1 addition, 14 table additions, 2 multiplications to affine
    ConstantTimeMultiplier.FieldOps f = new ConstantTimeMultiplier.FieldOps();
    ConstantTimeMultiplier.multiply(p, bytes(BigInteger.ONE), f);
    assertEquals(64, f.select);
    assertEquals(256 * 2, f.sqr);
    assertEquals(256 * 7 + (64 + 14) * 14 + 2, f.mul, f.counts());
    // fixed base: 64 scans and 64 additions, no doublings
    ConstantTimeMultiplier.FieldOps g = new ConstantTimeMultiplier.FieldOps();
    ConstantTimeMultiplier.multiplyG(bytes(BigInteger.ONE), g);
    assertEquals(64, g.select);
    assertEquals(0, g.sqr);
    assertEquals(64 * 14 + 2, g.mul, g.counts());
  }
}
