package io.medledger.storage;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Supplier;
import java.util.stream.Stream;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/** The {@link BlockStore} contract, run against both implementations. */
class BlockStoreContractTest {
  @TempDir
  static Path tmp;

  private static int counter;

  static Stream<Supplier<BlockStore>> stores() {
    return Stream.of(
        InMemoryBlockStore::new,
        () -> FileBlockStore.open(tmp.resolve("s" + (counter++)),
            FileBlockStore.Options.defaults().withSegmentSize(64 * 1024).withMaxBlockSize(1 << 20)));
  }

  /** Deterministic content of block {@code i}: its index, its length, then a pattern. */
  static byte[] block(long i, int len) {
    byte[] b = new byte[len];
    long x = i * 0x9E3779B97F4A7C15L + len;
    for (int k = 0; k < len; k++) {
      x ^= x << 13;
      x ^= x >>> 7;
      x ^= x << 17;
      b[k] = (byte) x;
    }
    return b;
  }

  @ParameterizedTest
  @MethodSource("stores")
  void appendsReadsAndBounds(Supplier<BlockStore> factory) {
    try (BlockStore s = factory.get()) {
      assertEquals(0, s.size());
      assertThrows(IndexOutOfBoundsException.class, () -> s.read(0));
      int[] sizes = {0, 1, 13, 1000, 70_000, 5};
      List<byte[]> want = new ArrayList<>();
      for (int i = 0; i < sizes.length; i++) {
        byte[] b = block(i, sizes[i]);
        want.add(b.clone());
        assertEquals(i, s.append(b));
        if (b.length > 0) {
          b[0] ^= 1; // the caller reusing its array must not change the stored block
        }
      }
      assertEquals(sizes.length, s.size());
      for (int i = 0; i < sizes.length; i++) {
        byte[] got = s.read(i);
        assertArrayEquals(want.get(i), got);
        if (got.length > 0) {
          got[0] ^= 1; // a returned copy is the caller's
          assertArrayEquals(want.get(i), s.read(i));
        }
      }
      assertThrows(IndexOutOfBoundsException.class, () -> s.read(-1));
      assertThrows(IndexOutOfBoundsException.class, () -> s.read(sizes.length));
      // byte ranges: exactly the bytes asked for, and only inside the block
      for (int i = 0; i < sizes.length; i++) {
        byte[] b = want.get(i);
        int len = b.length;
        assertArrayEquals(new byte[0], s.readRange(i, len, 0));
        assertArrayEquals(java.util.Arrays.copyOfRange(b, len / 3, len - len / 4), s.readRange(i, len / 3, len - len / 4 - len / 3));
        long at = i;
        assertThrows(IndexOutOfBoundsException.class, () -> s.readRange(at, len, 1));
        assertThrows(IndexOutOfBoundsException.class, () -> s.readRange(at, -1, 1));
        assertThrows(IndexOutOfBoundsException.class, () -> s.readRange(at, 0, -1));
        assertThrows(IndexOutOfBoundsException.class, () -> s.readRange(at, 1, Integer.MAX_VALUE));
      }
      assertArrayEquals(java.util.Arrays.copyOfRange(want.get(4), 69_990, 70_000), s.readRange(4, 69_990, 10));
      assertThrows(IndexOutOfBoundsException.class, () -> s.readRange(sizes.length, 0, 0));
      assertThrows(IndexOutOfBoundsException.class, () -> s.readRange(-1, 0, 0));
      assertThrows(NullPointerException.class, () -> s.append(null));
      s.close();
      assertThrows(StoreException.class, () -> s.read(0));
      assertThrows(StoreException.class, () -> s.readRange(0, 0, 0));
      assertThrows(StoreException.class, () -> s.append(new byte[1]));
      s.close(); // idempotent
    }
  }

  @ParameterizedTest
  @MethodSource("stores")
  void concurrentReadersSeeOnlyWholeBlocks(Supplier<BlockStore> factory) throws Exception {
    int blocks = 400;
    try (BlockStore s = factory.get()) {
      AtomicReference<Throwable> error = new AtomicReference<>();
      AtomicLong reads = new AtomicLong();
      Thread writer = new Thread(() -> {
        for (int i = 0; i < blocks; i++) {
          s.append(block(i, 1 + (i * 997) % 20_000));
        }
      });
      List<Thread> readers = new ArrayList<>();
      for (int r = 0; r < 3; r++) {
        int seed = r;
        readers.add(new Thread(() -> {
          java.util.Random rnd = new java.util.Random(seed);
          try {
            while (writer.isAlive() || reads.get() < 1000) {
              long n = s.size();
              if (n == 0) {
                continue;
              }
              long i = rnd.nextBoolean() ? n - 1 : (long) rnd.nextInt((int) n);
              byte[] got = s.read(i);
              if (!java.util.Arrays.equals(block(i, 1 + (int) (i * 997) % 20_000), got)) {
                throw new AssertionError("block " + i + " read back wrong");
              }
              reads.incrementAndGet();
            }
          } catch (Throwable t) {
            error.compareAndSet(null, t);
          }
        }));
      }
      readers.forEach(Thread::start);
      writer.start();
      writer.join();
      for (Thread t : readers) {
        t.join();
      }
      if (error.get() != null) {
        throw new AssertionError("reader failed", error.get());
      }
      assertEquals(blocks, s.size());
      assertTrue(reads.get() >= 1000);
    }
  }
}
