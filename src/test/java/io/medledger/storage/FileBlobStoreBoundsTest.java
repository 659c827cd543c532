package io.medledger.storage;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.medledger.crypto.Digest;
import io.medledger.crypto.Sha256;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The file blob store's bounds and refusals, each at its edge: the size limit (at it and one
 * past it, whole or piece by piece), a finished upload, a digest that does not match, a file on
 * disk larger than any accepted blob, and a directory or file that cannot be used; and that a
 * refused or dropped upload leaves no file behind and a check leaves no file open.
 */
class FileBlobStoreBoundsTest {
  @TempDir Path dir;

  private long temporaryFiles() throws IOException {
    try (Stream<Path> files = Files.walk(dir)) {
      return files.filter(p -> p.getFileName().toString().endsWith(".tmp")).count();
    }
  }

  private static byte[] bytes(int n) {
    byte[] b = new byte[n];
    for (int i = 0; i < n; i++) {
      b[i] = (byte) (i * 7 + 1);
    }
    return b;
  }

  @Test
  void theLimitIsPositiveAndBelowTheLargestArray() {
    for (long bad : new long[] {0, -1, Integer.MAX_VALUE - 7L}) {
      assertThrows(IllegalArgumentException.class, () -> FileBlobStore.open(dir, bad), Long.toString(bad));
    }
    assertEquals(1, FileBlobStore.open(dir, 1).maxBlobBytes());
    assertEquals(Integer.MAX_VALUE - 8L, FileBlobStore.open(dir, Integer.MAX_VALUE - 8L).maxBlobBytes());
    assertEquals(FileBlobStore.DEFAULT_MAX_BLOB_BYTES, FileBlobStore.open(dir).maxBlobBytes());
  }

  @Test
  void aDirectoryThatCannotBeMadeIsUnavailable() throws IOException {
    Path file = Files.write(dir.resolve("not-a-directory"), new byte[] {1});
    assertThrows(BlobUnavailableException.class, () -> FileBlobStore.open(file.resolve("blobs")));
  }

  @Test
  void aBlobOfExactlyTheLimitIsAcceptedAndOneByteMoreIsNot() throws IOException {
    FileBlobStore s = FileBlobStore.open(dir, 100);
    Digest id = s.put(bytes(100));
    assertArrayEquals(bytes(100), s.get(id).orElseThrow());
    IllegalArgumentException whole = assertThrows(IllegalArgumentException.class, () -> s.put(bytes(101)));
    assertEquals("blob of 101 bytes exceeds the limit of 100", whole.getMessage(), "refused before any file is made");
    // streamed in pieces: the piece that crosses the limit drops the upload
    try (FileBlobStore.Upload u = s.begin()) {
      u.write(bytes(60), 0, 60);
      u.write(bytes(60), 0, 40);
      assertEquals(100, u.size());
      assertThrows(IllegalArgumentException.class, () -> u.write(bytes(1), 0, 1));
      assertEquals(0, temporaryFiles(), "the dropped upload's file is gone");
      assertThrows(IllegalStateException.class, () -> u.write(bytes(1), 0, 1));
      assertThrows(IllegalStateException.class, () -> u.commit(Optional.empty()));
    }
    assertThrows(IllegalArgumentException.class, () -> s.put(new java.io.ByteArrayInputStream(bytes(101))));
    assertEquals(0, temporaryFiles());
  }

  @Test
  void anUploadCommitsOnceAndOnlyToTheDigestExpected() throws IOException {
    FileBlobStore s = FileBlobStore.open(dir);
    byte[] data = bytes(5000);
    Digest want = Sha256.hash(data);
    try (FileBlobStore.Upload u = s.begin()) {
      u.write(data, 0, 2000);
      u.write(data, 2000, 3000);
      Digest other = Sha256.hash(new byte[] {1});
      BlobCorruptedException e = assertThrows(BlobCorruptedException.class, () -> u.commit(Optional.of(other)));
      assertEquals("the bytes received hash to " + want + ", not to " + other, e.getMessage());
      assertEquals(0, temporaryFiles(), "the refused upload is dropped at once");
    }
    assertEquals(BlobState.MISSING, s.check(want), "nothing stored");
    assertEquals(0, temporaryFiles());
    FileBlobStore.Upload u = s.begin();
    u.write(data, 0, data.length);
    assertEquals(want, u.commit(Optional.of(want)));
    assertThrows(IllegalStateException.class, () -> u.commit(Optional.of(want)));
    assertThrows(IllegalStateException.class, () -> u.write(data, 0, 1));
    u.close();
    assertArrayEquals(data, s.get(want).orElseThrow(), "closing a committed upload keeps the blob");
    // an upload closed before its commit leaves nothing
    try (FileBlobStore.Upload dropped = s.begin()) {
      dropped.write(data, 0, 10);
      assertEquals(1, temporaryFiles());
    }
    assertEquals(0, temporaryFiles());
  }

