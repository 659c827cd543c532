package io.medledger.internal.node;

import io.medledger.codec.MalformedEncodingException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Arrays;

/**
 * Reads a secret (a passphrase) from an environment variable into a {@code char[]} the caller
 * wipes. {@link System#getenv} returns only a {@code String}, which cannot be wiped and which the
 * JDK keeps in its copy of the environment for the life of the process; so where the process's
 * initial environment can be read as bytes ({@code /proc/self/environ} on Linux) the value is
 * taken from there, through a direct buffer that is wiped, and no {@code String} of it is made
 * here. Elsewhere {@code System.getenv} is the fallback, its {@code String} converted at once and
 * never kept. Either way the value stays in the process's memory and in
 * {@code /proc/PID/environ}, readable by the same user, for as long as the process runs (and a
 * {@code String} of it exists if any other code calls {@code System.getenv()}): a file is the
 * better home for a secret. Stateless and thread-safe.
 */
public final class EnvironmentSecret {
  /** The most of {@code /proc/self/environ} read; a larger environment falls back to {@code System.getenv}. */
  static final int MAX_ENVIRON_BYTES = 1 << 20;
  private static final Path PROC_ENVIRON = Path.of("/proc/self/environ");

  private EnvironmentSecret() {}

  /**
   * The value of the environment variable {@code name}, or null if it is unset; a fresh array the
   * caller wipes.
   *
   * @throws MalformedEncodingException if the value read as bytes is not UTF-8
   */
  public static char[] read(String name) {
    ByteBuffer environ = ByteBuffer.allocateDirect(MAX_ENVIRON_BYTES + 1);
    try {
      if (readProcEnviron(environ)) {
        return find(environ, name);
      }
    } finally {
      environ.clear();
      while (environ.hasRemaining()) {
        environ.put((byte) 0);
      }
    }
    String v = System.getenv(name);
    return v == null ? null : v.toCharArray();
  }

  /** Reads {@code /proc/self/environ} into {@code into} (flipped); false if it cannot or it is too large. */
  private static boolean readProcEnviron(ByteBuffer into) {
    try (FileChannel ch = FileChannel.open(PROC_ENVIRON, StandardOpenOption.READ)) {
      while (into.hasRemaining() && ch.read(into) >= 0) {
        // to the end, or one byte past the cap
      }
    } catch (IOException | UnsupportedOperationException e) {
      return false;
    }
    if (into.position() > MAX_ENVIRON_BYTES) {
      return false;
    }
    into.flip();
    return true;
  }

  /**
   * The value of {@code name} in {@code environ} (from its position to its limit: {@code NAME=VALUE}
   * entries each ended by a NUL byte, as {@code /proc/self/environ}), decoded strictly as UTF-8 into
   * a fresh array; null if absent. The first entry of that name wins, as {@code getenv(3)} finds it.
   *
   * @throws MalformedEncodingException if the value is not UTF-8
   */
  static char[] find(ByteBuffer environ, String name) {
    byte[] key = (name + "=").getBytes(StandardCharsets.UTF_8);
    int end = environ.limit();
    int i = environ.position();
    while (i < end) {
      int stop = i;
      while (stop < end && environ.get(stop) != 0) {
        stop++;
      }
      if (stop - i >= key.length && startsWith(environ, i, key)) {
        byte[] raw = new byte[stop - i - key.length];
        environ.get(i + key.length, raw);
        try {
          return decode(raw, name);
        } finally {
          Arrays.fill(raw, (byte) 0);
        }
      }
      i = stop + 1;
    }
    return null;
  }

  private static boolean startsWith(ByteBuffer b, int at, byte[] prefix) {
    for (int k = 0; k < prefix.length; k++) {
      if (b.get(at + k) != prefix[k]) {
        return false;
      }
    }
    return true;
  }

  /** {@code raw} as UTF-8, strictly, into an exactly sized array; scratch wiped. */
  private static char[] decode(byte[] raw, String name) {
    java.nio.charset.CharsetDecoder d = StandardCharsets.UTF_8.newDecoder()
        .onMalformedInput(java.nio.charset.CodingErrorAction.REPORT)
        .onUnmappableCharacter(java.nio.charset.CodingErrorAction.REPORT);
    char[] text = new char[raw.length];
    try {
      java.nio.CharBuffer out = java.nio.CharBuffer.wrap(text);
      if (d.decode(ByteBuffer.wrap(raw), out, true).isError() || d.flush(out).isError()) {
        throw new MalformedEncodingException("environment variable " + name + " is not valid UTF-8");
      }
      return Arrays.copyOf(text, out.position());
    } finally {
      Arrays.fill(text, '\0');
    }
  }
}
