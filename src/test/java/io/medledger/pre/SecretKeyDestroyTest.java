package io.medledger.pre;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.reflect.Field;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/** Secret keys live in an array that {@code destroy()} wipes (issue 13, finding 10). */
class SecretKeyDestroyTest {
  @Test
  void destroyWipesTheSecretAndRefusesFurtherUse() throws Exception {
    SecretKey k = SecretKey.random();
    SecretKey same = SecretKey.fromSecretBytes(k.exportSecretBytes());
    assertEquals(k, same);
    byte[] envelope = RecordEnvelope.seal(k.publicKey(), "payload".getBytes(StandardCharsets.UTF_8));
    assertArrayEquals("payload".getBytes(StandardCharsets.UTF_8), RecordEnvelope.openAsOwner(k, envelope));
    PublicKey pub = k.publicKey();
    assertFalse(k.isDestroyed());
    k.destroy();
    assertTrue(k.isDestroyed());
    Field f = SecretKey.class.getDeclaredField("secret");
    f.setAccessible(true);
    assertArrayEquals(new byte[32], (byte[]) f.get(k), "the secret array is zeroed");
    assertThrows(IllegalStateException.class, k::exportSecretBytes);
    assertThrows(IllegalStateException.class, () -> RecordEnvelope.openAsOwner(k, envelope));
    assertEquals(pub, k.publicKey(), "the public key stays");
    assertNotEquals(same, k);
    assertTrue(k.toString().contains("destroyed"));
  }

  @Test
  void aDestroyedProxyHoldsNothing() {
    SecretKey key = SecretKey.random();
    ReEncryptionProxy proxy = new ReEncryptionProxy("p1", key);
    proxy.destroy();
    assertTrue(proxy.isDestroyed());
    assertTrue(key.isDestroyed());
  }

  /**
   * {@code fromSecretBytes} checks the range on the bytes themselves (no {@code BigInteger} of the
   * secret); it takes exactly the scalars 1 to n − 1, as the check through a {@code BigInteger} did,
   * and keeps its own copy of them.
   */
  @Test
  void fromSecretBytesTakesExactlyTheScalarsFromOneToNMinusOne() {
    java.math.BigInteger n = io.medledger.internal.umbral.Secp256k1.N;
    java.math.BigInteger two256 = java.math.BigInteger.ONE.shiftLeft(256);
    java.util.List<java.math.BigInteger> values = new java.util.ArrayList<>(java.util.List.of(java.math.BigInteger.ZERO,
        java.math.BigInteger.ONE, java.math.BigInteger.TWO, n.subtract(java.math.BigInteger.ONE), n,
        n.add(java.math.BigInteger.ONE), two256.subtract(java.math.BigInteger.ONE), n.shiftRight(1),
        n.subtract(java.math.BigInteger.ONE.shiftLeft(128)), n.add(java.math.BigInteger.ONE.shiftLeft(8))));
    java.util.Random r = new java.util.Random(7);
    for (int i = 0; i < 200; i++) {
      values.add(new java.math.BigInteger(256, r));
      values.add(n.subtract(new java.math.BigInteger(1 + r.nextInt(200), r)).add(java.math.BigInteger.valueOf(r.nextInt(3))));
    }
    for (java.math.BigInteger v : values) {
      byte[] b = org.bouncycastle.util.BigIntegers.asUnsignedByteArray(32, v);
      boolean valid = v.signum() > 0 && v.compareTo(n) < 0;
      if (valid) {
        SecretKey k = SecretKey.fromSecretBytes(b);
        byte[] kept = k.exportSecretBytes();
        java.util.Arrays.fill(b, (byte) 0);
        assertArrayEquals(org.bouncycastle.util.BigIntegers.asUnsignedByteArray(32, v), kept, v.toString(16));
      } else {
        assertThrows(io.medledger.codec.MalformedEncodingException.class, () -> SecretKey.fromSecretBytes(b),
            v.toString(16));
      }
    }
    assertThrows(io.medledger.codec.MalformedEncodingException.class, () -> SecretKey.fromSecretBytes(new byte[31]));
  }
}
