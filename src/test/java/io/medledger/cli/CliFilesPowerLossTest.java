package io.medledger.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.medledger.testing.PowerLossFileSystem.ForceIgnored;
import io.medledger.testing.PowerLossFileSystem.Survival;
import io.medledger.testing.PowerLossHarness;
import io.medledger.testing.PowerLossHarness.Acks;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The command line's output files through a power loss at every step: a file written (new, or
 * replacing one with {@code --force}) is there after the reboot; one cut off leaves the earlier
 * file or none, never a torn or empty one.
 */
class CliFilesPowerLossTest {
  private static final byte[] OLD = "{\"proof\": \"the earlier one\"}\n".getBytes(StandardCharsets.UTF_8);
  private static final byte[] NEW = "{\"proof\": \"the new one, somewhat longer than before\"}\n"
      .getBytes(StandardCharsets.UTF_8);

  @TempDir Path tmp;

  /**
   * The "store" is the output directory; the operation writes {@code out.json} in it, over an
   * earlier one (with force) or not.
   */
  record Writes(boolean overAnEarlierFile) implements PowerLossHarness.Scenario<Path> {
    @Override
    public void prepare(Path root) throws Exception {
      if (overAnEarlierFile) {
        Files.write(root.resolve("out.json"), OLD);
      }
    }

    @Override
    public Path open(Path root) {
      return root;
    }

    @Override
    public void run(Path dir, Acks acks) throws Exception {
      acks.attempt("write");
      CliFiles.write(dir.resolve("out.json"), NEW, overAnEarlierFile);
      acks.done("write");
    }

    @Override
    public void check(Path dir, Acks acks) throws Exception {
      Path f = dir.resolve("out.json");
      if (!acks.acknowledged().isEmpty()) {
        assertTrue(Files.exists(f), "a written output file is gone");
        assertArrayEquals(NEW, Files.readAllBytes(f), "a written output file is not what was written");
      } else if (overAnEarlierFile) {
        byte[] got = Files.readAllBytes(f);
        assertTrue(java.util.Arrays.equals(OLD, got) || java.util.Arrays.equals(NEW, got),
            "an interrupted --force write left " + got.length + " bytes of neither file");
      } else if (Files.exists(f)) {
        assertArrayEquals(NEW, Files.readAllBytes(f), "an interrupted write left a torn file");
      }
    }

    @Override
    public void close(Path dir) {}
  }

  @Test
  void aForcedWriteReplacesTheEarlierFileWholeOrNotAtAll() throws Exception {
    PowerLossHarness.explore(tmp.resolve("crash"), new Writes(true)).assertNoFailures();
  }

  @Test
  void aWrittenFileSurvivesAPowerLossAndACutOffOneIsNeverTorn() throws Exception {
    PowerLossHarness.explore(tmp.resolve("crash"), new Writes(false)).assertNoFailures();
  }

  @Test
  void withoutForceAnExistingFileIsKeptAndNoTemporaryFileStays() throws Exception {
    Path f = tmp.resolve("out.json");
    Files.write(f, OLD);
    CliException e = assertThrows(CliException.class, () -> CliFiles.write(f, NEW, false));
    assertTrue(e.getMessage().contains("--force"), e.getMessage());
    assertArrayEquals(OLD, Files.readAllBytes(f));
    CliFiles.write(f, NEW, true);
    assertArrayEquals(NEW, Files.readAllBytes(f));
    try (Stream<Path> s = Files.list(tmp)) {
      assertEquals(1, s.count(), "only out.json is left in its directory");
    }
    assertFalse(Files.exists(tmp.resolve("out.json.tmp")));
  }
}
