package io.medledger.client;

import io.medledger.access.InstitutionClass;
import io.medledger.federation.Federation;
import java.nio.charset.StandardCharsets;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;

/**
 * Test fixture: the smallest in-process federation the clients' and proxies' tests need (two class A
 * hospitals, whose federation servers are the proxies, and a class B authority; threshold 2), from
 * seeded randomness so its keys repeat.
 */
public final class SmallFederation {
  private SmallFederation() {}

  /** A deterministic random source for {@code seed}. */
  public static SecureRandom seeded(long seed) {
    try {
      SecureRandom r = SecureRandom.getInstance("SHA1PRNG");
      r.setSeed(seed);
      return r;
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  /** "Hospital A" and "Hospital B" (class A) and "Authority" (class B) on chain {@code chain}, keys from {@code seed}. */
  public static Federation.Builder builder(String chain, long seed) {
    return Federation.builder(chain)
        .institution("Hospital A", InstitutionClass.A)
        .institution("Hospital B", InstitutionClass.A)
        .institution("Authority", InstitutionClass.B)
        .threshold(2)
        .random(seeded(seed));
  }

  /** A small FHIR Observation with LOINC code {@code code}. */
  public static byte[] observation(String code) {
    return ("{\"resourceType\":\"Observation\",\"id\":\"obs-" + code + "\",\"status\":\"final\","
        + "\"code\":{\"coding\":[{\"system\":\"http://loinc.org\",\"code\":\"" + code + "\"}]},"
        + "\"subject\":{\"reference\":\"Patient/p\"},\"effectiveDateTime\":\"2026-03-01\"}")
        .getBytes(StandardCharsets.UTF_8);
  }
}
