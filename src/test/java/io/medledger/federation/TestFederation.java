package io.medledger.federation;

import io.medledger.access.InstitutionClass;
import io.medledger.storage.BlobStore;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.security.SecureRandom;
import java.util.List;

/** A small federation for tests: three class A hospitals, four class B institutions, a clinic, a regulator. */
final class TestFederation {
  private TestFederation() {}

  static Federation.Builder builder() {
    return standard(Federation.builder("network-test"));
  }

  /** The same federation on a chain of parameters {@code params}. */
  static Federation.Builder builder(io.medledger.chain.ChainParameters params) {
    return standard(Federation.builder(params));
  }

  /** The same federation with institution {@code name} of class {@code c} first (the facade's first registrar). */
  static Federation.Builder builderWithFirst(String name, InstitutionClass c) {
    return standard(Federation.builder("network-test").institution(name, c));
  }

  private static Federation.Builder standard(Federation.Builder b) {
    return b
        .institution("Hospital A1", InstitutionClass.A)
        .institution("Hospital A2", InstitutionClass.A)
        .institution("Hospital A3", InstitutionClass.A)
        .institution("Authority B1", InstitutionClass.B)
        .institution("Hospital B2", InstitutionClass.B)
        .institution("Hospital B3", InstitutionClass.B)
        .institution("Hospital B4", InstitutionClass.B)
        .institution("Clinic C", InstitutionClass.C)
        .regulator("Health Regulator")
        .storage("Clinic C", 3, 2)
        .threshold(2)
        .random(seeded(42));
  }

  static Federation create() {
    return builder().build();
  }

  static Federation withStores(List<BlobStore> stores) {
    return builder().storageStores(stores).build();
  }

  static SecureRandom seeded(long seed) {
    return io.medledger.client.SmallFederation.seeded(seed);
  }

  /** A demo FHIR bundle shipped with the library. */
  static byte[] demoRecord(String name) {
    try (InputStream in = TestFederation.class.getResourceAsStream("/io/medledger/demo/" + name + ".json")) {
      if (in == null) {
        throw new IllegalStateException("missing demo resource " + name);
      }
      return in.readAllBytes();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  static byte[] observation(String patientRef, String code, double value) {
    return ("{\"resourceType\":\"Observation\",\"id\":\"obs-" + code + "\",\"status\":\"final\","
        + "\"code\":{\"coding\":[{\"system\":\"http://loinc.org\",\"code\":\"" + code + "\"}]},"
        + "\"subject\":{\"reference\":\"Patient/" + patientRef + "\"},\"effectiveDateTime\":\"2026-03-01\","
        + "\"valueQuantity\":{\"value\":" + value + ",\"unit\":\"mmol/mol\"}}").getBytes(java.nio.charset.StandardCharsets.UTF_8);
  }
}
