package io.medledger.fhir;

import com.code_intelligence.jazzer.junit.FuzzTest;
import io.medledger.testing.DecoderFuzzing;
import io.medledger.testing.DecoderSpec;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.function.UnaryOperator;

/**
 * Fuzzes FHIR JSON: the indexer (only documented exceptions) and the de-identifier, whose output
 * must be a fixed point (de-identifying a de-identified document changes nothing, with the
 * identity pseudonym). See {@link DecoderFuzzing}.
 */
class FhirFuzzTest extends DecoderFuzzing {
  private static final FhirIndexer INDEXER = new FhirIndexer(1 << 20, FhirIndexer.DEFAULT_MAX_DEPTH);

  @FuzzTest
  void fuzz(byte[] data) {
    fuzzOne(data);
  }

  @Override
  protected List<DecoderSpec<?>> specs() {
    return List.of(
        DecoderSpec.decodeOnly("fhir-index", INDEXER::index),
        DecoderSpec.<byte[]>textual("fhir-deidentify", b -> FhirDeidentifier.deidentify(b, UnaryOperator.identity()),
            b -> b).comparedBy(java.util.Arrays::equals));
  }

  @Override
  protected List<Seed> seeds() {
    byte[] bundle = FhirSamples.BUNDLE.getBytes(StandardCharsets.UTF_8);
    byte[] obs = FhirSamples.OBSERVATION.getBytes(StandardCharsets.UTF_8);
    return List.of(
        new Seed(0, "bundle", bundle),
        new Seed(0, "observation", obs),
        new Seed(1, "bundle", FhirDeidentifier.deidentify(bundle, UnaryOperator.identity())),
        new Seed(1, "observation", FhirDeidentifier.deidentify(obs, UnaryOperator.identity())));
  }
}