  @Test
  void aFileLargerThanTheLimitIsCorruptAtOneBytePastIt() throws IOException {
    FileBlobStore big = FileBlobStore.open(dir);
    Digest at = big.put(bytes(100));
    Digest past = big.put(bytes(101));
    FileBlobStore small = FileBlobStore.open(dir, 100);
    assertArrayEquals(bytes(100), small.get(at).orElseThrow());
    BlobCorruptedException e = assertThrows(BlobCorruptedException.class, () -> small.get(past));
    assertTrue(e.getMessage().contains("larger than any accepted blob"), e.getMessage());
    assertEquals(BlobState.CORRUPT, small.check(past));
    assertEquals(BlobState.PRESENT, small.check(at));
  }

  @Test
  void readsStreamTheVerifiedBytesOrSayTheBlobIsMissing() {
    FileBlobStore s = FileBlobStore.open(dir);
    byte[] data = bytes(200_000);
    Digest id = s.put(data);
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    assertTrue(s.read(id, out));
    assertArrayEquals(data, out.toByteArray());
    try (FileBlobStore.VerifiedBlob b = s.openVerified(id).orElseThrow()) {
      assertEquals(data.length, b.size());
    }
    Digest absent = Sha256.hash(new byte[] {2});
    assertFalse(s.read(absent, new ByteArrayOutputStream()));
    assertEquals(Optional.empty(), s.get(absent));
    assertEquals(BlobState.MISSING, s.check(absent));
  }

  @Test
  void aPathThatIsNotAReadableFileIsUnavailableNotMissing() throws IOException {
    FileBlobStore s = FileBlobStore.open(dir);
    Digest id = Sha256.hash(new byte[] {3});
    Files.createDirectories(dir.resolve(id.toHex().substring(0, 2)).resolve(id.toHex()));
    assertThrows(BlobUnavailableException.class, () -> s.get(id));
    assertThrows(BlobUnavailableException.class, () -> s.check(id));
  }

  @Test
  void aPayloadThatCannotBeReadOrARootThatIsGoneIsUnavailable() throws IOException {
    FileBlobStore s = FileBlobStore.open(dir.resolve("blobs"));
    BlobUnavailableException e = assertThrows(BlobUnavailableException.class, () -> s.put(failingStream()));
    assertTrue(e.getMessage().contains("cable pulled"), e.getMessage());
    assertEquals(0, temporaryFiles());
    Files.delete(dir.resolve("blobs"));
    assertThrows(BlobUnavailableException.class, s::begin);
  }

  @Test
  void checksCommitsAndDroppedUploadsLeaveNoFileOpen() throws IOException {
    FileBlobStore s = FileBlobStore.open(dir);
    Digest id = s.put(bytes(10));
    Digest bad = s.put(bytes(11));
    Path file = dir.resolve(bad.toHex().substring(0, 2)).resolve(bad.toHex());
    Files.write(file, bytes(12));
    long before = openFiles();
    for (int i = 0; i < 100; i++) {
      assertEquals(BlobState.PRESENT, s.check(id));
      assertEquals(BlobState.CORRUPT, s.check(bad));
      FileBlobStore.Upload committed = s.begin(); // committed and never closed
      committed.write(bytes(20 + i), 0, 20 + i);
      committed.commit(Optional.empty());
      try (FileBlobStore.Upload dropped = s.begin()) {
        dropped.write(bytes(5), 0, 5);
      }
    }
    assertTrue(openFiles() < before + 50, "open files grew from " + before + " to " + openFiles());
  }

  /** A payload stream whose source fails ("cable pulled"). */
  static InputStream failingStream() {
    return new InputStream() {
      @Override
      public int read() throws IOException {
        throw new IOException("cable pulled");
      }
    };
  }

  private static long openFiles() throws IOException {
    try (Stream<Path> fds = Files.list(Path.of("/proc/self/fd"))) {
      return fds.count();
    }
  }
}
