package io.medledger.testing;

import io.medledger.MedLedgerException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.function.Consumer;

/**
 * The strict oracle for parsers of text from outside that the fuzz targets do not cover (hex keys
 * and scripts, tile paths): hostile variants of valid texts, made from a fixed seed, may be
 * accepted or rejected, but only with a {@link MedLedgerException} (for decoders, a
 * {@link io.medledger.codec.MalformedEncodingException}) that wraps no programming error; any
 * other exception or error escaping is a finding. A few thousand inputs, well under a second for
 * a cheap parser. Stateless.
 */
public final class HostileText {
  /** Characters that break the usual text formats: digits, hex, separators, controls, non-ASCII. */
  private static final String ALPHABET = "0123456789abcdefABCDEFxzg:/.-+[]{}\"\n \u0000\u00ff\u2014p";

  /** Variants per call. */
  static final int VARIANTS = 4000;

  private HostileText() {}

  /**
   * The valid texts, the empty text, and {@link #VARIANTS} variants of them (1 to 4 characters
   * inserted, deleted, replaced, or the text cut), from a {@link Random} seeded with {@code seed}.
   */
  public static List<String> variants(long seed, List<String> valid) {
    Random r = new Random(seed);
    List<String> out = new ArrayList<>(valid);
    out.add("");
    for (int i = 0; i < VARIANTS; i++) {
      StringBuilder b = new StringBuilder(valid.get(r.nextInt(valid.size())));
      for (int k = 1 + r.nextInt(4); k > 0; k--) {
        int at = r.nextInt(b.length() + 1);
        char c = ALPHABET.charAt(r.nextInt(ALPHABET.length()));
        switch (r.nextInt(4)) {
          case 0 -> b.insert(at, c);
          case 1 -> {
            if (b.length() > 0) {
              b.deleteCharAt(Math.min(at, b.length() - 1));
            }
          }
          case 2 -> {
            if (b.length() > 0) {
              b.setCharAt(Math.min(at, b.length() - 1), c);
            }
          }
          default -> b.setLength(at);
        }
      }
      out.add(b.toString());
    }
    return out;
  }

  /**
   * Feeds {@code parse} the valid texts and their hostile variants, and the whole {@link
   * CodecProperties} exception oracle judges each: the valid texts must be accepted, anything
   * thrown on the others must be a {@link MedLedgerException} wrapping no programming error.
   *
   * @throws AssertionError naming the first input that broke the rule
   */
  public static void check(String name, long seed, List<String> valid, Consumer<String> parse) {
    DecoderSpec<String> spec = DecoderSpec.decodeOnly(name, (byte[] b) -> {
      String s = new String(b, StandardCharsets.UTF_8);
      parse.accept(s);
      return s;
    });
    for (String v : valid) {
      if (CodecProperties.check(spec, v.getBytes(StandardCharsets.UTF_8)) == null) {
        throw new AssertionError(name + ": a valid text was rejected: " + v);
      }
    }
    for (String s : variants(seed, valid)) {
      CodecProperties.check(spec, s.getBytes(StandardCharsets.UTF_8));
    }
  }
}
