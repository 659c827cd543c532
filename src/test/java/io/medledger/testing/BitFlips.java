package io.medledger.testing;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.medledger.codec.MalformedEncodingException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.function.Function;

/**
 * Checks that every byte of an encoded proof is bound: each mutation of a valid encoding (every
 * bit of every byte flipped, every truncation, one byte appended) must be refused when decoded
 * (a {@link MalformedEncodingException}), refused when verified (the view function returns
 * null), or verify to exactly the original's verified view. Anything else (another exception, a
 * different view) is a field that changes meaning while verification still says yes.
 */
public final class BitFlips {
  private BitFlips() {}

  /** How the mutations were met. */
  public record Counts(int mutations, int refusedDecoding, int refusedVerifying, int sameView) {}

  /**
   * Runs every mutation of {@code valid} through {@code view} (decode, verify, and return the
   * verified view, or null when verification refuses) and fails naming each mutation that is
   * neither refused nor verified to the original's view.
   */
  public static <V> Counts assertEveryByteIsBound(String what, byte[] valid, Function<byte[], V> view) {
    return assertEveryByteIsBound(what, valid, 8, view);
  }

  /**
   * As {@link #assertEveryByteIsBound(String, byte[], Function)}, flipping {@code bitsPerByte}
   * bits of each byte (1..8, starting at a bit that rotates with the position), for encodings
   * too large to flip every bit of within a test's time.
   */
  public static <V> Counts assertEveryByteIsBound(String what, byte[] valid, int bitsPerByte, Function<byte[], V> view) {
    if (bitsPerByte < 1 || bitsPerByte > 8) {
      throw new IllegalArgumentException("bitsPerByte must be 1..8");
    }
    V original = view.apply(valid.clone());
    assertNotNull(original, what + ": the unmutated encoding must verify");
    List<String> holes = new ArrayList<>();
    int[] counts = new int[3];
    int n = 0;
    for (int i = 0; i < valid.length; i++) {
      for (int k = 0; k < bitsPerByte; k++) {
        int bit = (i + k) % 8;
        byte[] m = valid.clone();
        m[i] ^= (byte) (1 << bit);
        judge(what, "bit " + bit + " of byte " + i + " flipped", m, original, view, holes, counts);
        n++;
      }
    }
    for (int len = 0; len < valid.length; len++) {
      judge(what, "truncated to " + len + " bytes", Arrays.copyOf(valid, len), original, view, holes, counts);
      n++;
    }
    for (int b : new int[] {0x00, 0x01, ' ', '0', '"', '}', ']', 0xff}) {
      byte[] m = Arrays.copyOf(valid, valid.length + 1);
      m[valid.length] = (byte) b;
      judge(what, "byte " + b + " appended", m, original, view, holes, counts);
      n++;
    }
    assertEquals(List.of(), holes.subList(0, Math.min(holes.size(), 20)),
        what + ": " + holes.size() + " mutations verified with another meaning or failed otherwise");
    assertTrue(counts[1] > 0, what + ": no mutation was refused by verification; the test proves nothing about it");
    return new Counts(n, counts[0], counts[1], counts[2]);
  }

  private static <V> void judge(String what, String how, byte[] mutated, V original, Function<byte[], V> view,
      List<String> holes, int[] counts) {
    V v;
    try {
      v = view.apply(mutated);
    } catch (MalformedEncodingException e) {
      counts[0]++;
      return;
    } catch (RuntimeException e) {
      holes.add(how + ": " + e);
      return;
    }
    if (v == null) {
      counts[1]++;
    } else if (v.equals(original)) {
      counts[2]++;
    } else {
      holes.add(how + ": verified as " + v);
    }
  }
}
