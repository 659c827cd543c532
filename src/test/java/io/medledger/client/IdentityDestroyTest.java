package io.medledger.client;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.medledger.access.ParticipantKind;
import io.medledger.codec.Hex;
import io.medledger.crypto.Ed25519PrivateKey;
import io.medledger.pre.SecretKey;
import java.lang.reflect.Field;
import org.junit.jupiter.api.Test;

/**
 * An application done with a participant (a patient's device logging out, an EHR unloading a
 * clinician) could not wipe that participant's keys: neither {@code Identity} nor its Ed25519 key
 * had a way to. Destroying the identity now zeroes the arrays of all its secret keys (a patient's
 * research key too), and every
 * secret operation after it refuses with a clear exception.
 */
class IdentityDestroyTest {
  private static byte[] array(Object key, Class<?> type, String field) throws ReflectiveOperationException {
    Field f = type.getDeclaredField(field);
    f.setAccessible(true);
    return (byte[]) f.get(key);
  }

  @Test
  void destroyingAnIdentityWipesItsKeysAndRefusesToSignOrExport() throws Exception {
    Identity id = Identity.generate(ParticipantKind.PATIENT, "Anna");
    String seed = Hex.encode(id.secretSigningKey().exportSecretBytes());
    KeyCard card = id.card();
    assertFalse(id.isDestroyed());
    id.destroy();
    assertTrue(id.isDestroyed());
    assertArrayEquals(new byte[32], array(id.secretSigningKey(), Ed25519PrivateKey.class, "seed"), "the Ed25519 seed");
    assertArrayEquals(new byte[32], array(id.secretEncryptionKey(), SecretKey.class, "secret"), "the Umbral key");
    assertArrayEquals(new byte[32], array(id.secretResearchKey().orElseThrow(), SecretKey.class, "secret"),
        "the Umbral research key");
    IllegalStateException e = assertThrows(IllegalStateException.class, () -> id.secretSigningKey().sign(new byte[] {1}));
    assertTrue(e.getMessage().contains("destroyed") && !e.getMessage().contains(seed), e.getMessage());
    assertThrows(IllegalStateException.class, id::card);
    assertThrows(IllegalStateException.class, () -> id.exportEncrypted("pw".toCharArray()));
    assertThrows(IllegalStateException.class, () -> id.secretEncryptionKey().exportSecretBytes());
    // the public parts stay
    assertEquals(card.id(), id.id());
    assertTrue(id.toString().contains("destroyed") && !id.toString().contains(seed), id.toString());
    id.destroy(); // idempotent
  }
}
