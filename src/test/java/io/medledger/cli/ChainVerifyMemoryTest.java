package io.medledger.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.medledger.chain.CertificatePolicy;
import io.medledger.chain.ChainFixture;
import io.medledger.chain.Ledger;
import io.medledger.chain.LedgerReplayException;
import io.medledger.storage.FileBlockStore;
import io.medledger.storage.StoreException;
import io.medledger.testing.HeapInUse;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.io.RandomAccessFile;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code chain verify} replays a stored chain with its state in RocksDB and its ledger-wide log in
 * tiles, in an owner-only scratch directory deleted afterwards, so the heap does not grow with the
 * chain; its output lines and exit codes are those of the in-memory replay.
 */
class ChainVerifyMemoryTest {
  /** Blocks of 1,000 small records: 24,000 entries, each of which the in-memory replay kept in its state and log. */
  private static final int RECORD_BLOCKS = 24;
  private static final int RECORDS_PER_BLOCK = 1_000;
  private static final int METADATA_BYTES = 32;
  /** What the heap may hold more once the chain is replayed: the ledger's caches, never the chain. */
  private static final long HEAP_BOUND = 16L << 20;

  @TempDir
  Path dir;

  @TempDir
  Path scratch;

  record Run(int code, String out, String err) {}

  /**
   * A stored chain of 24,000 records: once it is replayed, the heap in use after a full collection
   * is less than {@link #HEAP_BOUND} above what it was before the command (5 MiB measured; the
   * in-memory state and log grew it by 41 MiB); the replay's directory in {@code --scratch} is
   * owner-only while the ledger is open and deleted afterwards.
   */
  @Test
  void aLongStoredChainIsVerifiedWithinABoundedHeap() throws IOException {
    String tip = storeChainOfLargeRecords();
    long baseline = HeapInUse.afterGc();
    long[] growth = {Long.MIN_VALUE};
    List<String> modes = new ArrayList<>();
    Run r = run(new ChainCommand(() -> {
      growth[0] = HeapInUse.afterGc() - baseline;
      try (Stream<Path> s = Files.list(scratch)) {
        for (Path p : s.toList()) {
          modes.add(p.getFileName().toString().replaceAll("-[0-9]+$", "") + " "
              + PosixFilePermissions.toString(Files.getPosixFilePermissions(p)));
        }
      } catch (IOException e) {
        throw new AssertionError(e);
      }
    }), "verify", "--store", dir.toString(), "--chain", "long", "--scratch", scratch.toString());
    assertEquals(0, r.code(), r.err());
    assertEquals("", r.err());
    assertTrue(r.out().contains("\"height\":" + (RECORD_BLOCKS + 1) + ",\"tip\":\"" + tip + "\""), r.out());
    assertEquals(List.of("medledger-verify rwx------"), modes);
    try (Stream<Path> s = Files.list(scratch)) {
      assertEquals(0, s.count(), "the scratch directory is deleted");
    }
    assertTrue(growth[0] < HEAP_BOUND, "the heap grew by " + (growth[0] >> 20) + " MiB over a chain of "
        + (storeBytes() >> 20) + " MiB (bound " + (HEAP_BOUND >> 20) + " MiB)");
  }

