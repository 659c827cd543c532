package io.medledger.consensus;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.medledger.testing.PowerLossFileSystem.ForceIgnored;
import io.medledger.testing.PowerLossFileSystem.Survival;
import io.medledger.testing.PowerLossHarness;
import io.medledger.testing.PowerLossHarness.Acks;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The safety store through a power loss at every step of five saves: after reboot it holds the
 * last acknowledged state or the one being saved, never an older one, a mix, or nothing.
 */
class FileSafetyStorePowerLossTest {
  static byte[] state(int i) {
    byte[] b = new byte[40 + 10 * i];
    java.util.Arrays.fill(b, (byte) (i + 1));
    return b;
  }

  static final class Saves implements PowerLossHarness.Scenario<FileSafetyStore> {
    @Override
    public FileSafetyStore open(Path root) {
      return new FileSafetyStore(root.resolve("safety.bin"));
    }

    @Override
    public void run(FileSafetyStore s, Acks acks) {
      for (int i = 0; i < 5; i++) {
        acks.attempt(i);
        s.save(state(i));
        acks.done(i);
      }
    }

    @Override
    public void check(FileSafetyStore s, Acks acks) {
      Optional<byte[]> got = s.load();
      List<Object> done = acks.acknowledged();
      Integer inFlight = (Integer) acks.inFlight();
      if (done.isEmpty()) {
        got.ifPresent(b -> assertArrayEquals(state(inFlight), b));
        return;
      }
      assertTrue(got.isPresent(), "the acknowledged state " + done.get(done.size() - 1) + " is gone");
      int last = (Integer) done.get(done.size() - 1);
      byte[] b = got.get();
      assertTrue(java.util.Arrays.equals(state(last), b) || inFlight != null && java.util.Arrays.equals(state(inFlight), b),
          "the store went back to an older state or holds a mix (" + b.length + " bytes, last acknowledged " + last + ")");
    }

    @Override
    public void close(FileSafetyStore s) {
      // nothing to release
    }
  }

  @Test
  void theLastAcknowledgedStateSurvivesAPowerLossAtEveryStep(@TempDir Path scratch) throws Exception {
    PowerLossHarness.explore(scratch, new Saves()).assertNoFailures();
  }

  @Test
  void withoutSyncingTheDirectoryAfterTheRenameTheStateGoesBack(@TempDir Path scratch) throws Exception {
    assertFalse(PowerLossHarness.explore(scratch, new Saves(), ForceIgnored.DIRECTORIES, Survival.SYNCED_ONLY)
        .failures().isEmpty());
    assertFalse(PowerLossHarness.explore(scratch, new Saves(), ForceIgnored.FILES, Survival.SYNCED_ONLY)
        .failures().isEmpty());
  }
}
