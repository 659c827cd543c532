package io.medledger.fhir;

import io.medledger.codec.MalformedEncodingException;
import io.medledger.internal.Json;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.function.UnaryOperator;

/**
 * Removes direct identifiers from a FHIR R4 JSON resource or Bundle before it reaches a
 * researcher. What goes, in every resource (bundle entries and contained resources included):
 * narratives ({@code text.div}, a resource's and a document section's), {@code identifier} (and
 * identifiers under other names, such as {@code accessionIdentifier}, {@code requisition} and a
 * claim's {@code preAuthRef}), {@code telecom}, {@code photo}, DICOM {@code uid}s, names and
 * contact points as choice values ({@code valueHumanName}, {@code valueContactPoint}), answers of a
 * QuestionnaireResponse that are not a code, number, quantity, date or reference (text, URIs), the
 * query of a Bundle's and an entry's {@code link} URLs (a search), a note's {@code authorString},
 * a Coverage's {@code subscriberId}
 * and {@code dependent}, a Device's {@code serialNumber}, {@code udiCarrier}, {@code url} and
 * {@code contact}, the contact persons of an Organization and an InsurancePlan and the contact
 * points of an Endpoint and a Subscription ({@code contact}: a name, an address, phones), a
 * Subscription's channel {@code header}s (credentials) and the search of its {@code criteria}, the names an Account, a CareTeam or a Group and the title a List gives itself
 * (often after the patient), an AuditEvent's user ({@code agent.name},
 * {@code agent.altId}), network address ({@code agent.network.address}) and the entity's
 * {@code name}, {@code description}, {@code query} and {@code detail}; base64 content it cannot
 * read (the {@code data} of a Binary, an Attachment or a Signature; a SampledData's stays); of
 * every Attachment ({@code attachment}, {@code presentedForm}, {@code ...Attachment}, a Media's
 * {@code content}) all but its content type, language, size and creation date (so its
 * {@code url}, {@code title} and {@code hash}); addresses as choice values (an accident's
 * {@code locationAddress}, a {@code valueAddress}) cut to state and country; for a Location (which may be the patient's home) its {@code name}, {@code alias},
 * {@code description} and {@code position}, its address cut to state and country; ages
 * ({@code onsetAge}, {@code valueAge}, ..., and the {@code valueQuantity} of an Observation or
 * component of the patient's age by LOINC code) of 90 years or more given as {@code >=} 90 years,
 * the value of ages in a unit it cannot read, a relative's {@code ageString}, the bounds of 90
 * years or more of age ranges ({@code ageRange}, {@code onsetRange}, ...: a low bound becomes 90
 * years, the high one goes); an Observation of the birth date (LOINC 21112-8) cut to the year; for people (Patient, RelatedPerson, Person,
 * Practitioner) also {@code name} and {@code contact}, addresses cut to state and country,
 * {@code birthDate} and {@code deceasedDateTime} cut to the year (their primitive extensions, such
 * as a birth time, dropped); for a
 * relative in a FamilyMemberHistory, {@code name}, the dates of birth and death cut to the year
 * ({@code bornDate}, {@code deceasedDate}) or dropped ({@code bornString}, {@code bornPeriod},
 * {@code deceasedString});
 * extensions and modifier extensions known to identify (mother's maiden name, birth place, birth
 * time, geolocation) and every one whose value is not a code, number, quantity, date or reference
 * (text, markdown, URIs, names, addresses, contact points, identifiers, attachments); the
 * {@code display} text of references that may point at a person or a Location, or at a
 * PractitionerRole, an Account, a CareTeam, a Group or a List, whose displays give the names removed
 * from those resources (by its type, such an entry or contained resource, a search, or a display or
 * identifier alone);
 * references carrying a search query, whatever their type ({@code Patient?identifier=...},
 * {@code Encounter?patient.identifier=...}, {@code Patient/<id>?...}), a transaction
 * request's search ({@code ifNoneExist}, and the query of its {@code url}). Patient ids, in the
 * Patient resource, in {@code Patient/<id>} references, request URLs and response locations, in
 * {@code urn:uuid:} and {@code urn:oid:} full URLs of Patient entries (for a Patient without an
 * id, the uuid or oid of its full URL stands for the id) and in local references ({@code #<id>})
 * to contained Patients, are replaced by the caller's pseudonyms.
 * Clinical content (codings' display included) and clinical dates stay.
 *
 * <p>Deny by default: a resource of a type FHIR R4 does not define, a contained resource, a
 * Bundle entry's resource or response outcome or a Parameters parameter's (or part's) resource
 * without a resourceType, and input that is not UTF-8 are refused, not copied.
 *
 * <p>This is removal of direct identifiers, not a proof of anonymity: free-text fields such as
 * notes may still need review. Thread-safe: stateless.
 */
