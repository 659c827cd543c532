package io.medledger.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.medledger.crypto.Digest;
import java.io.RandomAccessFile;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The ids file of {@code chain contains}: hostile files meet a bound, never the memory or the time of the command. */
class ContainsSupportTest {
  @TempDir Path dir;

  @Test
  void idsAreReadOnePerLineWithBlankLinesAndSpacesIgnored() throws Exception {
    Path f = dir.resolve("ids");
    Files.writeString(f, "  " + "ab".repeat(32) + " \r\n\n" + "CD".repeat(32));
    List<Digest> ids = ContainsSupport.readIds(f);
    assertEquals(List.of(Digest.fromHex("ab".repeat(32)), Digest.fromHex("cd".repeat(32))), ids);
  }

  @Test
  void aFileOfOneEndlessLineIsRefusedAtTheLineBound() throws Exception {
    Path f = dir.resolve("ids");
    try (RandomAccessFile r = new RandomAccessFile(f.toFile(), "rw")) {
      r.setLength(3L << 30); // sparse: 3 GiB of zero bytes, no newline
    }
    CliException e = assertTimeoutPreemptively(Duration.ofSeconds(20),
        () -> assertThrows(CliException.class, () -> ContainsSupport.readIds(f)));
    assertTrue(e.getMessage().contains("line 1: longer than " + ContainsSupport.MAX_LINE), e.getMessage());
  }

  @Test
  void textThatIsNotAsciiIsRefusedAsSuch() throws Exception {
    Path f = dir.resolve("ids");
    Files.write(f, new byte[] {(byte) 0xC3, (byte) 0xA9, '\n'});
    CliException e = assertThrows(CliException.class, () -> ContainsSupport.readIds(f));
    assertTrue(e.getMessage().contains("not US-ASCII"), e.getMessage());
  }

  @Test
  void aNamedPipeIsRefusedInsteadOfWaitedOn() throws Exception {
    Path fifo = dir.resolve("fifo");
    Process p = new ProcessBuilder("mkfifo", fifo.toString()).start();
    assertEquals(0, p.waitFor());
    FileSystemException e = assertTimeoutPreemptively(Duration.ofSeconds(10),
        () -> assertThrows(FileSystemException.class, () -> ContainsSupport.readIds(fifo)));
    assertTrue(e.getMessage().contains("not a regular file"), e.getMessage());
  }
}
