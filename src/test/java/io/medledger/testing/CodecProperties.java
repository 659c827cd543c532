package io.medledger.testing;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import io.medledger.codec.Hex;
import java.nio.BufferOverflowException;
import java.nio.BufferUnderflowException;
import java.util.Arrays;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * The one oracle for hostile input, shared by the fuzz targets and the plain property tests: an
 * input either is rejected with an exception its decoder documents, or decodes to a value whose
 * encoding is exactly the input (canonical codecs) or a fixed point (textual codecs). A documented
 * exception that merely wraps a programming error (a null dereference, an index out of bounds, a
 * failed cast, an arithmetic or buffer fault) is a finding too: it means the decoder did not check
 * what it read. Stateless.
 */
public final class CodecProperties {
  /** Causes that betray a missing check even when wrapped in a documented exception. */
  private static final List<Class<? extends Throwable>> BUGS = List.of(NullPointerException.class,
      IndexOutOfBoundsException.class, ClassCastException.class, ArithmeticException.class,
      NegativeArraySizeException.class, ArrayStoreException.class, BufferUnderflowException.class,
      BufferOverflowException.class, IllegalStateException.class, UnsupportedOperationException.class);

  /** Inputs up to this length get all 255 replacements of every byte; longer ones get 12. */
  static final int EXHAUSTIVE_LENGTH = Integer.getInteger("medledger.test.mutation.exhaustive", 48);

  /** Binary inputs up to this length get 12 replacements of every byte; longer ones and text get 3. */
  static final int THOROUGH_LENGTH = 256;

  private CodecProperties() {}

  /**
   * Decodes {@code input} and checks the oracle.
   *
   * @return the decoded value, or null if the input was rejected as documented
   * @throws AssertionError if anything else happened
   */
  public static <T> T check(DecoderSpec<T> spec, byte[] input) {
    T value;
    try {
      value = spec.decode().apply(input);
    } catch (RuntimeException e) {
      if (!documented(spec, e)) {
        throw new AssertionError(spec.name() + ": undocumented " + e + " on " + show(input), e);
      }
      Throwable bug = bugCause(e);
      if (bug != null) {
        throw new AssertionError(spec.name() + ": " + e.getClass().getSimpleName() + " wraps a programming error "
            + bug + " on " + show(input), e);
      }
      return null;
    }
    if (value == null || spec.encode() == null) {
      return value;
    }
    byte[] again = encode(spec, value, input);
    if (spec.canonical()) {
      if (!Arrays.equals(input, again)) {
        int at = Arrays.mismatch(input, again);
        throw new AssertionError(spec.name() + ": accepted a non-canonical encoding " + show(input)
            + "; it re-encodes to " + show(again) + "; first difference at offset " + at + ": "
            + show(Arrays.copyOfRange(input, Math.max(0, at - 8), Math.min(input.length, at + 24))) + " became "
            + show(Arrays.copyOfRange(again, Math.max(0, at - 8), Math.min(again.length, at + 24))));
      }
    } else {
      T back;
      try {
        back = spec.decode().apply(again);
      } catch (RuntimeException e) {
        throw new AssertionError(spec.name() + ": the re-encoding of an accepted input does not decode: "
            + show(again), e);
      }
      if (back == null || !spec.equal().test(value, back)) {
        throw new AssertionError(spec.name() + ": re-encoding changes the value: " + show(input));
      }
      byte[] third = encode(spec, back, again);
      if (!Arrays.equals(again, third)) {
        throw new AssertionError(spec.name() + ": encoding is not a fixed point: " + show(again) + " then " + show(third));
      }
    }
    return value;
  }

  /** {@code decode(encode(value))} equals {@code value} and re-encodes to the same bytes. */
  public static <T> void roundTrip(DecoderSpec<T> spec, T value) {
    if (spec.encode() == null) {
      if (check(spec, (byte[]) value) == null) {
        fail(spec.name() + ": a valid input was rejected: " + show((byte[]) value));
      }
      return;
    }
    byte[] enc = spec.encode().apply(value);
    T back = check(spec, enc);
    if (back == null) {
      fail(spec.name() + ": a valid encoding was rejected: " + show(enc));
    }
    assertTrue(spec.equal().test(value, back), spec.name() + ": decode(encode(x)) differs from x");
    assertArrayEquals(enc, spec.encode().apply(back), spec.name() + ": encode(decode(encode(x))) differs");
  }

  /**
   * Every truncation and every single-byte mutation of the valid encoding {@code valid} passes
   * {@link #check}. Inputs of at most {@link #EXHAUSTIVE_LENGTH} bytes get all 255 other values at
   * every position; binary ones up to {@link #THOROUGH_LENGTH} bytes get 12 at every position
   * (the 8 single-bit flips, 0x00, 0xff, +1 and -1); longer ones and text get 3 at every position
   * (flips of bits 0 and 7, and 0x00: for text a neighbouring character, a broken UTF-8 sequence,
   * a NUL). The fuzz targets cover the rest of the byte values.
   *
   * @return how many mutated inputs were accepted (canonically) rather than rejected
   */
  public static <T> int mutationsAndTruncations(DecoderSpec<T> spec, byte[] valid) {
    if (check(spec, valid) == null) {
      fail(spec.name() + ": the seed is not a valid encoding: " + show(valid));
    }
    int accepted = 0;
    for (int n = 0; n < valid.length; n++) {
      if (check(spec, Arrays.copyOf(valid, n)) != null) {
        accepted++;
      }
    }
    byte[] m = valid.clone();
    for (int i = 0; i < valid.length; i++) {
      for (int v : replacements(valid[i] & 0xff, valid.length <= EXHAUSTIVE_LENGTH,
          spec.canonical() && valid.length <= THOROUGH_LENGTH)) {
        m[i] = (byte) v;
        if (check(spec, m) != null) {
          accepted++;
        }
      }
      m[i] = valid[i];
    }
    return accepted;
  }

  private static Set<Integer> replacements(int b, boolean exhaustive, boolean thorough) {
    Set<Integer> out = new LinkedHashSet<>();
    if (exhaustive) {
      for (int v = 0; v < 256; v++) {
        out.add(v);
      }
    } else if (!thorough) {
      out.add(b ^ 0x01);
      out.add(b ^ 0x80);
      out.add(0);
    } else {
      for (int bit = 0; bit < 8; bit++) {
        out.add(b ^ (1 << bit));
      }
      out.add(0);
      out.add(0xff);
      out.add((b + 1) & 0xff);
      out.add((b - 1) & 0xff);
    }
    out.remove(b);
    return out;
  }

  private static <T> byte[] encode(DecoderSpec<T> spec, T value, byte[] input) {
    try {
      return spec.encode().apply(value);
    } catch (RuntimeException e) {
      throw new AssertionError(spec.name() + ": a decoded value does not encode: " + show(input), e);
    }
  }

  private static boolean documented(DecoderSpec<?> spec, Throwable t) {
    for (Class<? extends Throwable> c : spec.documented()) {
      if (c.isInstance(t)) {
        return true;
      }
    }
    return false;
  }

  private static Throwable bugCause(Throwable t) {
    for (Throwable c = t; c != null; c = c.getCause() == c ? null : c.getCause()) {
      for (Class<? extends Throwable> b : BUGS) {
        if (b.isInstance(c)) {
          return c;
        }
      }
    }
    return null;
  }

  /** Hex of the first 96 bytes of {@code b}, for failure messages. */
  public static String show(byte[] b) {
    String h = Hex.encode(b.length <= 96 ? b : Arrays.copyOf(b, 96));
    return b.length + " bytes " + h + (b.length > 96 ? "…" : "");
  }
}
