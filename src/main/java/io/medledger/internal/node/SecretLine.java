package io.medledger.internal.node;

import io.medledger.codec.MalformedEncodingException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Arrays;

/**
 * Reads the first line of a small secret file (a passphrase, an RPC password, a WIF key) into a
 * {@code char[]} the caller wipes, leaving no other copy of the secret on the heap: the bytes are
 * read by {@link SecretFile} (through a direct buffer, so that no JDK buffer keeps them) and
 * wiped, the text is decoded into an array that is wiped, and no {@code String} is made. Stateless and thread-safe.
 */
public final class SecretLine {
  private SecretLine() {}

  /**
   * The first line of {@code file} (up to its first {@code '\n'}), without trailing white space,
   * read in one opening by {@link SecretFile#read}; {@code what} names the file in errors.
   *
   * @return the line, possibly empty (a fresh array the caller should wipe)
   * @throws MalformedEncodingException if the file holds more than {@code maxBytes} bytes
   *     ({@code "WHAT is larger than N bytes"}) or is not UTF-8 ({@code "WHAT is not valid UTF-8"})
   * @throws SecretFile.RefusedException if it is a symbolic link, not owner-only as {@code access}
   *     asks, or changed while it was read
   * @throws IOException if it cannot be read, or is not a regular file
   */
  public static char[] read(Path file, int maxBytes, String what, SecretFile.Access access) throws IOException {
    byte[] raw = SecretFile.read(file, maxBytes, what, access);
    try {
      return firstLine(raw, what);
    } finally {
      Arrays.fill(raw, (byte) 0);
    }
  }

  /**
   * The first line of the UTF-8 {@code raw} (secret bytes read from elsewhere, such as standard
   * input), without trailing white space; {@code raw} is left as it is, for the caller to wipe.
   *
   * @throws MalformedEncodingException if it is not UTF-8 ({@code "WHAT is not valid UTF-8"})
   */
  public static char[] firstLine(byte[] raw, String what) {
    CharsetDecoder d = StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
        .onUnmappableCharacter(CodingErrorAction.REPORT);
    char[] text = new char[raw.length];
    try {
      CharBuffer out = CharBuffer.wrap(text);
      if (d.decode(ByteBuffer.wrap(raw), out, true).isError() || d.flush(out).isError()) {
        throw new MalformedEncodingException(what + " is not valid UTF-8");
      }
      int end = 0;
      while (end < out.position() && text[end] != '\n') {
        end++;
      }
      while (end > 0 && Character.isWhitespace(text[end - 1])) {
        end--;
      }
      return Arrays.copyOf(text, end);
    } finally {
      Arrays.fill(text, '\0');
    }
  }
}
