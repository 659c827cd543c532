package io.medledger.fhir;

/** Small hand-written FHIR R4 documents (fictional people) for fuzz seeds and CLI tests. */
public final class FhirSamples {
  private FhirSamples() {}

  /** A sample. */
  public static final String BUNDLE = """
      {"resourceType":"Bundle","id":"b1","type":"collection","entry":[
       {"fullUrl":"urn:uuid:6f1c2a4e-0d7b-4c55-9a53-3f0e0c1d2b7a","resource":{"resourceType":"Patient",
        "id":"pat-1","name":[{"family":"Example","given":["Ann"]}],"birthDate":"1970-05-01",
        "telecom":[{"system":"phone","value":"555-0100"}],"address":[{"city":"Springfield"}],
        "extension":[{"url":"http://hl7.org/fhir/StructureDefinition/patient-birthPlace",
          "valueAddress":{"city":"Shelbyville"}}]}},
       {"resource":{"resourceType":"Observation","id":"obs-1","status":"final",
        "code":{"coding":[{"system":"http://loinc.org","code":"8867-4"}]},
        "subject":{"reference":"Patient/pat-1","display":"Ann Example"},
        "effectiveDateTime":"2024-02-03T10:00:00Z","valueQuantity":{"value":72,"unit":"/min"}}},
       {"resource":{"resourceType":"Condition","id":"c-1",
        "subject":{"reference":"urn:uuid:6f1c2a4e-0d7b-4c55-9a53-3f0e0c1d2b7a"},"recordedDate":"2023-11-30"}}]}
      """;

  /** A sample. */
  public static final String OBSERVATION = """
      {"resourceType":"Observation","id":"o2","subject":{"reference":"Patient/p9"},"issued":"2025-01-01T00:00:00Z",
       "performer":[{"reference":"Practitioner/d1","display":"Dr Who"}]}
      """;

}
