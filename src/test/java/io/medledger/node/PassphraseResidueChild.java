package io.medledger.node;

import io.medledger.testing.HeapResidue;
import java.nio.file.Path;
import java.util.Arrays;

/**
 * Run in a JVM of its own by {@link NodeKeysTest}: reads the passphrase file {@code args[0]} as a
 * node does, wipes the passphrase it got, writes a heap dump with the unreachable objects too
 * ({@code args[1]}) and prints {@code length=N}, N the passphrase's length.
 */
final class PassphraseResidueChild {
  private PassphraseResidueChild() {}

  public static void main(String[] args) throws Exception {
    char[] passphrase = NodeKeys.passphrase(new NodeConfig.KeySource.File(Path.of(args[0])));
    int n = passphrase.length;
    Arrays.fill(passphrase, '\0');
    HeapResidue.dumpHeap(args[1]);
    System.out.println("length=" + n);
  }
}
