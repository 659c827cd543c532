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
 * narratives ({@code text.div}), {@code identifier} (and identifiers under other names, such
 * as {@code accessionIdentifier} and {@code requisition}), {@code telecom}, {@code photo}, a note's
 * {@code authorString}, a Coverage's {@code subscriberId}, a Device's {@code serialNumber} and
 * {@code udiCarrier}, base64 content it cannot read (the {@code data} of a Binary, an Attachment
 * or a Signature; a SampledData's stays), an accident's {@code locationAddress} cut to state and
 * country; for people (Patient, RelatedPerson, Person, Practitioner) also {@code name} and {@code contact}, addresses
 * cut to state and country, {@code birthDate} and {@code deceasedDateTime} cut to the year; for a
 * relative in a FamilyMemberHistory, {@code name}, the dates of birth and death cut to the year
 * ({@code bornDate}, {@code deceasedDate}) or dropped ({@code bornString}, {@code bornPeriod},
 * {@code deceasedString});
 * extensions and modifier extensions that carry names, addresses, contact points or identifiers
 * (mother's maiden name, birth place); the {@code display} text of references that may point at a person (by a
 * person's type, a Patient entry, a contained person, a search, or a display or identifier alone);
 * references carrying a search query, whatever their type ({@code Patient?identifier=...},
 * {@code Encounter?patient.identifier=...}, {@code Patient/<id>?...}), a transaction
 * request's search ({@code ifNoneExist}, and the query of its {@code url}). Patient ids, in the
 * Patient resource, in {@code Patient/<id>} references, request URLs and response locations, in
 * {@code urn:uuid:} and {@code urn:oid:} full URLs of Patient entries (for a Patient without an
 * id, the uuid or oid of its full URL stands for the id) and in local references ({@code #<id>})
 * to contained Patients, are replaced by the caller's pseudonyms.
 * Clinical content (codings' display included) and clinical dates stay.
 *
 * <p>This is removal of direct identifiers, not a proof of anonymity: free-text fields such as
 * notes may still need review. Thread-safe: stateless.
 */
public final class FhirDeidentifier {
  private static final Set<String> PEOPLE = Set.of("Patient", "RelatedPerson", "Person", "Practitioner");
  private static final Set<String> PERSON_REFERENCE_TYPES = Set.of("Patient/", "RelatedPerson/", "Person/", "Practitioner/");
  private static final Set<String> IDENTIFYING_VALUE_KEYS =
      Set.of("valueAddress", "valueHumanName", "valueContactPoint", "valueIdentifier", "valueAttachment");
  private static final Set<String> IDENTIFYING_EXTENSIONS = Set.of(
      "http://hl7.org/fhir/StructureDefinition/patient-mothersMaidenName",
      "http://hl7.org/fhir/StructureDefinition/patient-birthPlace",
      "http://hl7.org/fhir/StructureDefinition/patient-birthTime");

  private FhirDeidentifier() {}

  /**
   * What references resolve to: Patient ids (or, for a Patient without one, the uuid or oid of its
   * full URL) by their {@code urn:uuid:} or {@code urn:oid:} full URL, the local
   * references ({@code #id}) of contained people, and the ids of contained Patients.
   */
  private record Refs(Map<String, String> uuidPatients, Set<String> localPeople, Set<String> localPatients) {}

  /**
   * Returns a copy of {@code fhirJson} without direct identifiers, as compact UTF-8 JSON.
   *
   * @param pseudonymize maps a Patient id to the pseudonym to use instead
   * @throws MalformedEncodingException if the input is not a FHIR JSON object, or if a field this
   *     class rewrites or judges by its text (a resource type, a Patient's id, a person's birth or
   *     death date, an address's state or country, a reference, full URL, request URL, response
   *     location or extension URL) is not the JSON string FHIR defines: it would pass unread
   */
  public static byte[] deidentify(byte[] fhirJson, UnaryOperator<String> pseudonymize) {
    Objects.requireNonNull(pseudonymize, "pseudonymize");
    Map<String, Object> root = Json.asObject(Json.parse(new java.io.ByteArrayInputStream(fhirJson)), "FHIR resource");
    if (!(root.get("resourceType") instanceof String)) {
      throw new MalformedEncodingException("a FHIR resource needs a resourceType");
    }
    Refs refs = new Refs(new LinkedHashMap<>(), new java.util.HashSet<>(), new java.util.HashSet<>());
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
      if (m.get("contained") instanceof List<?> contained) {
        for (Object c : contained) {
          if (c instanceof Map<?, ?> r && r.get("resourceType") instanceof String t && PEOPLE.contains(t)
              && r.get("id") instanceof String id) {
            out.localPeople().add("#" + id);
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
    boolean person = PEOPLE.contains(type);
    boolean relative = type.equals("FamilyMemberHistory");
    Map<String, Object> out = new LinkedHashMap<>();
    for (Map.Entry<String, Object> e : r.entrySet()) {
      String k = e.getKey();
      Object v = e.getValue();
      if (identifierKey(k) || k.equals("telecom") || k.equals("photo")
          || (k.equals("subscriberId") && type.equals("Coverage")) || unreadable(k, v, r)
          || (type.equals("Device") && (k.equals("serialNumber") || k.equals("udiCarrier")))) {
        continue;
      }
      if (person && (k.equals("name") || k.equals("contact"))) {
        continue;
      }
      if (relative && (k.equals("name") || k.equals("bornString") || k.equals("bornPeriod")
          || k.equals("deceasedString"))) {
        continue; // the relative's name, and dates this class cannot cut to the year
      }
      if (k.equals("text") && v instanceof Map<?, ?> tm && tm.containsKey("div")) {
        continue;
      }
      if ((person && (k.equals("birthDate") || k.equals("deceasedDateTime")))
          || (relative && (k.equals("bornDate") || k.equals("deceasedDate")))) {
        String s = string(v, k);
        out.put(k, s.length() >= 4 ? s.substring(0, 4) : s);
        continue;
      }
      if (person && k.equals("address")) {
        out.put(k, coarseAddresses(v));
        continue;
      }
      if (k.equals("id") && type.equals("Patient")) {
        out.put(k, pz.apply(string(v, "a Patient's id")));
        continue;
      }
      out.put(k, value(k, v, pz, refs));
    }
    return out;
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

  @SuppressWarnings("unchecked")
  private static Object value(String key, Object v, UnaryOperator<String> pz, Refs refs) {
    if (v instanceof Map<?, ?> m0) {
      Map<String, Object> m = (Map<String, Object>) m0;
      if (m.containsKey("resourceType")) {
        string(m.get("resourceType"), "a resourceType");
        return resource(m, pz, refs);
      }
      Map<String, Object> out = new LinkedHashMap<>();
      boolean personRef = namesPerson(m, refs);
      for (Map.Entry<String, Object> e : m.entrySet()) {
        String k = e.getKey();
        Object x = e.getValue();
        if (personRef && k.equals("display")) {
          continue;
        }
        if (identifierKey(k) || k.equals("telecom") || (key.equals("note") && k.equals("authorString"))
            || unreadable(k, x, m)) {
          continue;
        }
        if (key.equals("accident") && k.equals("locationAddress")) {
          if (!(x instanceof Map<?, ?> a)) {
            throw new MalformedEncodingException("an accident's locationAddress must be a JSON object");
          }
          out.put(k, coarseAddress(a)); // a Claim's or ExplanationOfBenefit's, often the patient's home
          continue;
        }
        if (key.equals("request") && k.equals("ifNoneExist")) {
          continue; // a search, such as identifier=<system>|<MRN>
        }
        if (key.equals("request") && k.equals("url")) {
          String s = string(x, "a request's url");
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
        out.put(k, value(k, x, pz, refs));
      }
      return out;
    }
    if (v instanceof List<?> l) {
      List<Object> out = new ArrayList<>();
      for (Object x : l) {
        if ((key.equals("extension") || key.equals("modifierExtension")) && x instanceof Map<?, ?> ext
            && identifyingExtension(ext)) {
          continue;
        }
        out.add(value(key, x, pz, refs));
      }
      return out;
    }
    return v;
  }

  /**
   * Whether {@code m}, a reference, may point at a person, so its display is a name: by its
   * {@code reference} (a person's type, a Patient entry's full URL, a contained person, a
   * conditional reference searching a person's type, a person's reference followed by a query)
   * or, without one, by its {@code type}; a display without either (a reference by display or
   * identifier alone) is taken as a person's. A Coding ({@code system} or {@code code}) is not a
   * reference.
   */
  private static boolean namesPerson(Map<String, Object> m, Refs refs) {
    if (m.get("reference") instanceof String ref) {
      int q = ref.indexOf('?');
      if (q >= 0) {
        String path = ref.substring(0, q);
        return PEOPLE.contains(path.substring(path.lastIndexOf('/') + 1))
            || isPersonReference(path, refs.uuidPatients());
      }
      return refs.localPeople().contains(ref) || isPersonReference(ref, refs.uuidPatients());
    }
    if (m.containsKey("system") || m.containsKey("code")) {
      return false;
    }
    if (m.get("type") instanceof String type) {
      String last = type.substring(type.lastIndexOf('/') + 1);
      return PEOPLE.contains(last);
    }
    return m.containsKey("display");
  }

  private static boolean identifyingExtension(Map<?, ?> ext) {
    if (ext.containsKey("url") && IDENTIFYING_EXTENSIONS.contains(string(ext.get("url"), "an extension's url"))) {
      return true;
    }
    for (Object k : ext.keySet()) {
      if (IDENTIFYING_VALUE_KEYS.contains(k)) {
        return true;
      }
    }
    return false;
  }

  /**
   * Whether a member named {@code k} holds an identifier: {@code identifier}, and those under other
   * names (a specimen's {@code accessionIdentifier}, a document's {@code masterIdentifier}, an
   * encounter's {@code preAdmissionIdentifier}, a request's {@code groupIdentifier} and
   * {@code requisition}, a device's {@code deviceIdentifier}).
   */
  private static boolean identifierKey(String k) {
    return k.equals("identifier") || k.endsWith("Identifier") || k.equals("requisition");
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

  private static boolean isPersonReference(String ref, Map<String, String> uuids) {
    if (uuids.containsKey(ref)) {
      return true;
    }
    for (String p : PERSON_REFERENCE_TYPES) {
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
