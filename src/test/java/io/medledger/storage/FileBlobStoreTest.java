package io.medledger.storage;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.medledger.crypto.Digest;
import io.medledger.crypto.Sha256;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class FileBlobStoreTest {
  @TempDir Path dir;

  @Test
  void putGetDeleteAndNoTemporaryFilesLeft() throws Exception {
    FileBlobStore s = FileBlobStore.open(dir);
    byte[] data = "{\"resourceType\":\"Observation\"}".getBytes(java.nio.charset.StandardCharsets.UTF_8);
    Digest id = s.put(data);
    assertEquals(Sha256.hash(data), id);
    assertEquals(id, s.put(data));
    assertArrayEquals(data, s.get(id).orElseThrow());
    assertArrayEquals(data, FileBlobStore.open(dir).get(id).orElseThrow(), "durable across reopen");
    try (Stream<Path> files = Files.walk(dir)) {
      assertEquals(0, files.filter(p -> p.getFileName().toString().endsWith(".tmp")).count());
    }
    assertTrue(s.delete(id));
    assertFalse(s.delete(id));
    assertTrue(s.get(id).isEmpty());
  }

  /** What uploads cut short by a crash left behind is deleted when the store is opened again; blobs stay. */
  @Test
  void interruptedUploadsAreClearedOnOpen() throws Exception {
    FileBlobStore s = FileBlobStore.open(dir);
    Digest id = s.put(new byte[] {1, 2, 3});
    FileBlobStore.Upload cut = s.begin();
    cut.write(new byte[4096], 0, 4096); // the process dies here: no commit, no close
    Path other = Files.writeString(dir.resolve(".upload-123.tmp"), "left by an earlier crash");
    Path unrelated = Files.writeString(dir.resolve("notes.txt"), "not the store's");
    try (Stream<Path> files = Files.list(dir)) {
      assertEquals(2, files.filter(p -> p.getFileName().toString().startsWith(".upload-")).count());
    }
    FileBlobStore again = FileBlobStore.open(dir);
    try (Stream<Path> files = Files.list(dir)) {
      assertEquals(0, files.filter(p -> p.getFileName().toString().startsWith(".upload-")).count());
    }
    assertFalse(Files.exists(other));
    assertTrue(Files.exists(unrelated), "only the store's temporary files are deleted");
    assertArrayEquals(new byte[] {1, 2, 3}, again.get(id).orElseThrow());
  }

  @Test
  void corruptionOnDiskIsDetectedNeverReturned() throws Exception {
    FileBlobStore s = FileBlobStore.open(dir);
    byte[] data = new byte[1000];
    data[5] = 5;
    Digest id = s.put(data);
    Path file = dir.resolve(id.toHex().substring(0, 2)).resolve(id.toHex());
    byte[] onDisk = Files.readAllBytes(file);
    onDisk[500] ^= 1;
    Files.write(file, onDisk);
    assertThrows(BlobCorruptedException.class, () -> s.get(id));
    Files.write(file, new byte[10]);
    assertThrows(BlobCorruptedException.class, () -> s.get(id));
  }

  @Test
  void oversizeBlobsAreRefused() {
    FileBlobStore s = FileBlobStore.open(dir, 16);
    assertThrows(IllegalArgumentException.class, () -> s.put(new byte[17]));
  }
}
