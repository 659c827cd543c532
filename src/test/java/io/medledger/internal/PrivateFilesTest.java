package io.medledger.internal;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.medledger.consensus.FileSafetyStore;
import io.medledger.crypto.Digest;
import io.medledger.storage.FileBlobStore;
import java.io.IOException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Issue 13, finding 8: what the library creates is owner-only whatever the umask. */
class PrivateFilesTest {
  @TempDir
  Path dir;

  private static String perms(Path p) throws IOException {
    return PosixFilePermissions.toString(Files.getPosixFilePermissions(p));
  }

  @Test
  void helperCreatesOwnerOnlyAndRefusesToReplaceUnlessAsked() throws IOException {
    Path d = PrivateFiles.createDirectories(dir.resolve("x").resolve("y"));
    assertEquals("rwx------", perms(d));
    assertEquals("rwx------", perms(d.getParent()));
    Path f = d.resolve("f");
    PrivateFiles.write(f, new byte[] {1}, false);
    assertEquals("rw-------", perms(f));
    assertThrows(FileAlreadyExistsException.class, () -> PrivateFiles.write(f, new byte[] {2}, false));
    assertArrayEquals(new byte[] {1}, Files.readAllBytes(f));
    PrivateFiles.write(f, new byte[] {3, 4}, true);
    assertArrayEquals(new byte[] {3, 4}, Files.readAllBytes(f));
    // an existing directory keeps its permissions
    Files.setPosixFilePermissions(d, PosixFilePermissions.fromString("rwxr-x---"));
    PrivateFiles.createDirectories(d);
    assertEquals("rwxr-x---", perms(d));
  }

  @Test
  void blobStoreDirectoriesAndBlobsAreOwnerOnly() throws IOException {
    Path root = dir.resolve("blobs");
    FileBlobStore store = FileBlobStore.open(root);
    Digest id = store.put(new byte[] {1, 2, 3});
    assertEquals("rwx------", perms(root));
    try (Stream<Path> s = Files.walk(root)) {
      for (Path p : s.toList()) {
        assertEquals(Files.isDirectory(p) ? "rwx------" : "rw-------", perms(p), p.toString());
      }
    }
    assertArrayEquals(new byte[] {1, 2, 3}, store.get(id).orElseThrow());
  }

  @Test
  void safetyStateIsOwnerOnly() throws IOException {
    Path file = dir.resolve("safety.bin");
    new FileSafetyStore(file).save(new byte[] {7});
    assertEquals("rw-------", perms(dir.resolve("safety.bin.journal")));
  }

  /**
   * Two writers create the same new file at once (two {@code keys init} of one data directory, or
   * a file planted by another process): the create checked that nothing was there, then renamed
   * its temporary file into place, and a rename replaces whatever appeared in between, so both
   * reported the file created and the first one's content (a sealed key store) was lost. Now
   * exactly one create succeeds each time and the file holds its bytes.
   */
  @Test
  @org.junit.jupiter.api.Timeout(60)
  void concurrentCreatesOfOneFileLetExactlyOneSucceedAndKeepItsBytes() throws Exception {
    int writers = 4;
    java.util.concurrent.ExecutorService pool = java.util.concurrent.Executors.newFixedThreadPool(writers);
    try {
      for (int round = 0; round < 300; round++) {
        Path f = dir.resolve("keys-" + round + ".json");
        java.util.concurrent.CyclicBarrier start = new java.util.concurrent.CyclicBarrier(writers);
        java.util.List<java.util.concurrent.Future<Boolean>> done = new java.util.ArrayList<>();
        for (int w = 0; w < writers; w++) {
          byte[] mine = {(byte) w};
          done.add(pool.submit(() -> {
            start.await();
            try {
              PrivateFiles.create(f, mine);
              return true;
            } catch (FileAlreadyExistsException e) {
              return false;
            }
          }));
        }
        int created = 0;
        int winner = -1;
        for (int w = 0; w < writers; w++) {
          if (done.get(w).get()) {
            created++;
            winner = w;
          }
        }
        assertEquals(1, created, "round " + round + ": creates that reported success");
        assertArrayEquals(new byte[] {(byte) winner}, Files.readAllBytes(f), "round " + round);
      }
      try (Stream<Path> s = Files.list(dir)) {
        assertEquals(300, s.count(), "temporary files were left behind");
      }
    } finally {
      pool.shutdownNow();
    }
  }

