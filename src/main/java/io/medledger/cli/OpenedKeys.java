package io.medledger.cli;

import io.medledger.node.NodeKeys;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import javax.security.auth.DestroyFailedException;
import javax.security.auth.Destroyable;

/**
 * The secret keys one command run opened, destroyed together when it ends: a command opens its key
 * stores through one of these in a try-with-resources, so that no path, a failure included, leaves
 * them in memory. Not thread-safe: one per run, on the thread that runs the command.
 */
final class OpenedKeys implements AutoCloseable {
  private final List<Destroyable> opened = new ArrayList<>();

  /** Opens the key store {@code file} with {@code passphrase} (as {@link NodeKeys#open}), to destroy on close. */
  NodeKeys open(Path file, char[] passphrase) {
    return keep(NodeKeys.open(file, passphrase));
  }

  /**
   * Opens the key store of client configuration {@code cc} with the passphrase its key source
   * names (wiped once the store is open), to destroy on close.
   */
  NodeKeys openClient(io.medledger.node.ClientConfig cc) {
    char[] pass = NodeKeys.passphrase(cc.keySource());
    try {
      return open(cc.keyStore(), pass);
    } finally {
      java.util.Arrays.fill(pass, '\0');
    }
  }

  /** Adds {@code secret} to what {@link #close()} destroys; returns it. */
  <T extends Destroyable> T keep(T secret) {
    opened.add(secret);
    return secret;
  }

  /** How many secrets this holds (tests). */
  int size() {
    return opened.size();
  }

  /** Destroys everything opened or kept, the newest first; a secret that cannot be destroyed is skipped. */
  @Override
  public void close() {
    for (int i = opened.size() - 1; i >= 0; i--) {
      try {
        opened.get(i).destroy();
      } catch (DestroyFailedException e) {
        // the default Destroyable.destroy: nothing to wipe
      }
    }
    opened.clear();
  }
}
