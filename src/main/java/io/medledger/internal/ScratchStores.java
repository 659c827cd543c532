package io.medledger.internal;

import io.medledger.storage.InMemoryStateStore;
import io.medledger.storage.StateStore;
import io.medledger.storage.StoreException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Comparator;
import java.util.Objects;
import java.util.stream.Stream;

/**
 * The scratch directory a chain is verified in, shared by the auditor's replay and
 * {@code medledger chain verify}: a fresh owner-only directory, the state store in it, and its
 * deletion afterwards. Stateless; its methods are thread-safe.
 */
public final class ScratchStores {
  private static final System.Logger LOG = System.getLogger(ScratchStores.class.getName());

  private ScratchStores() {}

  /**
   * Creates a new directory, owner-only where the file system has POSIX permissions, inside
   * {@code parent}, named {@code medledger-verify-} and a random suffix.
   *
   * @throws StoreException if it cannot be created
   */
  public static Path create(Path parent) {
    Objects.requireNonNull(parent, "parent");
    try {
      return parent.getFileSystem().supportedFileAttributeViews().contains("posix")
          ? Files.createTempDirectory(parent, "medledger-verify-",
              PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")))
          : Files.createTempDirectory(parent, "medledger-verify-");
    } catch (IOException | UnsupportedOperationException e) {
      throw new StoreException("cannot create a directory to verify the chain in " + parent + ": " + e.getMessage(), e);
    }
  }

  /**
   * RocksDB in {@code dir}, or the state in memory (with a warning logged) when RocksDB is not on
   * the class path.
   *
   * @throws StoreException if RocksDB cannot open {@code dir}
   */
  public static StateStore stateStore(Path dir) {
    try {
      return StateStore.rocksDb(dir);
    } catch (StoreException e) {
      if (e.getCause() instanceof NoClassDefFoundError) {
        LOG.log(System.Logger.Level.WARNING, "RocksDB is not on the class path: the chain's state is verified in memory");
        return new InMemoryStateStore();
      }
      throw e;
    }
  }

  /**
   * Deletes {@code dir} and what it holds (links are deleted, not followed); a failure is added
   * to {@code failure} as suppressed, or logged when {@code failure} is null.
   */
  public static void delete(Path dir, RuntimeException failure) {
    try (Stream<Path> tree = Files.walk(dir)) {
      // deepest first, so that each directory is empty when deleted
      for (Path p : tree.sorted(Comparator.reverseOrder()).toList()) {
        Files.delete(p);
      }
    } catch (IOException | java.io.UncheckedIOException e) {
      if (failure != null) {
        failure.addSuppressed(e);
      } else {
        LOG.log(System.Logger.Level.WARNING, "cannot delete the verification directory " + dir + ": " + e.getMessage());
      }
    }
  }
}