public final class FhirDeidentifier {
  /**
   * The resource types FHIR R4 (4.0.1) defines: the only ones whose members this class knows, so
   * the only ones it copies (deny by default).
   */
  private static final Set<String> R4_TYPES = Set.of(
      "Account", "ActivityDefinition", "AdverseEvent", "AllergyIntolerance", "Appointment", "AppointmentResponse",
      "AuditEvent", "Basic", "Binary", "BiologicallyDerivedProduct", "BodyStructure", "Bundle", "CapabilityStatement",
      "CarePlan", "CareTeam", "CatalogEntry", "ChargeItem", "ChargeItemDefinition", "Claim", "ClaimResponse",
      "ClinicalImpression", "CodeSystem", "Communication", "CommunicationRequest", "CompartmentDefinition",
      "Composition", "ConceptMap", "Condition", "Consent", "Contract", "Coverage", "CoverageEligibilityRequest",
      "CoverageEligibilityResponse", "DetectedIssue", "Device", "DeviceDefinition", "DeviceMetric", "DeviceRequest",
      "DeviceUseStatement", "DiagnosticReport", "DocumentManifest", "DocumentReference", "EffectEvidenceSynthesis",
      "Encounter", "Endpoint", "EnrollmentRequest", "EnrollmentResponse", "EpisodeOfCare", "EventDefinition",
      "Evidence", "EvidenceVariable", "ExampleScenario", "ExplanationOfBenefit", "FamilyMemberHistory", "Flag",
      "Goal", "GraphDefinition", "Group", "GuidanceResponse", "HealthcareService", "ImagingStudy", "Immunization",
      "ImmunizationEvaluation", "ImmunizationRecommendation", "ImplementationGuide", "InsurancePlan", "Invoice",
      "Library", "Linkage", "List", "Location", "Measure", "MeasureReport", "Media", "Medication",
      "MedicationAdministration", "MedicationDispense", "MedicationKnowledge", "MedicationRequest",
      "MedicationStatement", "MedicinalProduct", "MedicinalProductAuthorization", "MedicinalProductContraindication",
      "MedicinalProductIndication", "MedicinalProductIngredient", "MedicinalProductInteraction",
      "MedicinalProductManufactured", "MedicinalProductPackaged", "MedicinalProductPharmaceutical",
      "MedicinalProductUndesirableEffect", "MessageDefinition", "MessageHeader", "MolecularSequence", "NamingSystem",
      "NutritionOrder", "Observation", "ObservationDefinition", "OperationDefinition", "OperationOutcome",
      "Organization", "OrganizationAffiliation", "Parameters", "Patient", "PaymentNotice", "PaymentReconciliation",
      "Person", "PlanDefinition", "Practitioner", "PractitionerRole", "Procedure", "Provenance", "Questionnaire",
      "QuestionnaireResponse", "RelatedPerson", "RequestGroup", "ResearchDefinition", "ResearchElementDefinition",
      "ResearchStudy", "ResearchSubject", "RiskAssessment", "RiskEvidenceSynthesis", "Schedule", "SearchParameter",
      "ServiceRequest", "Slot", "Specimen", "SpecimenDefinition", "StructureDefinition", "StructureMap",
      "Subscription", "Substance", "SubstanceNucleicAcid", "SubstancePolymer", "SubstanceProtein",
      "SubstanceReferenceInformation", "SubstanceSourceMaterial", "SubstanceSpecification", "SupplyDelivery",
      "SupplyRequest", "Task", "TerminologyCapabilities", "TestReport", "TestScript", "ValueSet",
      "VerificationResult", "VisionPrescription");
  private static final Set<String> PEOPLE = Set.of("Patient", "RelatedPerson", "Person", "Practitioner");
  /**
   * Types whose references' display names a person or a place (a Location may be a home), or gives
   * a name this class removes from the resource itself: a PractitionerRole's display is its
   * practitioner's name, an Account's its holder and number, a CareTeam's, a Group's or a List's
   * often the patient's.
   */
  private static final Set<String> NAMED = Set.of("Patient", "RelatedPerson", "Person", "Practitioner", "Location",
      "PractitionerRole", "Account", "CareTeam", "Group", "List");
  private static final Set<String> NAMED_REFERENCE_TYPES =
      NAMED.stream().map(t -> t + "/").collect(java.util.stream.Collectors.toUnmodifiableSet());
  /** Extension values that are codes, numbers, quantities, dates or references: the only ones kept. */
  private static final Set<String> CODED_VALUE_KEYS = Set.of("valueBoolean", "valueCode", "valueCoding",
      "valueCodeableConcept", "valueDecimal", "valueInteger", "valuePositiveInt", "valueUnsignedInt", "valueQuantity",
      "valueAge", "valueDuration", "valueCount", "valueDistance", "valueMoney", "valueRange", "valueRatio",
      "valueDate", "valueDateTime", "valueInstant", "valueTime", "valuePeriod", "valueTiming", "valueReference");
  private static final Set<String> IDENTIFYING_EXTENSIONS = Set.of(
      "http://hl7.org/fhir/StructureDefinition/patient-mothersMaidenName",
      "http://hl7.org/fhir/StructureDefinition/patient-birthPlace",
      "http://hl7.org/fhir/StructureDefinition/patient-birthTime",
      "http://hl7.org/fhir/StructureDefinition/geolocation");
  /** Members of one resource type ({@code Type.member}) that name or number a person or place. */
  private static final Set<String> DROPPED_MEMBERS = Set.of("Coverage.subscriberId", "Coverage.dependent",
      "Device.serialNumber", "Device.udiCarrier", "Device.url", "Device.contact", "Account.name",
      "CareTeam.name", "Group.name", "List.title", "Organization.contact", "InsurancePlan.contact", "Endpoint.contact",
      "Subscription.contact",
      "Location.name", "Location.alias", "Location.description", "Location.position");
  /**
   * Members of elements of a given name ({@code element.member}) that name a person or address or
   * carry a search: an AuditEvent's user, network address and the entity it names; a
   * Subscription channel's headers (its credentials); and a MessageHeader source's contact point.
   */
  private static final Set<String> DROPPED_NESTED = Set.of("agent.name", "agent.altId", "network.address",
      "entity.name", "entity.description", "entity.query", "entity.detail", "channel.header", "source.contact");
  /** What an Attachment keeps: neither its {@code data}, {@code url}, {@code title} nor {@code hash}. */
  private static final Set<String> ATTACHMENT_KEPT = Set.of("id", "extension", "contentType", "language", "size", "creation");
  private static final String UCUM = "http://unitsofmeasure.org";
  /** Units of an Age (UCUM codes, and the unit texts that spell them) and how many of each a year holds. */
  private static final Map<String, java.math.BigDecimal> PER_YEAR = Map.ofEntries(
      Map.entry("a", java.math.BigDecimal.ONE), Map.entry("yr", java.math.BigDecimal.ONE),
      Map.entry("year", java.math.BigDecimal.ONE), Map.entry("years", java.math.BigDecimal.ONE),
      Map.entry("mo", java.math.BigDecimal.valueOf(12)), Map.entry("month", java.math.BigDecimal.valueOf(12)),
      Map.entry("months", java.math.BigDecimal.valueOf(12)), Map.entry("wk", new java.math.BigDecimal("52.1775")),
      Map.entry("weeks", new java.math.BigDecimal("52.1775")), Map.entry("d", new java.math.BigDecimal("365.25")),
      Map.entry("days", new java.math.BigDecimal("365.25")), Map.entry("h", java.math.BigDecimal.valueOf(8766)),
      Map.entry("min", java.math.BigDecimal.valueOf(525960)));
  private static final java.math.BigDecimal NINETY = java.math.BigDecimal.valueOf(90);
  /** Ranges that may be ages: a relative's age or death, a condition's onset or abatement. */
  private static final Set<String> AGE_RANGES = Set.of("ageRange", "deceasedRange", "onsetRange", "abatementRange");
  /** LOINC codes of observations of the patient's age (a quantity) and of the birth date. */
  private static final Set<String> AGE_CODES = Set.of("30525-0", "21612-7", "29553-5");
  private static final String BIRTH_DATE_CODE = "21112-8";

