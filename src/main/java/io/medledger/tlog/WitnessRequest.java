package io.medledger.tlog;

import io.medledger.codec.MalformedEncodingException;
import io.medledger.crypto.Digest;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Objects;

/**
 * A C2SP {@code tlog-witness} {@code add-checkpoint} request: {@code old <size>}, the consistency
 * proof from that size as base64 lines, a blank line, and the signed checkpoint. Not verified.
 *
 * <p>Immutable and thread-safe.
 *
 * @param oldSize the size the witness last cosigned (0 if none)
 * @param proof the consistency proof from {@code oldSize} to the checkpoint's size
 * @param checkpoint the signed checkpoint
 */
public record WitnessRequest(long oldSize, List<Digest> proof, SignedNote checkpoint) {
  /** Most proof lines accepted (the specification's limit). */
  public static final int MAX_PROOF = 63;

  /** Checks and copies. */
  public WitnessRequest {
    if (oldSize < 0) {
      throw new IllegalArgumentException("old size must not be negative");
    }
    proof = List.copyOf(proof);
    if (proof.size() > MAX_PROOF) {
      throw new IllegalArgumentException("at most " + MAX_PROOF + " proof lines");
    }
    Objects.requireNonNull(checkpoint, "checkpoint");
  }

  /** The request body. */
  public byte[] encode() {
    StringBuilder b = new StringBuilder("old ").append(oldSize).append('\n');
    proof.forEach(d -> b.append(Base64.getEncoder().encodeToString(d.toByteArray())).append('\n'));
    b.append('\n');
    byte[] head = b.toString().getBytes(StandardCharsets.UTF_8);
    byte[] note = checkpoint.toBytes();
    byte[] out = java.util.Arrays.copyOf(head, head.length + note.length);
    System.arraycopy(note, 0, out, head.length, note.length);
    return out;
  }

  /**
   * Parses a request body strictly.
   *
   * @throws MalformedEncodingException if it is not a well-formed request
   */
  public static WitnessRequest parse(byte[] body) {
    if (body.length > SignedNote.MAX_BYTES + 4096) {
      throw new MalformedEncodingException("witness request too large");
    }
    int blank = -1;
    for (int i = 0; i + 1 < body.length; i++) {
      if (body[i] == '\n' && body[i + 1] == '\n') {
        blank = i;
        break;
      }
    }
    String s = new String(body, 0, Math.max(blank, 0), StandardCharsets.US_ASCII);
    if (!s.startsWith("old ") || blank < 0) {
      throw new MalformedEncodingException("witness request must start with 'old <size>' and have a blank line");
    }
    String[] lines = s.split("\n", -1);
    String sz = lines[0].substring(4);
    if (sz.isEmpty() || sz.length() > 19 || !sz.chars().allMatch(c -> c >= '0' && c <= '9')
        || (sz.length() > 1 && sz.charAt(0) == '0')) {
      throw new MalformedEncodingException("witness request old size is not a canonical decimal");
    }
    if (lines.length - 1 > MAX_PROOF) {
      throw new MalformedEncodingException("witness request has too many proof lines");
    }
    List<Digest> proof = new ArrayList<>();
    for (int i = 1; i < lines.length; i++) {
      byte[] h;
      try {
        h = Base64.getDecoder().decode(lines[i]);
      } catch (IllegalArgumentException | MalformedEncodingException e) {
        throw new MalformedEncodingException("witness request proof line is not base64");
      }
      if (h.length != Digest.LENGTH) {
        throw new MalformedEncodingException("witness request proof line is not a 32-byte hash");
      }
      proof.add(Digest.of(h));
    }
    byte[] noteBytes = java.util.Arrays.copyOfRange(body, blank + 2, body.length);
    long old;
    try {
      old = Long.parseLong(sz);
    } catch (NumberFormatException e) {
      throw new MalformedEncodingException("witness request old size out of range");
    }
    return new WitnessRequest(old, proof, SignedNote.parse(noteBytes));
  }
}
