package io.medledger.storage;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.medledger.crypto.Digest;
import io.medledger.crypto.Sha256;
import io.medledger.testing.TestFiles;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The file blob store on a disk someone else has had a hand on: a named pipe, a symbolic link or
 * an {@code ab/} directory that links out of the store in place of what the store wrote, and
 * blobs whose permissions were widened. The store never waits on a pipe, never reads, writes or
 * deletes through a link, serves nothing of it as a good copy, and a put repairs a blob's file.
 */
class FileBlobStoreHostileDiskTest {
  @TempDir Path dir;
  @TempDir Path outside;

  private Path fileOf(Digest id) {
    return dir.resolve(id.toHex().substring(0, 2)).resolve(id.toHex());
  }

  private static byte[] bytes(int n, int seed) {
    byte[] b = new byte[n];
    for (int i = 0; i < n; i++) {
      b[i] = (byte) (i * 31 + seed);
    }
    return b;
  }

  /** A named pipe in a blob's place was opened to be hashed, which waited for a writer for ever. */
  @Test
  void aPipeInPlaceOfABlobIsACorruptCopyNotWaitedOnAndAPutReplacesIt() throws Exception {
    FileBlobStore s = FileBlobStore.open(dir);
    byte[] data = bytes(5000, 1);
    Digest id = s.put(data);
    Files.delete(fileOf(id));
    assumeTrue(TestFiles.fifo(fileOf(id)), "mkfifo");
    assertEquals(BlobState.CORRUPT, assertTimeoutPreemptively(Duration.ofSeconds(10), () -> s.check(id)));
    BlobCorruptedException e = assertThrows(BlobCorruptedException.class, () -> s.get(id));
    assertTrue(e.getMessage().contains("not a regular file"), e.getMessage());
    assertEquals(id, s.put(data), "a put repairs it");
    assertTrue(Files.isRegularFile(fileOf(id), LinkOption.NOFOLLOW_LINKS));
    assertArrayEquals(data, s.get(id).orElseThrow());
  }

  /**
   * A symbolic link in a blob's place, to a file out of the store that holds the blob's very bytes
   * (or to a device): it was followed, and served as the store's copy.
   */
  @Test
  void aSymbolicLinkInPlaceOfABlobIsNeverFollowed() throws Exception {
    FileBlobStore s = FileBlobStore.open(dir);
    byte[] data = bytes(3000, 2);
    Digest id = s.put(data);
    Path target = Files.write(outside.resolve("same-bytes"), data);
    Files.delete(fileOf(id));
    Files.createSymbolicLink(fileOf(id), target);
    assertEquals(BlobState.CORRUPT, s.check(id), "a link is no copy of the store's");
    BlobCorruptedException e = assertThrows(BlobCorruptedException.class, () -> s.read(id, new ByteArrayOutputStream()));
    assertTrue(e.getMessage().contains("symbolic link"), e.getMessage());
    assertEquals(id, s.put(data), "a put replaces the link");
    assertTrue(Files.isRegularFile(fileOf(id), LinkOption.NOFOLLOW_LINKS));
    assertTrue(s.delete(id));
    assertTrue(Files.exists(target), "what a link pointed to is never touched");
    Files.createSymbolicLink(fileOf(id), Path.of("/dev/zero"));
    assertEquals(BlobState.CORRUPT, assertTimeoutPreemptively(Duration.ofSeconds(10), () -> s.check(id)));
  }

  /** An {@code ab/} directory replaced by a link to a directory out of the store: reads, puts and deletes went through it. */
  @Test
  void aShardDirectoryThatLinksOutOfTheStoreIsNeitherReadNorWrittenNorDeletedThrough() throws Exception {
    FileBlobStore s = FileBlobStore.open(dir);
    byte[] data = bytes(2000, 3);
    Digest id = s.put(data);
    Path shard = fileOf(id).getParent();
    Path elsewhere = outside.resolve("elsewhere");
    Files.move(shard, elsewhere);
    Files.createSymbolicLink(shard, elsewhere);
    BlobUnavailableException read = assertThrows(BlobUnavailableException.class, () -> s.get(id));
    assertTrue(read.getMessage().contains("symbolic link"), read.getMessage());
    assertThrows(BlobUnavailableException.class, () -> s.check(id));
    assertThrows(BlobUnavailableException.class, () -> s.delete(id));
    assertTrue(Files.exists(elsewhere.resolve(id.toHex())), "nothing deleted out of the store");
    byte[] other = sameShard(id, 4);
    assertThrows(BlobUnavailableException.class, () -> s.put(other));
    try (var listed = Files.list(elsewhere)) {
      assertEquals(1, listed.count(), "nothing written out of the store");
    }
    try (var walk = Files.walk(dir)) {
      assertEquals(0, walk.filter(p -> p.getFileName().toString().endsWith(".tmp")).count(), "the refused put left no file");
    }
    // a plain file in the directory's place is refused the same way
    Files.delete(shard);
    Files.write(shard, new byte[] {1});
    assertThrows(BlobUnavailableException.class, () -> s.get(id));
  }

  /** Bytes other than {@code id}'s whose id lies in the same {@code ab/} directory. */
  private static byte[] sameShard(Digest id, int seed) {
    for (int i = 0; ; i++) {
      byte[] b = bytes(100 + i % 50, seed + i);
      Digest d = Sha256.hash(b);
      if (!d.equals(id) && d.toHex().startsWith(id.toHex().substring(0, 2))) {
        return b;
      }
    }
  }

  /** A blob and its directory restored or copied with the umask's permissions are made owner-only again. */
  @Test
  void aBlobOrItsDirectoryWithPermissionsForOthersIsMadeOwnerOnlyWhenRead() throws IOException {
    assumeTrue(dir.getFileSystem().supportedFileAttributeViews().contains("posix"), "POSIX permissions");
    FileBlobStore s = FileBlobStore.open(dir);
    byte[] data = bytes(1000, 5);
    Digest id = s.put(data);
    assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(fileOf(id))));
    Files.setPosixFilePermissions(fileOf(id), PosixFilePermissions.fromString("rw-r--r--"));
    Files.setPosixFilePermissions(fileOf(id).getParent(), PosixFilePermissions.fromString("rwxr-xr-x"));
    assertArrayEquals(data, s.get(id).orElseThrow());
    assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(fileOf(id))));
    assertEquals("rwx------", PosixFilePermissions.toString(Files.getPosixFilePermissions(fileOf(id).getParent())));
    assertEquals(BlobState.PRESENT, s.check(id));
  }
}
