package io.medledger.node;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.reflect.Field;
import java.nio.file.Path;
import java.security.SecureRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * A node started from its configuration opens its own key store; an application that closed it
 * and went on running kept the three secret keys unwiped. Closing now destroys them.
 */
class NodeCloseKeysTest {
  @TempDir
  Path dir;

  @Test
  @Timeout(60)
  void closingANodeThatOpenedItsKeysDestroysThem() throws Exception {
    Testnet.Layout t = Testnet.create(dir.resolve("net"), NodeRuntimeTest.options(1, 1, 0), new SecureRandom());
    Node n = Node.start(NodeConfig.read(t.nodeDirectories().get(0).resolve("node.json")), NodeMetrics.NONE);
    NodeKeys keys;
    try {
      Field f = Node.class.getDeclaredField("keys");
      f.setAccessible(true);
      keys = (NodeKeys) f.get(n);
      assertFalse(keys.isDestroyed());
    } finally {
      n.close();
    }
    assertTrue(keys.isDestroyed() && keys.encryptionSecretKey().isDestroyed()
        && keys.fragmentSigningSecretKey().isDestroyed(), keys.toString());
    assertThrows(IllegalStateException.class, () -> keys.signer().sign(new byte[] {1}));
    n.close(); // idempotent
  }
}