  /** A symbolic link planted where a new file is to be created is neither followed nor replaced. */
  @Test
  void aSymlinkPlantedAtANewFilesNameIsRefusedAndLeftAlone() throws IOException {
    Path victim = dir.resolve("victim");
    Files.write(victim, new byte[] {9});
    Path f = dir.resolve("keys.json");
    Files.createSymbolicLink(f, victim);
    assertThrows(FileAlreadyExistsException.class, () -> PrivateFiles.create(f, new byte[] {1}));
    assertEquals(victim, Files.readSymbolicLink(f));
    assertArrayEquals(new byte[] {9}, Files.readAllBytes(victim));
  }

  /**
   * A crash between writing a new file's temporary copy and linking it into place leaves that copy
   * (for a key store: the sealed keys); only such copies are removed afterwards, never a file of
   * another name or wider permissions, nor what a symbolic link of the pattern points to.
   */
  @Test
  void leftoverTemporaryCopiesAreDeletedAndNothingElse() throws IOException {
    Path f = dir.resolve("keys.json");
    Files.write(f, new byte[] {1});
    Path leftover = dir.resolve(".keys.json.8234567890123.tmp");
    PrivateFiles.write(leftover, new byte[] {2}, false);
    Path wide = dir.resolve(".keys.json.17.tmp");
    Files.write(wide, new byte[] {3});
    Files.setPosixFilePermissions(wide, PosixFilePermissions.fromString("rw-r--r--"));
    Path victim = dir.resolve("victim");
    PrivateFiles.write(victim, new byte[] {4}, false);
    Path link = dir.resolve(".keys.json.42.tmp");
    Files.createSymbolicLink(link, victim);
    Path[] others = {dir.resolve(".keys.json.12x.tmp"), dir.resolve(".keys.json..tmp"), dir.resolve(".other.json.5.tmp"),
        dir.resolve("keys.json.5.tmp"), dir.resolve(".keys.json.5.tmp.bak")};
    for (Path o : others) {
      PrivateFiles.write(o, new byte[] {5}, false);
    }
    Files.createDirectory(dir.resolve(".keys.json.99.tmp"));

    assertEquals(1, PrivateFiles.deleteTempsOf(f));
    assertFalse(Files.exists(leftover, java.nio.file.LinkOption.NOFOLLOW_LINKS));
    assertArrayEquals(new byte[] {1}, Files.readAllBytes(f));
    assertTrue(Files.exists(wide));
    assertTrue(Files.isSymbolicLink(link));
    assertArrayEquals(new byte[] {4}, Files.readAllBytes(victim));
    for (Path o : others) {
      assertTrue(Files.exists(o), o.toString());
    }
    assertTrue(Files.isDirectory(dir.resolve(".keys.json.99.tmp")));
    assertEquals(0, PrivateFiles.deleteTempsOf(dir.resolve("missing").resolve("keys.json")));
  }

  @Test
  void aDirectoryNamedLikeALeftoverIsLeftAloneAndDoesNotStopAStoreOpening() throws IOException {
    Path blobs = PrivateFiles.createDirectories(dir.resolve("blobs"));
    Path planted = Files.createDirectory(blobs.resolve(".upload-1.tmp"));
    Files.write(planted.resolve("inside"), new byte[] {1});
    Path leftover = blobs.resolve(".upload-2.tmp");
    PrivateFiles.write(leftover, new byte[] {2}, false);
    Path victim = dir.resolve("victim");
    PrivateFiles.write(victim, new byte[] {3}, false);
    Path link = Files.createSymbolicLink(blobs.resolve(".upload-3.tmp"), victim);

    FileBlobStore store = FileBlobStore.open(blobs);
    byte[] data = {7, 7, 7};
    Digest id = store.put(data);
    assertArrayEquals(data, store.get(id).orElseThrow());
    assertFalse(Files.exists(leftover, java.nio.file.LinkOption.NOFOLLOW_LINKS));
    assertFalse(Files.exists(link, java.nio.file.LinkOption.NOFOLLOW_LINKS));
    assertArrayEquals(new byte[] {3}, Files.readAllBytes(victim));
    assertArrayEquals(new byte[] {1}, Files.readAllBytes(planted.resolve("inside")));
  }
}
