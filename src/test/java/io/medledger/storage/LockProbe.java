package io.medledger.storage;

import java.nio.file.Path;

/** Run in a separate JVM by {@link FileBlockStoreTest}: tries to open a store and reports. */
public final class LockProbe {
  private LockProbe() {}

  public static void main(String[] args) {
    try (FileBlockStore s = FileBlockStore.open(Path.of(args[0]))) {
      System.out.println("opened " + s.size());
    } catch (StoreCorruptedException e) {
      System.out.println("corrupted");
    } catch (StoreException e) {
      System.out.println("refused: " + e.getMessage());
    }
  }
}