  private FhirDeidentifier() {}

  /**
   * What references resolve to: Patient ids (or, for a Patient without one, the uuid or oid of its
   * full URL) by their {@code urn:uuid:} or {@code urn:oid:} full URL, the full URLs of entries
   * that are people or Locations, the local references ({@code #id}) of contained people and
   * Locations, and the ids of contained Patients.
   */
  private record Refs(Map<String, String> uuidPatients, Set<String> namedEntries, Set<String> localNamed,
      Set<String> localPatients) {}

  /**
   * Returns a copy of {@code fhirJson} without direct identifiers, as compact UTF-8 JSON.
   *
   * @param pseudonymize maps a Patient id to the pseudonym to use instead
   * @throws MalformedEncodingException if the input is not a FHIR JSON object in UTF-8, if a
   *     resource (the top one, a Bundle entry's, a contained one) is of a type FHIR R4 does not
   *     define or a contained resource, an entry's resource or response outcome or a parameter's
   *     resource has no resourceType, or if a field this
   *     class rewrites or judges by its text (a resource type, a Patient's id, a person's birth or
   *     death date, an address's state or country, a reference, full URL, request or link URL, response
   *     location or extension URL) is not the JSON string FHIR defines, if an extension list, an
   *     extension, an Attachment, an Age or an address is not the JSON array or object
   *     FHIR defines, or an Age's value not a number: it would pass unread
   */
  public static byte[] deidentify(byte[] fhirJson, UnaryOperator<String> pseudonymize) {
    Objects.requireNonNull(pseudonymize, "pseudonymize");
    Object parsed;
    try {
      parsed = Json.parse(FhirIndexer.skipBomAndCheckEncoding(new java.io.ByteArrayInputStream(fhirJson)));
    } catch (java.io.IOException e) { // a byte array is read without I/O errors
      throw new java.io.UncheckedIOException(e);
    }
    Map<String, Object> root = Json.asObject(parsed, "FHIR resource");
    if (!(root.get("resourceType") instanceof String)) {
      throw new MalformedEncodingException("a FHIR resource needs a resourceType");
    }
    Refs refs = new Refs(new LinkedHashMap<>(), new java.util.HashSet<>(), new java.util.HashSet<>(),
        new java.util.HashSet<>());
    collectReferenceTargets(root, refs);
    Object cleaned = resource(root, pseudonymize, refs);
    return Json.write(false, g -> Json.writeValue(g, cleaned)).getBytes(StandardCharsets.UTF_8);
  }

