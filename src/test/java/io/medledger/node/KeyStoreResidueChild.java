package io.medledger.node;

import io.medledger.testing.HeapResidue;
import java.nio.file.Path;
import java.util.Arrays;

/**
 * Run in a JVM of its own by {@link NodeKeysTest}: opens the key store {@code args[0]} with the
 * passphrase of the file {@code args[1]} as a node does, destroys the keys as a closing node does, writes a
 * heap dump with the unreachable objects too ({@code args[2]}) and prints {@code destroyed=true}.
 */
final class KeyStoreResidueChild {
  private KeyStoreResidueChild() {}

  public static void main(String[] args) throws Exception {
    char[] passphrase = NodeKeys.passphrase(new NodeConfig.KeySource.File(Path.of(args[1])));
    NodeKeys keys;
    try {
      keys = NodeKeys.open(Path.of(args[0]), passphrase);
    } finally {
      Arrays.fill(passphrase, '\0');
    }
    keys.destroy();
    HeapResidue.dumpHeap(args[2]);
    System.out.println("destroyed=" + keys.isDestroyed());
  }
}
