package io.medledger.tlog;

import io.medledger.codec.MalformedEncodingException;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Objects;

/**
 * A C2SP {@code signed-note}: a text ending in a newline, a blank line, and one or more signature
 * lines. Nothing here is verified: the text must be ignored until a {@link CheckpointVerifier} (or
 * a caller holding a {@link NoteKey}) has checked a signature.
 *
 * <p>Immutable and thread-safe.
 *
 * @param text the note text, including its final newline
 * @param signatures the signature lines, in order
 */
public record SignedNote(String text, List<NoteSignature> signatures) {
  /** Largest note accepted by {@link #parse} (bytes). */
  public static final int MAX_BYTES = 64 << 10;
  /** Most signature lines accepted (the specification asks for at least 16). */
  public static final int MAX_SIGNATURES = 100;
  private static final String DASH = "\u2014 ";

  /**
   * Checks the text and copies the list.
   *
   * @throws IllegalArgumentException if the text is empty, does not end in a newline, or holds a
   *     control character other than newline; or if there is no signature or too many
   */
  public SignedNote {
    Objects.requireNonNull(text, "text");
    checkText(text);
    signatures = List.copyOf(signatures);
    if (signatures.isEmpty() || signatures.size() > MAX_SIGNATURES) {
      throw new IllegalArgumentException("a signed note has 1.." + MAX_SIGNATURES + " signatures");
    }
  }

  private static void checkText(String text) {
    if (text.isEmpty() || text.charAt(text.length() - 1) != '\n') {
      throw new IllegalArgumentException("note text must be non-empty and end in a newline");
    }
    for (int i = 0; i < text.length(); i++) {
      char c = text.charAt(i);
      if ((c < 0x20 && c != '\n') || Character.isSurrogate(c) && !validSurrogate(text, i)) {
        throw new IllegalArgumentException("note text holds a control character or invalid UTF-16");
      }
      if (Character.isHighSurrogate(c)) {
        i++;
      }
    }
  }

  private static boolean validSurrogate(String s, int i) {
    return Character.isHighSurrogate(s.charAt(i)) && i + 1 < s.length() && Character.isLowSurrogate(s.charAt(i + 1));
  }

  /** The note with {@code s} appended, unless an equal signature is already there. */
  public SignedNote with(NoteSignature s) {
    if (signatures.contains(s)) {
      return this;
    }
    List<NoteSignature> l = new ArrayList<>(signatures);
    l.add(s);
    return new SignedNote(text, l);
  }

  /** The note's bytes: text, blank line, signature lines (UTF-8). */
  public byte[] toBytes() {
    StringBuilder b = new StringBuilder(text).append('\n');
    signatures.forEach(s -> b.append(s.line()));
    return b.toString().getBytes(StandardCharsets.UTF_8);
  }

  /**
   * Parses a note strictly: at most {@link #MAX_BYTES} bytes of valid UTF-8 with no control
   * character but newline; the text ends at the last blank line; every following line is a
   * well-formed signature line with a valid key name and canonical base64 of at least 5 bytes.
   *
   * @throws MalformedEncodingException if the bytes are not such a note
   */
  public static SignedNote parse(byte[] note) {
    Objects.requireNonNull(note, "note");
    if (note.length > MAX_BYTES) {
      throw new MalformedEncodingException("signed note is " + note.length + " bytes, above " + MAX_BYTES);
    }
    String s;
    try {
      s = StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
          .onUnmappableCharacter(CodingErrorAction.REPORT).decode(ByteBuffer.wrap(note)).toString();
    } catch (CharacterCodingException e) {
      throw new MalformedEncodingException("signed note is not valid UTF-8");
    }
    for (int i = 0; i < s.length(); i++) {
      if (s.charAt(i) < 0x20 && s.charAt(i) != '\n') {
        throw new MalformedEncodingException("signed note holds a control character");
      }
    }
    int split = s.lastIndexOf("\n\n");
    if (split < 0) {
      throw new MalformedEncodingException("signed note has no blank line before its signatures");
    }
    String text = s.substring(0, split + 1);
    String sigs = s.substring(split + 2);
    if (sigs.isEmpty() || sigs.charAt(sigs.length() - 1) != '\n') {
      throw new MalformedEncodingException("signed note has no signature lines, or they do not end in a newline");
    }
    List<NoteSignature> out = new ArrayList<>();
    int start = 0;
    while (start < sigs.length()) {
      int end = sigs.indexOf('\n', start);
      if (out.size() == MAX_SIGNATURES) {
        throw new MalformedEncodingException("signed note has more than " + MAX_SIGNATURES + " signatures");
      }
      out.add(signatureLine(sigs.substring(start, end)));
      start = end + 1;
    }
    try {
      return new SignedNote(text, out);
    } catch (IllegalArgumentException | MalformedEncodingException e) {
      throw new MalformedEncodingException("signed note: " + e.getMessage());
    }
  }

  private static NoteSignature signatureLine(String line) {
    if (!line.startsWith(DASH)) {
      throw new MalformedEncodingException("signature line does not start with an em dash and a space");
    }
    String rest = line.substring(DASH.length());
    int sp = rest.indexOf(' ');
    if (sp <= 0 || rest.indexOf(' ', sp + 1) >= 0) {
      throw new MalformedEncodingException("signature line must be a key name, a space and base64");
    }
    String name = rest.substring(0, sp);
    String b64 = rest.substring(sp + 1);
    byte[] raw;
    try {
      raw = Base64.getDecoder().decode(b64);
    } catch (IllegalArgumentException | MalformedEncodingException e) {
      throw new MalformedEncodingException("signature is not base64");
    }
    if (!Base64.getEncoder().encodeToString(raw).equals(b64)) {
      throw new MalformedEncodingException("signature is not canonical base64");
    }
    if (raw.length < 5 || raw.length > 4 + NoteSignature.MAX_SIGNATURE) {
      throw new MalformedEncodingException("signature must be a 4-byte key ID and 1.." + NoteSignature.MAX_SIGNATURE
          + " bytes");
    }
    int id = ByteBuffer.wrap(raw).getInt();
    try {
      return new NoteSignature(name, id, java.util.Arrays.copyOfRange(raw, 4, raw.length));
    } catch (IllegalArgumentException | MalformedEncodingException e) {
      throw new MalformedEncodingException("signature line: " + e.getMessage());
    }
  }
}
