package io.medledger.internal.node;

import io.medledger.codec.MalformedEncodingException;
import io.medledger.internal.BoundedInput;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Arrays;

/**
 * Reads the first line of a small secret file (a passphrase, an RPC password, a WIF key) into a
 * {@code char[]} the caller wipes, leaving no other copy of the secret on the heap: the bytes are
 * read into a direct buffer (so that no JDK buffer keeps them) and wiped, the text is decoded
 * into an array that is wiped, and no {@code String} is made. Stateless and thread-safe.
 */
public final class SecretLine {
  private SecretLine() {}

  /**
   * The first line of {@code file} (up to its first {@code '\n'}), without trailing white space;
   * {@code what} names the file in errors.
   *
   * @return the line, possibly empty (a fresh array the caller should wipe)
   * @throws MalformedEncodingException if the file holds more than {@code maxBytes} bytes
   *     ({@code "WHAT is larger than N bytes"}) or is not UTF-8 ({@code "WHAT is not valid UTF-8"})
   * @throws IOException if it cannot be read, or is not a regular file
   */
  public static char[] read(Path file, int maxBytes, String what) throws IOException {
    if (maxBytes < 0 || maxBytes >= Integer.MAX_VALUE) {
      throw new IllegalArgumentException("maxBytes out of range: " + maxBytes);
    }
    BoundedInput.requireRegularFile(file);
    ByteBuffer direct = ByteBuffer.allocateDirect(maxBytes + 1);
    byte[] raw = null;
    try {
      try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
        while (direct.hasRemaining() && ch.read(direct) >= 0) {
          // until the end of the file, or one byte past the limit
        }
      }
      if (direct.position() > maxBytes) {
        throw new MalformedEncodingException(what + " is larger than " + maxBytes + " bytes");
      }
      raw = new byte[direct.position()];
      direct.flip().get(raw);
      return firstLine(raw, what);
    } finally {
      direct.clear();
      while (direct.hasRemaining()) {
        direct.put((byte) 0);
      }
      if (raw != null) {
        Arrays.fill(raw, (byte) 0);
      }
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
