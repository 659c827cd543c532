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
}
