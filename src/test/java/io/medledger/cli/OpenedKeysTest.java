package io.medledger.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.medledger.client.Identity;
import io.medledger.access.ParticipantKind;
import io.medledger.node.NodeException;
import io.medledger.node.NodeKeys;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The keys a command opens are destroyed when it ends, also when it fails part-way. */
class OpenedKeysTest {
  @TempDir
  Path dir;

  private static final char[] PASS = "a passphrase for the tests".toCharArray();

  @Test
  void everyKeyOpenedBeforeAFailureIsDestroyed() {
    Path first = dir.resolve("first.json");
    Path second = dir.resolve("second.json");
    SecureRandom random = new SecureRandom();
    NodeKeys.generate(random).save(first, PASS, random);
    NodeKeys.generate(random).save(second, PASS, random);
    List<NodeKeys> seen = new ArrayList<>();
    Identity[] made = new Identity[1];
    NodeException e = assertThrows(NodeException.class, () -> {
      try (OpenedKeys opened = new OpenedKeys()) {
        seen.add(opened.open(first, PASS));
        seen.add(opened.open(second, PASS));
        made[0] = opened.keep(Identity.generate(ParticipantKind.PATIENT, "P", random));
        assertEquals(3, opened.size());
        assertFalse(seen.get(0).isDestroyed());
        opened.open(dir.resolve("missing.json"), PASS); // as a command whose next key store is missing
      }
    });
    assertEquals(NodeException.Reason.KEY_STORE, e.reason());
    assertEquals(2, seen.size());
    for (NodeKeys k : seen) {
      assertTrue(k.isDestroyed(), k.toString());
      assertThrows(IllegalStateException.class, () -> k.ledgerSecretKey().exportSecretBytes());
    }
    assertTrue(made[0].isDestroyed());
  }
}
