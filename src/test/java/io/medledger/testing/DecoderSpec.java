package io.medledger.testing;

import io.medledger.MedLedgerException;
import io.medledger.codec.MalformedEncodingException;
import java.util.List;
import java.util.Objects;
import java.util.function.BiPredicate;
import java.util.function.Function;

/**
 * One decoder under test: how bytes decode, how a value encodes back, which exceptions the decoder
 * documents for bad input, and whether its encoding is canonical (one byte string per value, so a
 * decoded input must re-encode to exactly the input) or textual (a decoded input must reach a fixed
 * point: its re-encoding decodes to an equal value that re-encodes identically). Immutable.
 *
 * @param name what is decoded (for messages)
 * @param decode the decoder; a {@code null} result means "rejected" for decoders that answer with
 *     a value instead of an exception (for example {@code Optional.empty()} mapped to null)
 * @param encode the encoder of a decoded value, or null for a consumer of input that has no
 *     encoder (only the exception oracle applies; its seed values are the input bytes)
 * @param equal value equality (for types whose {@code equals} is identity or absent)
 * @param canonical whether every accepted input must re-encode to exactly itself
 * @param documented the exception types bad input may raise (subclasses included)
 * @param <T> the decoded type
 */
public record DecoderSpec<T>(String name, Function<byte[], T> decode, Function<T, byte[]> encode,
    BiPredicate<T, T> equal, boolean canonical, List<Class<? extends Throwable>> documented) {

  /** Validates and copies. */
  public DecoderSpec {
    Objects.requireNonNull(name, "name");
    Objects.requireNonNull(decode, "decode");
    Objects.requireNonNull(equal, "equal");
    documented = List.copyOf(documented);
  }

  /**
   * A canonical binary decoder documented to throw {@link MalformedEncodingException} (or another
   * {@link MedLedgerException}; nothing outside the module's hierarchy) on bad input, compared with
   * {@code equals}.
   */
  public static <T> DecoderSpec<T> canonical(String name, Function<byte[], T> decode, Function<T, byte[]> encode) {
    return new DecoderSpec<>(name, decode, encode, Objects::equals, true,
        List.of(MedLedgerException.class));
  }

  /** A textual decoder (JSON and similar): accepted inputs must reach a fixed point, not identity. */
  public static <T> DecoderSpec<T> textual(String name, Function<byte[], T> decode, Function<T, byte[]> encode) {
    return new DecoderSpec<>(name, decode, encode, Objects::equals, false,
        List.of(MedLedgerException.class));
  }

  /** A consumer of input with no encoder: only documented exceptions may escape. */
  public static <T> DecoderSpec<T> decodeOnly(String name, Function<byte[], T> decode) {
    return new DecoderSpec<>(name, decode, null, Objects::equals, false,
        List.of(MedLedgerException.class));
  }

  /** The same decoder compared with {@code equal} instead of {@code equals}. */
  public DecoderSpec<T> comparedBy(BiPredicate<T, T> eq) {
    return new DecoderSpec<>(name, decode, encode, eq, canonical, documented);
  }

  /** The same decoder with values compared by their encodings (for records holding arrays). */
  public DecoderSpec<T> byEncoding() {
    return comparedBy((a, b) -> java.util.Arrays.equals(encode.apply(a), encode.apply(b)));
  }

  /** The same decoder that may also raise {@code extra} (its own documented exception). */
  public DecoderSpec<T> alsoThrows(Class<? extends Throwable> extra) {
    List<Class<? extends Throwable>> d = new java.util.ArrayList<>(documented);
    d.add(extra);
    return new DecoderSpec<>(name, decode, encode, equal, canonical, d);
  }
}
