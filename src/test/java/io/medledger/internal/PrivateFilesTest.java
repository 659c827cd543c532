package io.medledger.internal;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

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
}
