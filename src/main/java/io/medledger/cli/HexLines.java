package io.medledger.cli;

import io.medledger.codec.Hex;
import io.medledger.codec.MalformedEncodingException;
import io.medledger.internal.BoundedInput;
import java.io.BufferedReader;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * Reads stdin as one hex value per line (a final newline is optional; CR LF is accepted), at most
 * {@link BoundedInput#MAX_BYTES} bytes and {@link #MAX_LINES} lines.
 */
final class HexLines {
  /** The most lines accepted. */
  static final int MAX_LINES = 1 << 20;

  private HexLines() {}

  /**
   * Returns the decoded lines; an empty line is an empty byte string.
   *
   * @throws CliException naming the first line that is not hex or not {@code length} bytes
   *     ({@code length < 0} accepts any length)
   */
  static List<byte[]> read(InputStream in, int length) throws IOException {
    byte[] all = BoundedInput.read(in, BoundedInput.MAX_BYTES, "standard input");
    BufferedReader r = new BufferedReader(new InputStreamReader(new ByteArrayInputStream(all), StandardCharsets.UTF_8));
    List<byte[]> out = new ArrayList<>();
    String line;
    int number = 0;
    while ((line = r.readLine()) != null) {
      number++;
      if (number > MAX_LINES) {
        throw new CliException("more than " + MAX_LINES + " lines on standard input");
      }
      try {
        out.add(length < 0 ? Hex.decode(line) : Hex.decode(line, length));
      } catch (IllegalArgumentException | MalformedEncodingException e) {
        throw new CliException("line " + number + ": " + e.getMessage());
      }
    }
    return out;
  }
}