  /**
   * A flipped byte in a stored block gives the line the in-memory replay gives ({@code invalid
   * chain: } and the reason) and exit 1, whether the segment's checksum catches it (a damaged
   * disk) or the block was stored with a fresh checksum (a forged store, caught by the replay,
   * naming the height); the scratch directory is deleted each time.
   */
  @Test
  void aFlippedByteInAStoredBlockGivesTheSameLineAndExitCode() throws IOException {
    ChainFixture f = ChainFixture.builder().chainName("flip").federationServers(4).auditServers(4).build();
    for (int i = 0; i < 3; i++) {
      f.commit(f.registerPatient(f.actor("patient-" + i)));
    }
    Path forged = dir.resolve("forged");
    try (FileBlockStore s = FileBlockStore.open(forged)) {
      for (long h = 0; h <= f.ledger.height(); h++) {
        byte[] b = f.ledger.encodedCertifiedBlock(h, Integer.MAX_VALUE).orElseThrow();
        if (h == 2) {
          b[b.length * 3 / 4] ^= 0x10;
        }
        s.append(b);
      }
    }
    Path damaged = dir.resolve("damaged");
    try (FileBlockStore s = FileBlockStore.open(damaged)) {
      for (long h = 0; h <= f.ledger.height(); h++) {
        s.append(f.ledger.encodedCertifiedBlock(h, Integer.MAX_VALUE).orElseThrow());
      }
    }
    Path segment;
    try (Stream<Path> s = Files.list(damaged)) {
      segment = s.filter(p -> p.toString().endsWith(".seg")).sorted().reduce((a, b) -> b).orElseThrow();
    }
    try (RandomAccessFile raf = new RandomAccessFile(segment.toFile(), "rw")) {
      long at = raf.length() * 3 / 4;
      raf.seek(at);
      int x = raf.read();
      raf.seek(at);
      raf.write(x ^ 0x10);
    }
    for (Path store : List.of(forged, damaged)) {
      String expected = inMemoryReplayFailure(f, store);
      Run r = run(new ChainCommand(), "verify", "--store", store.toString(), "--chain", "flip",
          "--scratch", scratch.toString());
      assertEquals(1, r.code(), r.out());
      assertEquals(expected + System.lineSeparator(), r.err());
      assertEquals("", r.out());
      try (Stream<Path> s = Files.list(scratch)) {
        assertEquals(0, s.count(), "the scratch directory is deleted after a failed replay too");
      }
    }
    assertTrue(inMemoryReplayFailure(f, forged).startsWith("invalid chain: stored block at height 2"),
        inMemoryReplayFailure(f, forged));
    ChainCommandTest.Run missing = ChainCommandTest.run("chain", "verify", "--store", forged.toString(),
        "--chain", "flip", "--scratch", scratch.resolve("none").toString());
    assertEquals(2, missing.code());
    assertTrue(missing.err().startsWith("medledger: no scratch directory "), missing.err());
  }

  /** The line the former in-memory replay (state and log in memory) printed for {@code store}. */
  private static String inMemoryReplayFailure(ChainFixture f, Path store) {
    try {
      Ledger.builder(f.params).store(FileBlockStore.openReadOnly(store)).certificatePolicy(CertificatePolicy.auditQuorum())
          .replay(Ledger.ReplayMode.FULL).open().close();
    } catch (LedgerReplayException | StoreException e) {
      return "invalid chain: " + e.getMessage();
    }
    throw new AssertionError("the damaged store " + store + " replayed in memory");
  }

  /** Genesis, a registration and {@link #RECORD_BLOCKS} blocks of large records in {@link #dir}; the tip hash. */
  private String storeChainOfLargeRecords() {
    ChainFixture f = ChainFixture.builder().chainName("long").federationServers(4).auditServers(4)
        .store(FileBlockStore.open(dir)).build();
    ChainFixture.Actor patient = f.actor("patient");
    f.commit(f.registerPatient(patient));
    SplittableRandom random = new SplittableRandom(11);
    for (int b = 0; b < RECORD_BLOCKS; b++) {
      f.commit(f.largeRecords(patient, random, b, RECORDS_PER_BLOCK, METADATA_BYTES));
    }
    String tip = f.ledger.tip().orElseThrow().hash().toHex();
    f.ledger.close();
    return tip;
  }

  private long storeBytes() throws IOException {
    try (Stream<Path> s = Files.list(dir)) {
      return s.mapToLong(p -> p.toFile().length()).sum();
    }
  }

  private static Run run(ChainCommand c, String... args) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    int code;
    try {
      code = c.run(args, new ByteArrayInputStream(new byte[0]), new PrintStream(out, true, StandardCharsets.UTF_8),
          new PrintStream(err, true, StandardCharsets.UTF_8));
    } catch (Exception e) {
      throw new AssertionError(e);
    }
    return new Run(code, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
  }
}