  private static void collectReferenceTargets(Object node, Refs out) {
    if (node instanceof Map<?, ?> m) {
      Object full = m.get("fullUrl");
      Object res = m.get("resource");
      if (full instanceof String f && (f.startsWith("urn:uuid:") || f.startsWith("urn:oid:"))
          && res instanceof Map<?, ?> r && "Patient".equals(r.get("resourceType"))) {
        // without an id, the full URL's uuid or oid is the Patient's identity (as FhirIndexer takes it)
        out.uuidPatients().put(f, r.get("id") instanceof String id ? id
            : f.substring(f.indexOf(':', "urn:".length()) + 1));
      }
      if (full instanceof String f && res instanceof Map<?, ?> r && r.get("resourceType") instanceof String t
          && NAMED.contains(t)) {
        out.namedEntries().add(f);
      }
      if (m.get("contained") instanceof List<?> contained) {
        for (Object c : contained) {
          if (c instanceof Map<?, ?> r && r.get("resourceType") instanceof String t && NAMED.contains(t)
              && r.get("id") instanceof String id) {
            out.localNamed().add("#" + id);
            if (t.equals("Patient")) {
              out.localPatients().add(id);
            }
          }
        }
      }
      for (Object v : m.values()) {
        collectReferenceTargets(v, out);
      }
    } else if (node instanceof List<?> l) {
      for (Object v : l) {
        collectReferenceTargets(v, out);
      }
    }
  }

