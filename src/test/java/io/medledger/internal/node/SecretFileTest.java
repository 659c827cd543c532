package io.medledger.internal.node;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.medledger.codec.MalformedEncodingException;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SecretFileTest {
  @TempDir Path dir;

  private Path ownerOnly(String name, String content) throws IOException {
    Path p = dir.resolve(name);
    Files.writeString(p, content);
    Files.setPosixFilePermissions(p, PosixFilePermissions.fromString("rw-------"));
    return p;
  }

  @Test
  void anOwnerOnlyFileIsReadWhole() throws IOException {
    Path p = ownerOnly("secret", "correct horse\n");
    assertArrayEquals("correct horse\n".getBytes(StandardCharsets.UTF_8),
        SecretFile.read(p, 100, "secret", SecretFile.Access.OWNER_ONLY));
  }

  @Test
  void aFileSwappedBetweenTheCheckAndTheReadIsRefused() throws IOException {
    Path p = ownerOnly("secret", "the operator's passphrase\n");
    Path planted = ownerOnly("planted", "chosen by someone else\n");
    SecretFile.RefusedException e = assertThrows(SecretFile.RefusedException.class,
        () -> SecretFile.read(p, 100, "secret", SecretFile.Access.OWNER_ONLY,
            () -> Files.move(planted, p, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE)));
    assertEquals(SecretFile.RefusedException.Kind.CHANGED, e.kind());
    assertTrue(e.getMessage().startsWith(p + " was replaced"), e.getMessage());
  }

  @Test
  void aFileRewrittenInPlaceBetweenTheCheckAndTheReadIsRefused() throws IOException {
    Path p = ownerOnly("secret", "short\n");
    SecretFile.RefusedException e = assertThrows(SecretFile.RefusedException.class,
        () -> SecretFile.read(p, 100, "secret", SecretFile.Access.ANY,
            () -> Files.writeString(p, "a longer line written meanwhile\n")));
    assertEquals(SecretFile.RefusedException.Kind.CHANGED, e.kind());
  }

  @Test
  void aSymbolicLinkSwappedInBetweenTheCheckAndTheReadIsNotFollowed() throws IOException {
    Path p = ownerOnly("secret", "the operator's passphrase\n");
    Path other = ownerOnly("other-secret", "user:another secret of this account\n");
    SecretFile.RefusedException e = assertThrows(SecretFile.RefusedException.class,
        () -> SecretFile.read(p, 100, "secret", SecretFile.Access.ANY, () -> {
          Files.delete(p);
          Files.createSymbolicLink(p, other);
        }));
    assertEquals(SecretFile.RefusedException.Kind.LINK, e.kind());
  }

  @Test
  void aLinkAWideModeOrAnOversizedFileIsRefusedBeforeReading() throws IOException {
    Path target = ownerOnly("target", "x\n");
    Path link = Files.createSymbolicLink(dir.resolve("link"), target);
    assertEquals(SecretFile.RefusedException.Kind.LINK, assertThrows(SecretFile.RefusedException.class,
        () -> SecretFile.read(link, 100, "link", SecretFile.Access.OWNER_ONLY)).kind());
    Path wide = ownerOnly("wide", "x\n");
    Files.setPosixFilePermissions(wide, PosixFilePermissions.fromString("rw-r-----"));
    SecretFile.RefusedException m = assertThrows(SecretFile.RefusedException.class,
        () -> SecretFile.read(wide, 100, "wide", SecretFile.Access.OWNER_ONLY));
    assertEquals(SecretFile.RefusedException.Kind.MODE, m.kind());
    assertTrue(m.getMessage().contains("chmod 600"), m.getMessage());
    // a shared mode is fine where the file is not the process's own (a Bitcoin node's cookie)
    assertArrayEquals("x\n".getBytes(StandardCharsets.UTF_8), SecretFile.read(wide, 100, "wide", SecretFile.Access.ANY));
    Path big = ownerOnly("big", "y".repeat(101));
    MalformedEncodingException t = assertThrows(MalformedEncodingException.class,
        () -> SecretFile.read(big, 100, "the big file", SecretFile.Access.OWNER_ONLY));
    assertEquals("the big file is larger than 100 bytes", t.getMessage());
  }

  /** Makes a FIFO at {@code p} with mkfifo (Linux and other Unix systems; the test is skipped without it). */
  private static void mkfifo(Path p) throws IOException {
    try {
      Process mk = new ProcessBuilder("mkfifo", "-m", "600", p.toString()).redirectErrorStream(true).start();
      assumeTrue(mk.waitFor(10, TimeUnit.SECONDS) && mk.exitValue() == 0, "mkfifo is not available here");
    } catch (IOException e) {
      assumeTrue(false, "mkfifo is not available here: " + e.getMessage());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IOException(e);
    }
  }

  /** Skips the test where FIFOs cannot be made (checked first: a skip inside the read would read as its failure). */
  private void assumeFifos() throws IOException {
    mkfifo(dir.resolve("probe-fifo"));
  }

  private static long readerThreads() {
    return Thread.getAllStackTraces().keySet().stream()
        .filter(t -> t.isAlive() && t.getName().equals("medledger-secret-read")).count();
  }

  private static void awaitNoReaderThread() throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
    while (readerThreads() > 0 && System.nanoTime() < deadline) {
      Thread.sleep(10);
    }
    assertEquals(0, readerThreads(), "the thread that opened the secret file is still parked");
  }

  @Test
  void aFifoAtThePathIsRefusedBeforeOpening() throws IOException {
    Path p = dir.resolve("fifo");
    mkfifo(p);
    java.nio.file.FileSystemException e = assertTimeoutPreemptively(Duration.ofSeconds(10), () -> assertThrows(
        java.nio.file.FileSystemException.class, () -> SecretFile.read(p, 100, "secret", SecretFile.Access.ANY)));
    assertEquals("not a regular file", e.getReason());
  }

  /** Java's opening of a FIFO waits for a writer: one swapped in after the check held the caller forever. */
  @Test
  void aFifoSwappedInBeforeTheOpeningIsRefusedWithinTheWait() throws Exception {
    assumeFifos();
    Path p = ownerOnly("secret", "the operator's passphrase\n");
    SecretFile.RefusedException e = assertTimeoutPreemptively(Duration.ofSeconds(10), () -> assertThrows(
        SecretFile.RefusedException.class, () -> SecretFile.read(p, 100, "secret", SecretFile.Access.OWNER_ONLY, () -> {
          Files.delete(p);
          mkfifo(p);
        }, 300)));
    assertEquals(SecretFile.RefusedException.Kind.CHANGED, e.kind());
    assertTrue(e.getMessage().contains("did not open and read within 300 ms"), e.getMessage());
    awaitNoReaderThread(); // its opening was given a writer
  }

  /** A FIFO with a writer that never writes: the opening goes through and the read waits for bytes. */
  @Test
  void aFifoWhoseWriterSaysNothingIsRefusedWithinTheWait() throws Exception {
    assumeFifos();
    Path p = ownerOnly("secret", "the operator's passphrase\n");
    CountDownLatch done = new CountDownLatch(1);
    Thread writer = new Thread(() -> {
      try (FileChannel w = FileChannel.open(p, StandardOpenOption.WRITE)) { // waits for the reader
        done.await();
      } catch (IOException | InterruptedException ignored) {
        // the test is over
      }
    }, "silent-fifo-writer");
    writer.setDaemon(true);
    try {
      SecretFile.RefusedException e = assertTimeoutPreemptively(Duration.ofSeconds(10), () -> assertThrows(
          SecretFile.RefusedException.class, () -> SecretFile.read(p, 100, "secret", SecretFile.Access.ANY, () -> {
            Files.delete(p);
            mkfifo(p);
            writer.start();
          }, 300)));
      assertEquals(SecretFile.RefusedException.Kind.CHANGED, e.kind());
      awaitNoReaderThread(); // its read was interrupted
    } finally {
      done.countDown();
      writer.join(5_000);
    }
  }
}
