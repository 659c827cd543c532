package io.medledger.tlog;

import io.medledger.codec.MalformedEncodingException;
import io.medledger.crypto.Digest;
import java.util.Base64;
import java.util.List;
import java.util.Objects;

/**
 * The body of a C2SP {@code tlog-checkpoint}: the origin line, the tree size in decimal, the
 * base64 root hash, and optional extension lines. A checkpoint on its own is a claim; it is
 * trusted only inside a {@link VerifiedCheckpoint}.
 *
 * <p>Immutable and thread-safe.
 *
 * @param origin the log's origin (a key-name-like string, see {@link #originOf(Digest)})
 * @param size the tree size
 * @param root the RFC 9162 root hash of that size
 * @param extensions extension lines (none by default), each non-empty
 */
public record Checkpoint(String origin, long size, Digest root, List<String> extensions) {
  /** Most extension lines accepted. */
  public static final int MAX_EXTENSIONS = 16;

  /**
   * Checks every line.
   *
   * @throws IllegalArgumentException if the origin or an extension is empty or holds a newline or
   *     control character, or the size is negative
   */
  public Checkpoint {
    checkLine(origin, "origin");
    Objects.requireNonNull(root, "root");
    if (size < 0) {
      throw new IllegalArgumentException("tree size must not be negative: " + size);
    }
    extensions = List.copyOf(extensions);
    if (extensions.size() > MAX_EXTENSIONS) {
      throw new IllegalArgumentException("at most " + MAX_EXTENSIONS + " extension lines");
    }
    extensions.forEach(e -> checkLine(e, "extension line"));
  }

  /** A checkpoint without extension lines. */
  public Checkpoint(String origin, long size, Digest root) {
    this(origin, size, root, List.of());
  }

  /** The origin of a MedLedger chain's ledger-wide log: {@code medledger/<chain id in hex>}. */
  public static String originOf(Digest chainId) {
    return "medledger/" + chainId.toHex();
  }

  private static void checkLine(String s, String what) {
    Objects.requireNonNull(s, what);
    if (s.isEmpty() || s.length() > 1024) {
      throw new IllegalArgumentException(what + " must be 1..1024 characters");
    }
    for (int i = 0; i < s.length(); i++) {
      if (s.charAt(i) < 0x20) {
        throw new IllegalArgumentException(what + " must not hold control characters or newlines");
      }
    }
  }

  /** The note text: origin, size and root lines, then the extension lines, each newline-terminated. */
  public String text() {
    StringBuilder b = new StringBuilder();
    b.append(origin).append('\n').append(size).append('\n')
        .append(Base64.getEncoder().encodeToString(root.toByteArray())).append('\n');
    extensions.forEach(e -> b.append(e).append('\n'));
    return b.toString();
  }

  /**
   * Parses a note text as a checkpoint: a decimal size without leading zeros and a canonical
   * base64 32-byte root.
   *
   * @throws MalformedEncodingException if the text is not a checkpoint
   */
  public static Checkpoint parse(String text) {
    Objects.requireNonNull(text, "text");
    if (!text.endsWith("\n")) {
      throw new MalformedEncodingException("checkpoint text must end in a newline");
    }
    String[] lines = text.substring(0, text.length() - 1).split("\n", -1);
    if (lines.length < 3 || lines.length > 3 + MAX_EXTENSIONS) {
      throw new MalformedEncodingException("a checkpoint has 3.." + (3 + MAX_EXTENSIONS) + " lines");
    }
    String sz = lines[1];
    if (sz.isEmpty() || sz.length() > 19 || !sz.chars().allMatch(c -> c >= '0' && c <= '9')
        || (sz.length() > 1 && sz.charAt(0) == '0')) {
      throw new MalformedEncodingException("checkpoint size is not a canonical decimal");
    }
    long size;
    try {
      size = Long.parseLong(sz);
    } catch (NumberFormatException e) {
      throw new MalformedEncodingException("checkpoint size out of range");
    }
    byte[] root;
    try {
      root = Base64.getDecoder().decode(lines[2]);
    } catch (IllegalArgumentException | MalformedEncodingException e) {
      throw new MalformedEncodingException("checkpoint root is not base64");
    }
    if (root.length != Digest.LENGTH || !Base64.getEncoder().encodeToString(root).equals(lines[2])) {
      throw new MalformedEncodingException("checkpoint root is not canonical base64 of 32 bytes");
    }
    try {
      return new Checkpoint(lines[0], size, Digest.of(root), List.of(lines).subList(3, lines.length));
    } catch (IllegalArgumentException | MalformedEncodingException e) {
      throw new MalformedEncodingException("checkpoint: " + e.getMessage());
    }
  }
}