  private static Map<String, Object> resource(Map<String, Object> r, UnaryOperator<String> pz, Refs refs) {
    String type = String.valueOf(r.get("resourceType"));
    if (!R4_TYPES.contains(type)) {
      throw new MalformedEncodingException("resource type '" + type + "' is not one FHIR R4 defines, so its"
          + " identifying members are unknown");
    }
    if (r.get("contained") instanceof List<?> contained) {
      requireResources(contained, "a contained resource");
    }
    if (type.equals("Bundle") && r.get("entry") instanceof List<?> entries) {
      for (Object x : entries) {
        if (x instanceof Map<?, ?> entry && entry.containsKey("resource")) {
          requireResources(List.of(entry.get("resource")), "a Bundle entry's resource");
        }
      }
    }
    boolean person = PEOPLE.contains(type);
    boolean relative = type.equals("FamilyMemberHistory");
    Map<String, Object> out = new LinkedHashMap<>();
    String observed = observed(r);
    for (Map.Entry<String, Object> e : r.entrySet()) {
      String k = e.getKey();
      Object v = e.getValue();
      if (observed != null && (k.startsWith("value") || k.startsWith("_value"))) {
        putObserved(out, observed, k, v, pz, refs);
        continue;
      }
      if (dropped(k, v, r) || DROPPED_MEMBERS.contains(type + "." + k)
          || (k.startsWith("_") && personDate(type, k.substring(1)))) {
        continue; // a person's date's primitive extensions (a birth time) go with its day
      }
      if (person && (k.equals("name") || k.equals("contact"))) {
        continue;
      }
      if (relative && (k.equals("name") || k.equals("bornString") || k.equals("bornPeriod")
          || k.equals("deceasedString"))) {
        continue; // the relative's name, and dates this class cannot cut to the year
      }
      if (personDate(type, k)) {
        String s = string(v, k);
        out.put(k, s.length() >= 4 ? s.substring(0, 4) : s);
        continue;
      }
      if (person && k.equals("address")) {
        out.put(k, coarseAddresses(v));
        continue;
      }
      if (type.equals("Location") && k.equals("address")) {
        if (!(v instanceof Map<?, ?> a)) {
          throw new MalformedEncodingException("a Location's address must be a JSON object");
        }
        out.put(k, coarseAddress(a)); // the place may be the patient's home
        continue;
      }
      if (type.equals("Media") && k.equals("content")) {
        out.put(k, value("attachment", v, pz, refs)); // a Media's content is an Attachment
        continue;
      }
      if (k.equals("id") && type.equals("Patient")) {
        out.put(k, pz.apply(string(v, "a Patient's id")));
        continue;
      }
      if (type.equals("Subscription") && k.equals("criteria")) {
        String c = string(v, "a Subscription's criteria"); // a search: patient=<id>, identifier=<MRN>
        out.put(k, c.indexOf('?') < 0 ? c : c.substring(0, c.indexOf('?')));
        continue;
      }
      out.put(k, value(k, v, pz, refs));
    }
    return out;
  }

  /**
   * Refuses an item of {@code items} that is not a JSON object with a resourceType: copied as an
   * element, a person's name and address in it would pass.
   */
  private static void requireResources(List<?> items, String what) {
    for (Object x : items) {
      if (!(x instanceof Map<?, ?> m) || !m.containsKey("resourceType")) {
        throw new MalformedEncodingException(what + " must be a JSON object with a resourceType");
      }
    }
  }

  /**
   * Whether member {@code k} of a resource of {@code type} is a date of a person's birth or death,
   * cut to the year: a person's {@code birthDate} and {@code deceasedDateTime}, a relative's
   * {@code bornDate} and {@code deceasedDate} in a FamilyMemberHistory.
   */
  private static boolean personDate(String type, String k) {
    return (PEOPLE.contains(type) && (k.equals("birthDate") || k.equals("deceasedDateTime")))
        || (type.equals("FamilyMemberHistory") && (k.equals("bornDate") || k.equals("deceasedDate")));
  }

  private static Object coarseAddresses(Object v) {
    List<Object> out = new ArrayList<>();
    if (v instanceof List<?> l) {
      for (Object a : l) {
        if (a instanceof Map<?, ?> m) {
          out.add(coarseAddress(m));
        }
      }
    }
    return out;
  }

  /** An Address cut to its state and country. */
  private static Map<String, Object> coarseAddress(Map<?, ?> m) {
    Map<String, Object> c = new LinkedHashMap<>();
    if (m.containsKey("state")) {
      c.put("state", string(m.get("state"), "an address's state"));
    }
    if (m.containsKey("country")) {
      c.put("country", string(m.get("country"), "an address's country"));
    }
    return c;
  }

  private static Object value(String key, Object v, UnaryOperator<String> pz, Refs refs) {
    if (v instanceof List<?> l) {
      List<Object> out = new ArrayList<>();
      for (Object x : l) {
        if ((key.equals("extension") || key.equals("modifierExtension")) && identifyingExtension(x)) {
          continue;
        }
        out.add(item(key, x, pz, refs));
      }
      return out;
    }
    if (key.equals("extension") || key.equals("modifierExtension")) {
      throw new MalformedEncodingException("an " + key + " must be a JSON array");
    }
    return item(key, v, pz, refs);
  }

