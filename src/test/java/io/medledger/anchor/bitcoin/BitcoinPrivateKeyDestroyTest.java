package io.medledger.anchor.bitcoin;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.medledger.crypto.Digest;
import java.security.SecureRandom;
import java.util.Arrays;
import org.junit.jupiter.api.Test;

class BitcoinPrivateKeyDestroyTest {
  private static final SecureRandom RANDOM = new SecureRandom();

  private static boolean allZero(byte[] b) {
    for (byte x : b) {
      if (x != 0) {
        return false;
      }
    }
    return true;
  }

  @Test
  void destroyZeroesTheHeldSecretAndTheKeyRefusesToSignOrExport() {
    BitcoinPrivateKey key = BitcoinPrivateKey.generate(Network.REGTEST, RANDOM);
    byte[] held = key.heldSecretForTest();
    byte[] exported = key.exportSecretBytes();
    assertNotSame(held, exported);
    assertArrayEquals(held, exported);
    assertFalse(allZero(held));
    Digest hash = Digest.of(new byte[32]);
    key.signEcdsa(hash);

    key.destroy();

    assertTrue(key.isDestroyed());
    assertTrue(allZero(held), "the held secret is zeros after destroy");
    assertTrue(allZero(key.heldSecretForTest()));
    assertFalse(allZero(exported), "an exported copy is the caller's, untouched");
    assertThrows(IllegalStateException.class, () -> key.signEcdsa(hash));
    assertThrows(IllegalStateException.class, () -> key.signSchnorr(new byte[32], new byte[32]));
    assertThrows(IllegalStateException.class, () -> key.signTaprootKeyPath(hash, null, new byte[32]));
    assertThrows(IllegalStateException.class, key::exportSecretBytes);
    assertThrows(IllegalStateException.class, key::exportSecretWif);
    assertThrows(IllegalStateException.class, () -> key.onNetwork(Network.MAINNET));
    assertTrue(key.toString().contains("destroyed"));
  }

  @Test
  void theKeyKeepsItsOwnCopyOfTheBytesItWasMadeFrom() {
    byte[] d = BitcoinPrivateKey.generate(Network.REGTEST, RANDOM).exportSecretBytes();
    BitcoinPrivateKey key = BitcoinPrivateKey.fromSecretBytes(d, Network.REGTEST, true);
    byte[] before = d.clone();
    Arrays.fill(d, (byte) 0); // the caller wipes its array
    assertArrayEquals(before, key.exportSecretBytes());
    BitcoinPrivateKey main = key.onNetwork(Network.MAINNET);
    key.destroy();
    assertArrayEquals(before, main.exportSecretBytes(), "a key for another network holds its own copy");
    main.destroy();
    assertTrue(allZero(main.heldSecretForTest()));
  }
}
