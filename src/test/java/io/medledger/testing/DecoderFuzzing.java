package io.medledger.testing;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;

import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Base of the decoder fuzz tests: a family of decoders fuzzed as one target (the first input byte
 * picks the decoder, modulo the family size; the rest is its input), valid seed values for each,
 * and the plain properties every build checks on those seeds: the committed seed files still
 * decode, each seed value round-trips, and every truncation and single-byte mutation of its
 * encoding passes the oracle of {@link CodecProperties} (all binary seeds; the first seed of each
 * text decoder, as text encodings are long). A subclass adds
 * {@code @FuzzTest void fuzz(byte[] data) { fuzzOne(data); }}.
 */
public abstract class DecoderFuzzing {
  /** The fuzz method's name (its corpus directory). */
  public static final String METHOD = "fuzz";

  /** A seed: a valid value of the decoder at {@code spec} in the family. */
  public record Seed(int spec, String label, Object value) {}

  private List<DecoderSpec<?>> family;

  /** The decoders of this target; the order is part of the corpus format (append only). */
  protected abstract List<DecoderSpec<?>> specs();

  /** Valid values, at least one per decoder, deterministic. */
  protected abstract List<Seed> seeds();

  private List<DecoderSpec<?>> family() {
    if (family == null) {
      family = specs();
    }
    return family;
  }

  /** Runs one fuzz input through the decoder its first byte selects. */
  protected final void fuzzOne(byte[] data) {
    if (data.length == 0) {
      return;
    }
    List<DecoderSpec<?>> f = family();
    CodecProperties.check(f.get((data[0] & 0xff) % f.size()), Arrays.copyOfRange(data, 1, data.length));
  }

  @SuppressWarnings("unchecked")
  private static <T> byte[] encode(DecoderSpec<T> spec, Object value) {
    return spec.encode() == null ? (byte[]) value : spec.encode().apply((T) value);
  }

  @SuppressWarnings("unchecked")
  private static <T> void roundTrip(DecoderSpec<T> spec, Object value) {
    CodecProperties.roundTrip(spec, (T) value);
  }

  /** Every seed value round-trips; every truncation and byte mutation of it passes the oracle. */
  @Test
  void seedsRoundTripAndSurviveEveryTruncationAndByteMutation() {
    Map<String, byte[]> files = new LinkedHashMap<>();
    java.util.Set<Integer> mutatedTextual = new java.util.HashSet<>();
    for (Seed s : seeds()) {
      DecoderSpec<?> spec = family().get(s.spec());
      roundTrip(spec, s.value());
      byte[] enc = encode(spec, s.value());
      // Text encodings are long: every binary seed is mutated, but only the first text seed of a decoder.
      if (spec.canonical() || mutatedTextual.add(s.spec())) {
        CodecProperties.mutationsAndTruncations(spec, enc);
      }
      byte[] file = new byte[enc.length + 1];
      file[0] = (byte) s.spec();
      System.arraycopy(enc, 0, file, 1, enc.length);
      files.put(spec.name() + "-" + s.label(), file);
    }
    if (FuzzCorpus.writing()) {
      FuzzCorpus.writeSeeds(getClass(), METHOD, files);
    }
  }

  /** The committed seed files still decode (a codec change must come with new seeds). */
  @Test
  void committedSeedsStillDecode() {
    Map<String, byte[]> inputs = FuzzCorpus.inputs(getClass(), METHOD);
    assertFalse(inputs.keySet().stream().noneMatch(n -> n.startsWith("seed-")),
        "no seed corpus for " + getClass().getSimpleName() + "; run with -D" + FuzzCorpus.WRITE_SEEDS + "=true");
    for (Map.Entry<String, byte[]> e : inputs.entrySet()) {
      byte[] d = e.getValue();
      if (e.getKey().startsWith("seed-")) {
        DecoderSpec<?> spec = family().get((d[0] & 0xff) % family().size());
        assertNotNull(CodecProperties.check(spec, Arrays.copyOfRange(d, 1, d.length)),
            e.getKey() + " no longer decodes");
      }
    }
  }
}
