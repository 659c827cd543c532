package io.medledger.storage;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.medledger.crypto.Digest;
import io.medledger.crypto.Sha256;
import io.medledger.testing.PowerLossFileSystem.ForceIgnored;
import io.medledger.testing.PowerLossFileSystem.Survival;
import io.medledger.testing.PowerLossHarness;
import io.medledger.testing.PowerLossHarness.Acks;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The blob store through a power loss at every step of puts and a delete: acknowledged blobs survive whole. */
class FileBlobStorePowerLossTest {
  static byte[] blob(int i) {
    byte[] b = new byte[100 + i];
    java.util.Arrays.fill(b, (byte) i);
    return b;
  }

  record Put(int blob) {}

  record Delete(int blob) {}

  static final class Workload implements PowerLossHarness.Scenario<FileBlobStore> {
    @Override
    public FileBlobStore open(Path root) {
      return FileBlobStore.open(root.resolve("blobs"));
    }

    @Override
    public void run(FileBlobStore s, Acks acks) {
      for (Object op : List.of(new Put(0), new Put(1), new Put(2), new Delete(1), new Put(3), new Put(0))) {
        acks.attempt(op);
        if (op instanceof Put p) {
          s.put(blob(p.blob()));
        } else if (op instanceof Delete d) {
          s.delete(Sha256.hash(blob(d.blob())));
        }
        acks.done(op);
      }
    }

    @Override
    public void check(FileBlobStore s, Acks acks) {
      Map<Integer, Boolean> expected = new HashMap<>();
      for (Object op : acks.acknowledged()) {
        if (op instanceof Put p) {
          expected.put(p.blob(), true);
        } else if (op instanceof Delete d) {
          expected.put(d.blob(), false);
        }
      }
      for (int i = 0; i < 4; i++) {
        Digest id = Sha256.hash(blob(i));
        Optional<byte[]> got = s.get(id);  // never corrupt: a blob is whole or absent
        byte[] whole = blob(i);
        got.ifPresent(b -> assertArrayEquals(whole, b));
        Boolean want = expected.get(i);
        Object inFlight = acks.inFlight();
        boolean touched = inFlight instanceof Put p && p.blob() == i || inFlight instanceof Delete d && d.blob() == i;
        if (want != null && !touched) {
          assertTrue(want == got.isPresent(), "blob " + i + (want ? " lost" : " came back after its delete"));
        }
      }
    }

    @Override
    public void close(FileBlobStore s) {
      // nothing to release
    }
  }

  @Test
  void acknowledgedBlobsSurviveAPowerLossAtEveryStep(@TempDir Path scratch) throws Exception {
    PowerLossHarness.Report r = PowerLossHarness.explore(scratch, new Workload());
    assertTrue(r.steps() > 20, "steps " + r.steps());
    r.assertNoFailures();
  }

  @Test
  void withoutForcingTheBlobOrItsDirectoryBlobsAreLost(@TempDir Path scratch) throws Exception {
    assertFalse(PowerLossHarness.explore(scratch, new Workload(), ForceIgnored.FILES, Survival.SYNCED_ONLY)
        .failures().isEmpty());
    assertFalse(PowerLossHarness.explore(scratch, new Workload(), ForceIgnored.DIRECTORIES, Survival.SYNCED_ONLY)
        .failures().isEmpty());
  }
}
