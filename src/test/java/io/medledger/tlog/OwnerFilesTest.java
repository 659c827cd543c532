package io.medledger.tlog;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The log's atomic writes: each writer has its own temporary file, and a crash's leftovers go on opening. */
class OwnerFilesTest {
  @TempDir
  Path dir;

  /**
   * Two writers replacing one file at once each complete, and the file always holds one writer's
   * whole bytes: with one fixed temporary name they wrote into the same file and one rename found
   * it gone.
   */
  @Test
  void concurrentWritersOfOneFileNeitherFailNorMixTheirBytes() throws Exception {
    Path f = dir.resolve("latest");
    byte[] a = new byte[64 * 1024];
    Arrays.fill(a, (byte) 'a');
    byte[] b = new byte[1000];
    Arrays.fill(b, (byte) 'b');
    ExecutorService pool = Executors.newFixedThreadPool(2);
    try {
      CyclicBarrier start = new CyclicBarrier(2);
      List<Future<Void>> writers = new ArrayList<>();
      for (byte[] data : List.of(a, b)) {
        writers.add(pool.submit(() -> {
          start.await(10, TimeUnit.SECONDS);
          for (int i = 0; i < 150; i++) {
            OwnerFiles.writeAtomic(f, data);
            byte[] now = Files.readAllBytes(f);
            assertTrue(Arrays.equals(now, a) || Arrays.equals(now, b), "mixed bytes: " + now.length);
          }
          return null;
        }));
      }
      for (Future<Void> w : writers) {
        w.get(120, TimeUnit.SECONDS);
      }
    } finally {
      pool.shutdownNow();
    }
    try (Stream<Path> s = Files.list(dir)) {
      assertEquals(List.of(f), s.toList(), "temporary files left");
    }
  }

  /** A checkpoint write that a crash cut short leaves a temporary copy; opening the store removes it. */
  @Test
  void openingTheCheckpointStoreRemovesCutShortWrites() throws Exception {
    CheckpointStore.open(dir);
    Path latest = dir.resolve("." + CheckpointStore.LATEST + ".4242424242.tmp");
    Path vkeys = dir.resolve("." + CheckpointStore.VKEYS + ".17.tmp");
    Path old = dir.resolve("checkpoints").resolve(".12.987654321.tmp");
    for (Path p : List.of(latest, vkeys, old)) {
      io.medledger.internal.PrivateFiles.write(p, new byte[] {1}, false);
    }
    CheckpointStore.open(dir);
    for (Path p : List.of(latest, vkeys, old)) {
      assertFalse(Files.exists(p), p.toString());
    }
  }
}