  /** One value of member {@code key}, or one item of its array. */
  @SuppressWarnings("unchecked")
  private static Object item(String key, Object v0, UnaryOperator<String> pz, Refs refs) {
    Object v = v0;
    if (v instanceof List) {
      return value(key, v, pz, refs);
    }
    if (attachmentKey(key)) {
      v = attachment(v);
    } else if (key.endsWith("Age")) {
      v = age(v);
    } else if (AGE_RANGES.contains(key)) {
      v = ageRange(v);
    } else if (key.endsWith("Address")) {
      if (!(v instanceof Map<?, ?> a)) {
        throw new MalformedEncodingException("an Address must be a JSON object");
      }
      v = coarseAddress(a); // an accident's locationAddress (often the patient's home), a valueAddress
    }
    if (v instanceof Map<?, ?> m0) {
      Map<String, Object> m = (Map<String, Object>) m0;
      if (m.containsKey("resourceType")) {
        string(m.get("resourceType"), "a resourceType");
        return resource(m, pz, refs);
      }
      Map<String, Object> out = new LinkedHashMap<>();
      boolean personRef = namesPerson(m, refs);
      String observed = observed(m);
      for (Map.Entry<String, Object> e : m.entrySet()) {
        String k = e.getKey();
        Object x = e.getValue();
        if (observed != null && (k.startsWith("value") || k.startsWith("_value"))) {
          putObserved(out, observed, k, x, pz, refs); // an observation's component
          continue;
        }
        if (personRef && k.equals("display")) {
          continue;
        }
        if (dropped(k, x, m) || (key.equals("note") && k.equals("authorString"))
            || DROPPED_NESTED.contains(key + "." + k)
            || (key.equals("answer") && k.startsWith("value") && !CODED_VALUE_KEYS.contains(k))) {
          continue; // an answer of text or a URI may be the patient's name, phone or homepage
        }
        if (key.equals("request") && k.equals("ifNoneExist")) {
          continue; // a search, such as identifier=<system>|<MRN>
        }
        if ((key.equals("request") || key.equals("link")) && k.equals("url")) {
          String s = string(x, "a request's or link's url"); // a searchset's link holds the search
          int q = s.indexOf('?');
          out.put(k, rewriteReference(q < 0 ? s : s.substring(0, q), pz, refs));
          continue;
        }
        if ((k.equals("reference") && !(x instanceof Map)) || k.equals("fullUrl")
            || (key.equals("response") && k.equals("location"))) {
          String s = string(x, k); // an element named reference may be a Reference (Consent.provision.data)
          if (k.equals("reference") && s.indexOf('?') >= 0) {
            continue; // a search of any type may name the patient (Encounter?patient.identifier=...)
          }
          out.put(k, rewriteReference(s, pz, refs));
          continue;
        }
        if (((key.equals("parameter") || key.equals("part")) && k.equals("resource"))
            || (key.equals("response") && k.equals("outcome"))) {
          requireResources(List.of(x), "a Parameters parameter's resource or a Bundle response's outcome");
        }
        out.put(k, value(k, x, pz, refs));
      }
      return out;
    }
    return v;
  }

  /**
   * Whether {@code m}, a reference, may point at a person or a Location (which may be the
   * patient's home) or another of the {@link #NAMED} types, so its display is a name: by its {@code reference} (such a type, the full URL
   * of a Patient or of such an entry, such a contained resource, a conditional reference searching
   * such a type, such a reference followed by a query) or, without one, by its {@code type}; a
   * display without either (a reference by display or identifier alone) is taken as a person's. A
   * Coding ({@code system} or {@code code}) is not a reference.
   */
  private static boolean namesPerson(Map<String, Object> m, Refs refs) {
    if (m.get("reference") instanceof String ref) {
      int q = ref.indexOf('?');
      if (q >= 0) {
        String path = ref.substring(0, q);
        return NAMED.contains(path.substring(path.lastIndexOf('/') + 1)) || isNamedReference(path, refs);
      }
      return refs.localNamed().contains(ref) || isNamedReference(ref, refs);
    }
    if (m.containsKey("system") || m.containsKey("code")) {
      return false;
    }
    if (m.get("type") instanceof String type) {
      String last = type.substring(type.lastIndexOf('/') + 1);
      return NAMED.contains(last);
    }
    return m.containsKey("display");
  }

  /**
   * Whether extension {@code x} goes: by its URL (mother's maiden name, birth place, birth time,
   * geolocation), or because its value is not a code, number, quantity, date or reference (text,
   * markdown, a URI or URL, a name, an address, a contact point, an identifier, an attachment,
   * any type this class does not know).
   *
   * @throws MalformedEncodingException if it is not an object, or its URL not a string
   */
  private static boolean identifyingExtension(Object x) {
    if (!(x instanceof Map<?, ?> ext)) {
      throw new MalformedEncodingException("an extension must be a JSON object");
    }
    if (ext.containsKey("url") && IDENTIFYING_EXTENSIONS.contains(string(ext.get("url"), "an extension's url"))) {
      return true;
    }
    for (Object k : ext.keySet()) {
      if (String.valueOf(k).startsWith("value") && !CODED_VALUE_KEYS.contains(k)) {
        return true;
      }
    }
    return false;
  }

