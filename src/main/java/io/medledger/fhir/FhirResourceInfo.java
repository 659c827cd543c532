package io.medledger.fhir;

import java.util.Objects;

/**
 * What a record entry needs from one FHIR resource, as found by {@link FhirIndexer}.
 *
 * <p>Immutable.
 *
 * @param resourceType the resource's {@code resourceType} (never null or empty)
 * @param id the resource's {@code id}, or null if it has none
 * @param patientId the Patient the resource is about (for a Patient, itself), or null; see
 *     {@link FhirIndexer} for how references are resolved
 * @param date the resource's effective date exactly as written in the resource, or null
 */
public record FhirResourceInfo(String resourceType, String id, String patientId, String date) {
  /** Validates that {@code resourceType} is present. */
  public FhirResourceInfo {
    Objects.requireNonNull(resourceType, "resourceType");
    if (resourceType.isEmpty()) {
      throw new IllegalArgumentException("resourceType is empty");
    }
  }
}
