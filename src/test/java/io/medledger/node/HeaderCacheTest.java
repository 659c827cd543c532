package io.medledger.node;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.medledger.chain.BlockHeader;
import io.medledger.chain.ChainFixture;
import io.medledger.chain.Ledger;
import io.medledger.crypto.Digest;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The pinned client's header cache: what it loads is exactly the chain of headers from the pin
 * down, whatever is done to the file (every byte flipped, every truncation, another history's
 * headers under the pin's name, wider permissions, a link, a file over the bound), and a directory
 * others may write is refused.
 */
class HeaderCacheTest {
  @TempDir
  Path dir;

  /** A chain of {@code height} blocks after genesis, block i registering patient {@code who + i}. */
  private static ChainFixture chain(String name, int height, String who) {
    ChainFixture f = ChainFixture.builder().chainName(name).federationServers(4).build();
    for (int i = 0; i < height; i++) {
      Ledger l = f.ledger;
      var vb = l.propose(io.medledger.access.ParticipantId.of(l.membership().federationKeys().get(0)), 0,
          io.medledger.codec.ByteString.EMPTY, f.now(), List.of(f.registerPatient(f.actor(who + i)))).value().block();
      assertTrue(l.append(vb, f.certify(vb.header())).isAccepted());
      f.clock.advance(Duration.ofSeconds(1));
    }
    return f;
  }

  private static ChainFixture chain(String name, int height) {
    return chain(name, height, "p-");
  }

  /** Writes {@code f}'s headers from {@code top} down as the cache file of that pin, and returns the file. */
  private static Path written(HeaderCache cache, ChainFixture f, long top) {
    write(cache, f, top, down(f, top));
    return cache.fileOf(top, f.ledger.header(top).hash());
  }

  private static Digest chainId(ChainFixture f) {
    return f.ledger.header(0).chainId();
  }

  /** Writes the headers {@code headers} (top first) as the cache file of {@code f}'s block {@code top}. */
  private static void write(HeaderCache cache, ChainFixture f, long top, List<BlockHeader> headers) {
    try (HeaderCache.Writer w = cache.writer(chainId(f), top, f.ledger.header(top).hash())) {
      headers.forEach(w::add);
      w.commit();
    }
  }

  private static List<BlockHeader> down(ChainFixture f, long top) {
    return java.util.stream.LongStream.iterate(top, h -> h >= 1, h -> h - 1).mapToObj(f.ledger::header).toList();
  }

  private static Optional<HeaderCache.ReadBack> load(HeaderCache cache, ChainFixture f, long top) {
    return cache.load(chainId(f), top, f.ledger.header(top).hash());
  }

  @Test
  void aWrittenReadBackLoadsAsTheChainsHashes() throws Exception {
    ChainFixture f = chain("cache-test", 7);
    HeaderCache cache = HeaderCache.open(dir.resolve("a/cache"), HeaderCache.MAX_FILE_BYTES);
    assertEquals("rwx------", PosixFilePermissions.toString(Files.getPosixFilePermissions(cache.directory())));
    assertEquals(Optional.empty(), load(cache, f, 7), "nothing written yet");
    write(cache, f, 7, down(f, 7));
    Path file = cache.fileOf(7, f.ledger.header(7).hash());
    assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(file)));
    HeaderCache.ReadBack r = load(cache, f, 7).orElseThrow();
    for (long h = 1; h <= 7; h++) {
      assertEquals(f.ledger.header(h).hash(), Digest.of(r.hashes(), (int) (h - 1) * Digest.LENGTH));
    }
    assertEquals(7 * Digest.LENGTH, r.hashes().length);
    assertEquals(f.ledger.header(0).hash(), r.genesis());
    assertEquals(Optional.empty(), cache.load(chainId(chain("another-chain", 1)), 7, f.ledger.header(7).hash()),
        "the file names its chain");
    try (var s = Files.list(cache.directory())) {
      assertEquals(List.of(file), s.toList(), "no temporary file is left");
    }
  }

  @Test
  void everyFlippedByteAndEveryTruncationIsRefused() throws Exception {
    ChainFixture f = chain("cache-test", 4);
    HeaderCache cache = HeaderCache.open(dir, HeaderCache.MAX_FILE_BYTES);
    Path file = written(cache, f, 4);
    byte[] good = Files.readAllBytes(file);
    for (int i = 0; i < good.length; i++) {
      byte[] bad = good.clone();
      bad[i] ^= (byte) (1 << (i % 8));
      Files.write(file, bad);
      assertEquals(Optional.empty(), load(cache, f, 4), "byte " + i + " flipped");
    }
    for (int n = 0; n < good.length; n++) {
      Files.write(file, java.util.Arrays.copyOf(good, n));
      assertEquals(Optional.empty(), load(cache, f, 4), "cut to " + n + " bytes");
    }
    byte[] longer = java.util.Arrays.copyOf(good, good.length + 1);
    Files.write(file, longer);
    assertEquals(Optional.empty(), load(cache, f, 4), "a byte after header 1");
    Files.write(file, good);
    assertTrue(load(cache, f, 4).isPresent(), "control: the file as written loads");
  }

  @Test
  void anotherHistorysHeadersUnderThePinsNameAreRefused() throws Exception {
    ChainFixture f = chain("cache-test", 4);
    ChainFixture other = chain("cache-test", 4, "m-");
    assertEquals(chainId(f), chainId(other), "control: the same chain id");
    assertFalse(f.ledger.header(2).equals(other.ledger.header(2)), "control: another block 2");
    HeaderCache cache = HeaderCache.open(dir, HeaderCache.MAX_FILE_BYTES);
    // the pinned header and the one below it are the chain's, then the other history's
    write(cache, f, 4, List.of(f.ledger.header(4), f.ledger.header(3), other.ledger.header(2), other.ledger.header(1)));
    assertTrue(Files.exists(cache.fileOf(4, f.ledger.header(4).hash())), "control: the forged file is in place");
    assertEquals(Optional.empty(), load(cache, f, 4));
    // the other history's whole chain, under the pin's name
    write(cache, f, 4, down(other, 4));
    assertEquals(Optional.empty(), load(cache, f, 4));
  }

  @Test
  void aFileNotOwnerOnlyALinkOrOverTheBoundIsRefused() throws Exception {
    ChainFixture f = chain("cache-test", 3);
    HeaderCache cache = HeaderCache.open(dir, HeaderCache.MAX_FILE_BYTES);
    Path file = written(cache, f, 3);
    long size = Files.size(file);
    Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-r--r--"));
    assertEquals(Optional.empty(), load(cache, f, 3), "readable by others: anyone could have put it there");
    Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-------"));
    assertTrue(load(cache, f, 3).isPresent(), "control");
    Path elsewhere = Files.move(file, dir.resolve("elsewhere"));
    Files.createSymbolicLink(file, elsewhere);
    assertEquals(Optional.empty(), load(cache, f, 3), "a link is not followed");
    Files.delete(file);
    Files.move(elsewhere, file);
    assertTrue(HeaderCache.open(dir, size).load(chainId(f), 3, f.ledger.header(3).hash()).isPresent(), "control");
    assertEquals(Optional.empty(), HeaderCache.open(dir, size - 1).load(chainId(f), 3, f.ledger.header(3).hash()),
        "one byte over the bound");
    Files.delete(file);
    write(HeaderCache.open(dir, size - 1), f, 3, down(f, 3));
    assertFalse(Files.exists(file), "a writer over the bound writes nothing");
    try (var s = Files.list(dir)) {
      assertEquals(0, s.count(), "not even a temporary file");
    }
    write(cache, f, 3, down(f, 3).subList(0, 2));
    assertFalse(Files.exists(file), "nor a writer missing headers");
  }

  @Test
  void aDirectoryOthersMayWriteIsRefused() throws Exception {
    Path d = Files.createDirectory(dir.resolve("shared"));
    Files.setPosixFilePermissions(d, PosixFilePermissions.fromString("rwxrwxr-x"));
    NodeException e = assertThrows(NodeException.class, () -> HeaderCache.open(d, HeaderCache.MAX_FILE_BYTES));
    assertEquals(NodeException.Reason.CONFIG, e.reason());
    assertTrue(e.getMessage().contains("writable by group or others"), e.getMessage());
    Files.setPosixFilePermissions(d, PosixFilePermissions.fromString("rwx------"));
    HeaderCache.open(d, HeaderCache.MAX_FILE_BYTES);
    Path file = Files.writeString(dir.resolve("a-file"), "x");
    assertEquals(NodeException.Reason.CONFIG, assertThrows(NodeException.class,
        () -> HeaderCache.open(file, HeaderCache.MAX_FILE_BYTES)).reason());
  }

  @Test
  void theHashesLoadedAreOnlyThoseOfThePinnedChain() throws Exception {
    ChainFixture f = chain("cache-test", 5);
    HeaderCache cache = HeaderCache.open(dir, HeaderCache.MAX_FILE_BYTES);
    write(cache, f, 5, down(f, 5));
    byte[] expected = new byte[5 * Digest.LENGTH];
    for (long h = 1; h <= 5; h++) {
      f.ledger.header(h).hash().copyTo(expected, (int) (h - 1) * Digest.LENGTH);
    }
    assertArrayEquals(expected, load(cache, f, 5).orElseThrow().hashes());
    assertEquals(Optional.empty(), load(cache, f, 4), "another pin has its own file");
  }
}