  /**
   * What observation (or component) {@code m} observes, by a LOINC code of its {@code code}: the
   * patient's age ({@code "age"}), the birth date ({@code "birth"}), or something else (null).
   */
  private static String observed(Map<?, ?> m) {
    if (m.get("code") instanceof Map<?, ?> code && code.get("coding") instanceof List<?> codings) {
      for (Object c : codings) {
        if (c instanceof Map<?, ?> coding && "http://loinc.org".equals(coding.get("system"))
            && coding.get("code") instanceof String loinc) {
          if (AGE_CODES.contains(loinc)) {
            return "age";
          }
          if (loinc.equals(BIRTH_DATE_CODE)) {
            return "birth";
          }
        }
      }
    }
    return null;
  }

  /**
   * Puts value member {@code k} of an observation of the patient's age or birth date into
   * {@code out}, generalised: an age's {@code valueQuantity} as an Age, a birth date's
   * {@code valueDateTime} or {@code valueDate} cut to the year; any other value (text, a period, a
   * number without unit) and the values' primitive extensions go.
   */
  private static void putObserved(Map<String, Object> out, String observed, String k, Object x,
      UnaryOperator<String> pz, Refs refs) {
    if (observed.equals("age") && k.equals("valueQuantity")) {
      out.put(k, value("valueAge", x, pz, refs));
    } else if (observed.equals("birth") && (k.equals("valueDateTime") || k.equals("valueDate"))) {
      String s = string(x, "an observed birth date");
      out.put(k, s.length() >= 4 ? s.substring(0, 4) : s);
    }
  }

  /**
   * Range {@code v}, which may be an age, as HIPAA Safe Harbor allows it: a bound of 90 years or
   * more goes (a low bound becomes 90 years, the high bound goes with it); a bound in a unit this
   * class cannot read loses its value.
   *
   * @throws MalformedEncodingException if it or a bound is not an object, or a bound's value not a
   *     number
   */
  private static Map<?, ?> ageRange(Object v) {
    if (!(v instanceof Map<?, ?> m)) {
      throw new MalformedEncodingException("a Range must be a JSON object");
    }
    Map<Object, Object> out = new LinkedHashMap<>(m);
    for (String bound : List.of("high", "low")) {
      if (!m.containsKey(bound)) {
        continue;
      }
      Map<?, ?> a = age(m.get(bound));
      if (a.containsKey("comparator") && !(m.get(bound) instanceof Map<?, ?> b && b.containsKey("comparator"))) {
        out.remove("high"); // 90 years or more: no upper bound
        if (bound.equals("low")) {
          Map<Object, Object> low = new LinkedHashMap<>(a);
          low.remove("comparator"); // a Range's bounds have none
          out.put("low", low);
        }
      } else if (a != m.get(bound)) {
        out.put(bound, a);
      }
    }
    return out;
  }

  /**
   * Whether a member named {@code k} is an Attachment (or a list of them): a document's
   * {@code attachment}, a report's {@code presentedForm}, and every {@code ...Attachment} choice
   * ({@code valueAttachment}, {@code contentAttachment}, {@code sourceAttachment}). A Media's
   * {@code content} is one too, told by its resource.
   */
  private static boolean attachmentKey(String k) {
    return k.equals("attachment") || k.endsWith("Attachment") || k.equals("presentedForm");
  }

  /**
   * Attachment {@code v} with only its id, extensions, content type, language, size and creation
   * date: its {@code data}, the {@code url} and {@code title} that may name the patient, and the
   * {@code hash} that fingerprints the document go.
   *
   * @throws MalformedEncodingException if it is not an object
   */
  private static Map<String, Object> attachment(Object v) {
    if (!(v instanceof Map<?, ?> m)) {
      throw new MalformedEncodingException("an Attachment must be a JSON object");
    }
    Map<String, Object> out = new LinkedHashMap<>();
    for (Map.Entry<?, ?> e : m.entrySet()) {
      if (ATTACHMENT_KEPT.contains(e.getKey())) {
        out.put((String) e.getKey(), e.getValue());
      }
    }
    return out;
  }

