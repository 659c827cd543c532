package io.medledger.node;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.medledger.internal.node.PassphraseSeal;
import io.medledger.testing.PowerLossFileSystem.ForceIgnored;
import io.medledger.testing.PowerLossFileSystem.Survival;
import io.medledger.testing.PowerLossHarness;
import io.medledger.testing.PowerLossHarness.Acks;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The key store through a power loss at every step of saving two key stores (a node's, in a data
 * directory the save creates, and a client's beside it): after reboot an acknowledged key store
 * opens with its passphrase to the same keys; one whose save was cut off is absent or complete,
 * never torn, and saving it again succeeds.
 */
class NodeKeysPowerLossTest {
  private static final char[] PASS = "power loss passphrase".toCharArray();
  private static final SecureRandom RANDOM = new SecureRandom();
  private static final NodeKeys NODE = NodeKeys.generate(RANDOM);
  private static final NodeKeys CLIENT = NodeKeys.generate(RANDOM);
  private static final List<String> NAMES = List.of("node", "client");
  /** The cheapest key derivation accepted: the crash points, not Argon2, are under test. */
  private static final PassphraseSeal.Cost CHEAP = new PassphraseSeal.Cost(8 * 1024, 1, 1);

  private static Path file(Path root, String name) {
    return name.equals("node") ? root.resolve("data").resolve("node").resolve(NodeKeys.FILE_NAME)
        : root.resolve("data").resolve("client-keys.json");
  }

  private static NodeKeys keys(String name) {
    return name.equals("node") ? NODE : CLIENT;
  }

  private static void assertSame(NodeKeys want, NodeKeys got) {
    assertEquals(want.ledgerKey(), got.ledgerKey());
    assertArrayEquals(want.encryptionSecretKey().exportSecretBytes(), got.encryptionSecretKey().exportSecretBytes());
    assertArrayEquals(want.fragmentSigningSecretKey().exportSecretBytes(),
        got.fragmentSigningSecretKey().exportSecretBytes());
  }

  /** The "store" is the directory; each operation is one {@link NodeKeys#save}. */
  static final class Saves implements PowerLossHarness.Scenario<Path> {
    @Override
    public Path open(Path root) {
      return root;
    }

    @Override
    public void run(Path root, Acks acks) {
      for (String name : NAMES) {
        acks.attempt(name);
        keys(name).save(file(root, name), PASS, RANDOM, CHEAP);
        acks.done(name);
      }
    }

    @Override
    public void check(Path root, Acks acks) throws Exception {
      for (String name : NAMES) {
        Path f = file(root, name);
        if (acks.acknowledged().contains(name)) {
          assertTrue(Files.exists(f), "the acknowledged key store " + name + " is gone");
          assertSame(keys(name), NodeKeys.open(f, PASS));
        } else if (Files.exists(f)) {
          // cut off after the rename: it must be whole
          assertSame(keys(name), NodeKeys.open(f, PASS));
        } else {
          // cut off before: the operator runs init again, which must work on what is left
          keys(name).save(f, PASS, RANDOM, CHEAP);
          assertSame(keys(name), NodeKeys.open(f, PASS));
        }
      }
    }

    @Override
    public void close(Path root) {
      // nothing held open
    }
  }

  @Test
  void anAcknowledgedKeyStoreSurvivesAPowerLossAtEveryStep(@TempDir Path scratch) throws Exception {
    PowerLossHarness.Report r = PowerLossHarness.explore(scratch, new Saves());
    r.assertNoFailures();
    assertTrue(r.steps() >= 10, "the workload took only " + r.steps() + " steps");
  }

  @Test
  void withoutForcingTheFileTheKeysAreLost(@TempDir Path scratch) throws Exception {
    assertFalse(PowerLossHarness.explore(scratch, new Saves(), ForceIgnored.FILES, Survival.SYNCED_ONLY)
        .failures().isEmpty());
  }

  @Test
  void withoutSyncingTheDirectoriesTheKeyStoreIsLost(@TempDir Path scratch) throws Exception {
    assertFalse(PowerLossHarness.explore(scratch, new Saves(), ForceIgnored.DIRECTORIES, Survival.SYNCED_ONLY)
        .failures().isEmpty());
  }
}
