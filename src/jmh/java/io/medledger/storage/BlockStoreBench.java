package io.medledger.storage;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Comparator;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.infra.Blackhole;

/**
 * The file block store beside its ceilings.
 *
 * <ul>
 *   <li>{@code append}: {@link FileBlockStore#append} (frame, write, fsync) of a 200,000-byte
 *       block (about 1,000 entries of 200 bytes) and of a 512-byte block, against
 *       {@code rawWriteForce}: {@code FileChannel.write} + {@code force} of the same number of
 *       bytes (block + 13 bytes of framing) to a plain file.
 *   <li>{@code reopen}: {@link FileBlockStore#open} + close of a store of 1,000 blocks of
 *       200,000 bytes (1 million 200-byte entries, 200 MB), in 256 MiB segments (the default: one
 *       segment, verified completely) and in 16 MiB segments (headers only except the last),
 *       against {@code rawReadAll}: reading every byte of the same files once.
 * </ul>
 */
public class BlockStoreBench {
  static byte[] randomBytes(int n, long seed) {
    byte[] b = new byte[n];
    new Random(seed).nextBytes(b);
    return b;
  }

  public static void deleteTree(Path dir) throws IOException {
    if (dir == null || !Files.exists(dir)) {
      return;
    }
    try (Stream<Path> s = Files.walk(dir)) {
      for (Path p : s.sorted(Comparator.reverseOrder()).toList()) {
        Files.delete(p);
      }
    }
  }

  /** A fresh store and a plain file per trial. */
  @State(Scope.Benchmark)
  public static class AppendState {
    @Param({"200000", "512"})
    public int blockSize;

    Path dir;
    FileBlockStore store;
    FileChannel raw;
    byte[] block;
    ByteBuffer rawFrame;

    @Setup(Level.Trial)
    public void setUp() throws IOException {
      dir = Files.createTempDirectory("medledger-bench-append");
      store = FileBlockStore.open(dir.resolve("store"));
      raw = FileChannel.open(dir.resolve("raw.bin"), StandardOpenOption.CREATE, StandardOpenOption.WRITE,
          StandardOpenOption.APPEND);
      block = randomBytes(blockSize, 1);
      rawFrame = ByteBuffer.wrap(randomBytes(blockSize + 13, 2));
    }

    @TearDown(Level.Trial)
    public void tearDown() throws IOException {
      store.close();
      raw.close();
      deleteTree(dir);
    }
  }

  @Benchmark
  @BenchmarkMode(Mode.Throughput)
  @OutputTimeUnit(TimeUnit.SECONDS)
  public long append(AppendState s) {
    return s.store.append(s.block);
  }

  @Benchmark
  @BenchmarkMode(Mode.Throughput)
  @OutputTimeUnit(TimeUnit.SECONDS)
  public long rawWriteForce(AppendState s) throws IOException {
    ByteBuffer b = s.rawFrame;
    b.clear();
    long n = 0;
    while (b.hasRemaining()) {
      n += s.raw.write(b);
    }
    s.raw.force(false);
    return n;
  }

  /** A store of 1,000 blocks of 200,000 bytes, built once per trial. */
  @State(Scope.Benchmark)
  public static class ReopenState {
    @Param({"256", "16"})
    public int segmentMiB;

    Path dir;
    FileBlockStore.Options options;
    byte[] buffer = new byte[1 << 20];

    @Setup(Level.Trial)
    public void setUp() throws IOException {
      dir = Files.createTempDirectory("medledger-bench-reopen");
      options = FileBlockStore.Options.defaults().withSegmentSize((long) segmentMiB << 20);
      try (FileBlockStore s = FileBlockStore.open(dir, options)) {
        for (int i = 0; i < 1000; i++) {
          s.append(randomBytes(200_000, i));
        }
      }
    }

    @TearDown(Level.Trial)
    public void tearDown() throws IOException {
      deleteTree(dir);
    }
  }

  @Benchmark
  @BenchmarkMode(Mode.AverageTime)
  @OutputTimeUnit(TimeUnit.MILLISECONDS)
  public long reopen(ReopenState s) {
    try (FileBlockStore store = FileBlockStore.open(s.dir, s.options)) {
      return store.size();
    }
  }

  @Benchmark
  @BenchmarkMode(Mode.AverageTime)
  @OutputTimeUnit(TimeUnit.MILLISECONDS)
  public void rawReadAll(ReopenState s, Blackhole bh) throws IOException {
    try (Stream<Path> files = Files.list(s.dir)) {
      for (Path p : files.filter(f -> f.toString().endsWith(".seg")).sorted().toList()) {
        try (FileChannel ch = FileChannel.open(p, StandardOpenOption.READ)) {
          ByteBuffer b = ByteBuffer.wrap(s.buffer);
          long pos = 0;
          int r;
          while ((r = ch.read(b.clear(), pos)) > 0) {
            pos += r;
          }
          bh.consume(pos);
        }
      }
    }
  }
}