  /**
   * Age {@code v} as HIPAA Safe Harbor allows it: from 90 years on, "90 years or older"
   * ({@code >=} 90 a, in UCUM); an age whose unit (its {@code code}, else its {@code unit}) this
   * class cannot read, or that is an upper bound ({@code <}, {@code <=}) of 90 years or more, loses
   * its value; any other age stays.
   *
   * @throws MalformedEncodingException if it is not an object, or its value not a number
   */
  private static Map<?, ?> age(Object v) {
    if (!(v instanceof Map<?, ?> m)) {
      throw new MalformedEncodingException("an Age must be a JSON object");
    }
    if (!m.containsKey("value")) {
      return m;
    }
    if (!(m.get("value") instanceof Number n)) {
      throw new MalformedEncodingException("an Age's value must be a JSON number");
    }
    java.math.BigDecimal perYear = m.get("code") instanceof String c ? PER_YEAR.get(c) : null;
    if (perYear == null && m.get("unit") instanceof String u) {
      perYear = PER_YEAR.get(u);
    }
    boolean upperBound = "<".equals(m.get("comparator")) || "<=".equals(m.get("comparator"));
    if (perYear != null && new java.math.BigDecimal(n.toString()).compareTo(NINETY.multiply(perYear)) < 0) {
      return m;
    }
    if (perYear == null || upperBound) {
      Map<Object, Object> out = new LinkedHashMap<>(m);
      out.remove("value");
      return out;
    }
    Map<String, Object> out = new LinkedHashMap<>();
    out.put("value", 90L);
    out.put("comparator", ">=");
    out.put("unit", "a");
    out.put("system", UCUM);
    out.put("code", "a");
    return out;
  }

  /**
   * Whether member {@code k}, holding {@code x}, of {@code owner} goes wherever it stands: an
   * identifier, {@code telecom}, {@code photo}, a relative's {@code ageString} (an age it cannot
   * read), a DICOM {@code uid} (an imaging study's series and
   * instances), a name or contact point as a choice value ({@code valueHumanName},
   * {@code valueContactPoint}), a narrative ({@code text} with a {@code div}: a resource's, a
   * document section's), base64 content it cannot read.
   */
  private static boolean dropped(String k, Object x, Map<?, ?> owner) {
    return identifierKey(k) || k.equals("telecom") || k.equals("photo") || k.equals("uid") || k.equals("ageString")
        || k.endsWith("HumanName") || k.endsWith("ContactPoint")
        || (k.equals("text") && x instanceof Map<?, ?> narrative && narrative.containsKey("div"))
        || unreadable(k, x, owner);
  }

  /**
   * Whether a member named {@code k} holds an identifier: {@code identifier}, and those under other
   * names (a specimen's {@code accessionIdentifier}, a document's {@code masterIdentifier}, an
   * encounter's {@code preAdmissionIdentifier}, a request's {@code groupIdentifier} and
   * {@code requisition}, a device's {@code deviceIdentifier}, a claim's prior-authorization numbers
   * {@code preAuthRef}).
   */
  private static boolean identifierKey(String k) {
    return k.equals("identifier") || k.endsWith("Identifier") || k.equals("requisition") || k.equals("preAuthRef");
  }

  /**
   * Whether member {@code k} of {@code owner} is base64 content this class cannot read (a Binary's,
   * an Attachment's or a Signature's {@code data}: whole documents, images, embedded resources),
   * which goes: every string {@code data} but that of a SampledData (origin, period, dimensions),
   * whose data is numbers.
   */
  private static boolean unreadable(String k, Object v, Map<?, ?> owner) {
    return k.equals("data") && v instanceof String
        && !(owner.containsKey("origin") && owner.containsKey("period") && owner.containsKey("dimensions"));
  }

  /**
   * {@code v}, which FHIR defines as a string and which this class rewrites or judges by its text.
   *
   * @throws MalformedEncodingException if it is anything else (it would pass unread)
   */
  private static String string(Object v, String what) {
    if (v instanceof String s) {
      return s;
    }
    throw new MalformedEncodingException(what + " must be a JSON string");
  }

  private static boolean isNamedReference(String ref, Refs refs) {
    if (refs.uuidPatients().containsKey(ref) || refs.namedEntries().contains(ref)) {
      return true;
    }
    for (String p : NAMED_REFERENCE_TYPES) {
      if (ref.startsWith(p) || ref.contains("/" + p)) {
        return true;
      }
    }
    return false;
  }

  private static String rewriteReference(String ref, UnaryOperator<String> pz, Refs refs) {
    String id = refs.uuidPatients().get(ref);
    if (id != null) {
      return ref.substring(0, ref.indexOf(':', "urn:".length()) + 1) + pz.apply(id);
    }
    if (ref.startsWith("#") && refs.localPatients().contains(ref.substring(1))) {
      return "#" + pz.apply(ref.substring(1));
    }
    int at = ref.lastIndexOf("Patient/");
    if (at >= 0 && (at == 0 || ref.charAt(at - 1) == '/')) {
      String rest = ref.substring(at + "Patient/".length());
      int slash = rest.indexOf('/');
      String pid = slash < 0 ? rest : rest.substring(0, slash);
      String tail = slash < 0 ? "" : rest.substring(slash);
      return ref.substring(0, at) + "Patient/" + pz.apply(pid) + tail;
    }
    return ref;
  }
}
