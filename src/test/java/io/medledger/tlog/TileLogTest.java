package io.medledger.tlog;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.medledger.codec.Hex;
import io.medledger.crypto.Digest;
import io.medledger.merkle.MerkleLog;
import io.medledger.merkle.Rfc9162;
import io.medledger.storage.StoreCorruptedException;
import io.medledger.storage.StoreException;
import io.medledger.testing.SharedVectors;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.util.Random;
import java.util.Set;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class TileLogTest {
  @TempDir Path tmp;

  private static Digest leaf(long i) {
    return Rfc9162.leafHash(ByteBuffer.allocate(8).putLong(i).array());
  }

  /** Roots and proofs equal the in-memory log's for every size around tile boundaries. */
  @Test
  void matchesMerkleLogAcrossTileBoundaries() {
    MerkleLog oracle = new MerkleLog();
    Random r = new Random(14);
    try (TileLog t = TileLog.open(tmp.resolve("log"), 4)) {
      int n = 256 * 256 + 300;
      for (long i = 0; i < n; i++) {
        oracle.appendLeafHash(leaf(i));
        t.appendLeafHash(leaf(i));
        long s = i + 1;
        boolean interesting = s < 300 || s % 256 <= 1 || s % 256 == 255 || s % 4099 == 0 || s == n;
        if (interesting) {
          assertEquals(oracle.root(s), t.root(s), "root at " + s);
          long idx = r.nextLong(s);
          assertEquals(oracle.inclusionProof(idx, s), t.inclusionProof(idx, s), "inclusion " + idx + " in " + s);
          long s1 = 1 + r.nextLong(s);
          assertEquals(oracle.consistencyProof(s1, s), t.consistencyProof(s1, s), "consistency " + s1 + " " + s);
        }
      }
      assertEquals(n, t.size());
      // Proofs at random older sizes, and leaf hashes from full tiles.
      for (int k = 0; k < 200; k++) {
        long s2 = 1 + r.nextLong(n);
        long s1 = 1 + r.nextLong(s2);
        assertEquals(oracle.consistencyProof(s1, s2), t.consistencyProof(s1, s2));
        assertEquals(oracle.inclusionProof(s1 - 1, s2), t.inclusionProof(s1 - 1, s2));
        assertEquals(oracle.leafHash(s1 - 1), t.leafHash(s1 - 1));
      }
    }
  }

  @Test
  void reopensAtTheCommittedSizeAndDropsUncommittedLeaves() {
    Path d = tmp.resolve("log");
    MerkleLog oracle = new MerkleLog();
    try (TileLog t = TileLog.open(d)) {
      for (long i = 0; i < 70_000; i++) {
        t.appendLeafHash(leaf(i));
        oracle.appendLeafHash(leaf(i));
        if (i == 1000 || i == 65_535) {
          t.commit();
        }
      }
      t.commit();
      for (long i = 70_000; i < 70_100; i++) {
        t.appendLeafHash(leaf(i)); // never committed
      }
    }
    try (TileLog t = TileLog.open(d)) {
      assertEquals(70_000, t.size());
      assertEquals(oracle.root(), t.root());
      assertEquals(oracle.root(12_345), t.root(12_345));
      // The layout of the example in tlog-tiles: 273 full level-0 tiles, partial of width 112, etc.
      assertTrue(Files.isRegularFile(d.resolve("tile/0/272")));
      assertTrue(Files.isRegularFile(d.resolve("tile/0/273.p/112")));
      assertTrue(Files.isRegularFile(d.resolve("tile/1/000")));
      assertTrue(Files.isRegularFile(d.resolve("tile/1/001.p/17")));
      assertTrue(Files.isRegularFile(d.resolve("tile/2/000.p/1")));
      assertFalse(Files.exists(d.resolve("tile/0/003.p/233")), "stale partial tiles are deleted");
      for (long i = 70_000; i < 70_500; i++) {
        t.appendLeafHash(leaf(i));
        oracle.appendLeafHash(leaf(i));
      }
      t.commit();
      assertEquals(oracle.root(), t.root());
    }
    try (TileLog t = TileLog.open(d)) {
      assertEquals(oracle.root(), t.root());
    }
  }

  @Test
  void filesAreOwnerOnly() throws IOException {
    Path d = tmp.resolve("log");
    try (TileLog t = TileLog.open(d)) {
      for (long i = 0; i < 600; i++) {
        t.appendLeafHash(leaf(i));
      }
      t.commit();
    }
    try (Stream<Path> all = Files.walk(d)) {
      for (Path p : (Iterable<Path>) all::iterator) {
        Set<PosixFilePermission> perms = Files.getPosixFilePermissions(p);
        Set<PosixFilePermission> allowed = Files.isDirectory(p)
            ? Set.of(PosixFilePermission.OWNER_READ, PosixFilePermission.OWNER_WRITE, PosixFilePermission.OWNER_EXECUTE)
            : Set.of(PosixFilePermission.OWNER_READ, PosixFilePermission.OWNER_WRITE);
        assertTrue(allowed.containsAll(perms), p + " has " + perms);
      }
    }
  }

  @Test
  void detectsDamagedTilesOnOpenAndRead() throws IOException {
    Path d = tmp.resolve("log");
    try (TileLog t = TileLog.open(d)) {
      for (long i = 0; i < 1000; i++) {
        t.appendLeafHash(leaf(i));
      }
      t.commit();
    }
    Path partial = d.resolve("tile/0/003.p/232");
    byte[] b = Files.readAllBytes(partial);
    b[5] ^= 1;
    Files.write(partial, b);
    assertThrows(StoreException.class, () -> TileLog.open(d));
    b[5] ^= 1;
    Files.write(partial, b);
    // A damaged full tile is caught when read, against its hash in the level above.
    Path full = d.resolve("tile/0/001");
    byte[] f = Files.readAllBytes(full);
    f[100] ^= 1;
    Files.write(full, f);
    try (TileLog t = TileLog.open(d)) {
      assertEquals(leaf(10), t.leafHash(10));
      assertThrows(StoreCorruptedException.class, () -> t.leafHash(300));
      assertThrows(StoreCorruptedException.class, () -> t.inclusionProof(260, 1000));
    }
    Files.write(full, java.util.Arrays.copyOf(f, 100));
    try (TileLog t = TileLog.open(d)) {
      assertThrows(StoreCorruptedException.class, () -> t.leafHash(300));
    }
  }

  @Test
  void secondOpenIsRefused() {
    Path d = tmp.resolve("log");
    try (TileLog t = TileLog.open(d)) {
      assertThrows(StoreException.class, () -> TileLog.open(d));
    }
  }

  @Test
  void servesTilesForOlderTreeSizes() {
    try (TileLog t = TileLog.open(tmp.resolve("log"))) {
      MerkleLog oracle = new MerkleLog();
      for (long i = 0; i < 600; i++) {
        t.appendLeafHash(leaf(i));
        oracle.appendLeafHash(leaf(i));
      }
      byte[] p = t.tile(TilePath.hashes(0, 1, 44), 300);
      assertEquals(44 * 32, p.length);
      for (int i = 0; i < 44; i++) {
        assertEquals(oracle.leafHash(256 + i), Digest.of(p, i * 32));
      }
      byte[] l1 = t.tile(TilePath.hashes(1, 0, 2), 600);
      assertEquals(oracle.root(256), Digest.of(l1, 0));
      assertThrows(IllegalArgumentException.class, () -> t.tile(TilePath.hashes(0, 1, 45), 300));
      assertThrows(IllegalArgumentException.class, () -> t.tile(TilePath.hashes(0, 3, 1), 600));
    }
  }

  /** The RFC 6962 / 9162 test vectors of transparency-dev, through the tile log. */
  @Test
  void rfcVectors() {
    JsonNode rfc = SharedVectors.json("vectors/merkle/rfc6962.json");
    try (TileLog t = TileLog.open(tmp.resolve("log"))) {
      rfc.get("leaves").forEach(n -> t.appendLeafHash(Rfc9162.leafHash(Hex.decode(n.asText()))));
      rfc.get("roots_by_size").fields().forEachRemaining(e ->
          assertEquals(Digest.fromHex(e.getValue().asText()), t.root(Long.parseLong(e.getKey()))));
      int checked = 0;
      for (JsonNode p : rfc.get("inclusion_proofs")) {
        long size = p.get("tree_size").asLong();
        long index = p.get("leaf_index").asLong();
        if (!p.get("valid").asBoolean() || size < 1 || size > t.size() || index < 0 || index >= size) {
          continue;
        }
        java.util.List<Digest> want = new java.util.ArrayList<>();
        p.get("path").forEach(x -> want.add(Digest.fromHex(x.asText())));
        assertEquals(want, t.inclusionProof(index, size).path());
        checked++;
      }
      for (JsonNode p : rfc.get("consistency_proofs")) {
        java.util.List<Digest> want = new java.util.ArrayList<>();
        p.get("path").forEach(x -> want.add(Digest.fromHex(x.asText())));
        assertEquals(want, t.consistencyProof(p.get("size1").asLong(), p.get("size2").asLong()).path());
        checked++;
      }
      assertTrue(checked > 5);
    }
  }

  /**
   * A tile path is the path of a client's HTTP request: one that is not canonical threw
   * {@code IllegalArgumentException}, outside the module's exception hierarchy. 4,000 hostile
   * variants of canonical paths are accepted or refused only as malformed.
   */
  @Test
  void hostileTilePathsAreRefusedOnlyAsMalformed() {
    io.medledger.testing.HostileText.check("tile path", 23, java.util.List.of("tile/0/x001/x234/067",
        "tile/entries/x001/x234/067.p/8", "tile/63/999.p/255", "tile/1/x999/000", "tile/entries/000"), TilePath::parse);
  }

  @Test
  void tilePathsAreCanonical() {
    assertEquals("tile/0/x001/x234/067", TilePath.hashes(0, 1234067, 256).toString());
    assertEquals("tile/entries/x001/x234/067.p/8", TilePath.entries(1234067, 8).toString());
    assertEquals("tile/3/000", TilePath.hashes(3, 0, 256).toString());
    for (String s : new String[] {"tile/0/x001/x234/067", "tile/entries/x001/x234/067.p/8", "tile/63/999.p/255",
        "tile/1/x999/000"}) {
      assertEquals(s, TilePath.parse(s).toString());
    }
    for (String s : new String[] {"tile/0/1234", "tile/0/x000/001", "tile/00/000", "tile/64/000", "tile/0/000.p/0",
        "tile/0/000.p/256", "tile/0/000.p/07", "tile/0/001/002", "tile/0/x01/002", "tile/0/", "tile/x/000",
        "tile/0/000.p/", "tiles/0/000", "tile/0/abc", "tile/0/x001/x002/x003/x004/x005/x006/007"}) {
      assertThrows(io.medledger.codec.MalformedEncodingException.class, () -> TilePath.parse(s), s);
    }
    assertEquals(TilePath.hashes(1, 1, 17), TilePath.inTree(1, 1, 70_000));
    assertEquals(TilePath.hashes(2, 0, 1), TilePath.inTree(2, 0, 70_000));
    assertEquals(274, TilePath.tileCount(70_000, 0));
    assertArrayEquals(new byte[0], new byte[0]);
  }
}
