package io.medledger.consensus;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.Comparator;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;

/**
 * One durable save of a 200-byte consensus safety state (a vote's lock, without a block), as a
 * node makes before each prevote and precommit.
 *
 * <ul>
 *   <li>{@code store}: {@link FileSafetyStore#save} (one record appended to the journal, then its
 *       data synced);
 *   <li>{@code appendCeiling}: the same 220 bytes appended to a plain file with one positional
 *       write and {@code force(false)}, nothing else;
 *   <li>{@code replaceByRename}: the way the store saved before 2026-12-05, its peer: a temporary
 *       file created and written, forced, renamed over the state, and the directory forced.
 * </ul>
 */
@State(Scope.Benchmark)
public class SafetyStoreBench {
  private Path dir;
  private FileSafetyStore store;
  private FileChannel plain;
  private long plainEnd;
  private final byte[] state = new byte[200];
  private final byte[] record = new byte[220];

  @Setup(Level.Trial)
  public void open() throws IOException {
    dir = Files.createTempDirectory("medledger-bench-safety");
    store = new FileSafetyStore(dir.resolve("store"));
    plain = FileChannel.open(dir.resolve("plain"), StandardOpenOption.CREATE, StandardOpenOption.WRITE);
    for (int i = 0; i < state.length; i++) {
      state[i] = (byte) i;
    }
  }

  @TearDown(Level.Trial)
  public void close() throws IOException {
    plain.close();
    try (Stream<Path> s = Files.walk(dir)) {
      for (Path p : s.sorted(Comparator.reverseOrder()).toList()) {
        Files.deleteIfExists(p);
      }
    }
  }

  @Benchmark
  @BenchmarkMode(Mode.AverageTime)
  @OutputTimeUnit(TimeUnit.MICROSECONDS)
  public void store() {
    state[0]++;
    store.save(state);
  }

  @Benchmark
  @BenchmarkMode(Mode.AverageTime)
  @OutputTimeUnit(TimeUnit.MICROSECONDS)
  public long appendCeiling() throws IOException {
    if (plainEnd > (1 << 20)) {
      plain.truncate(0);
      plainEnd = 0;
    }
    ByteBuffer b = ByteBuffer.wrap(record);
    while (b.hasRemaining()) {
      plainEnd += plain.write(b, plainEnd);
    }
    plain.force(false);
    return plainEnd;
  }

  @Benchmark
  @BenchmarkMode(Mode.AverageTime)
  @OutputTimeUnit(TimeUnit.MICROSECONDS)
  public void replaceByRename() throws IOException {
    Path file = dir.resolve("renamed");
    Path tmp = dir.resolve("renamed.tmp");
    try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
        StandardOpenOption.TRUNCATE_EXISTING)) {
      ByteBuffer b = ByteBuffer.wrap(state);
      while (b.hasRemaining()) {
        ch.write(b);
      }
      ch.force(true);
    }
    Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    try (FileChannel d = FileChannel.open(dir, StandardOpenOption.READ)) {
      d.force(true);
    }
  }
}
