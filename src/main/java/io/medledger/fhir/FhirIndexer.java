package io.medledger.fhir;

import io.medledger.codec.MalformedEncodingException;
import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.core.exc.StreamConstraintsException;
import java.io.ByteArrayInputStream;
import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Extracts, from a FHIR R4 JSON resource or Bundle, the fields a record entry needs: resource
 * type, id, the Patient it is about and its effective date. Reads the input once with
 * jackson-core's streaming parser; nothing but the extracted fields is kept.
 *
 * <p><b>Which resources.</b> The result lists, in document order, the top-level resource and,
 * for a Bundle, each {@code entry[].resource} right after the Bundle itself (entries without a
 * {@code resource}, such as DELETE or GET requests of a transaction, list nothing). A Bundle
 * inside a Bundle is listed like any entry and followed by its own entries. Contained resources
 * ({@code contained}) are part of their container and are not listed.
 *
 * <p><b>Patient.</b> For a Patient: its {@code id}; if it has none, its entry's {@code fullUrl}
 * when that is a {@code urn:uuid:}/{@code urn:oid:} (the only identity the Bundle gives it) or
 * ends in {@code Patient/<id>}. For any other resource: the first of {@code subject},
 * {@code patient}, {@code beneficiary}, {@code individual} (in that order) whose
 * {@code reference} points to a Patient, where a reference points to a Patient when it is
 * {@code Patient/<id>} or an absolute URL ending in {@code /Patient/<id>} (an {@code
 * /_history/<version>} suffix is allowed; the result is {@code <id>}, the server base is not
 * kept), or a {@code urn:uuid:}/{@code urn:oid:} that the enclosing Bundle (or an enclosing outer
 * Bundle) maps through an entry's {@code fullUrl} to a Patient (the result is that Patient's
 * identity as above, forward references included). References to contained resources
 * ({@code #id}), logical references by identifier and anything else give null.
 *
 * <p><b>Date.</b> The first present, as written, of a per-type list of top-level fields
 * ({@code x.start} is the {@code start} of Period {@code x}); see {@link #dateFields(String)}.
 * For example Observation: effectiveDateTime, effectivePeriod.start, effectiveInstant, issued;
 * Encounter: period.start; Patient: birthDate; types not in the table: effectiveDateTime,
 * effectivePeriod.start, occurrenceDateTime, occurrencePeriod.start, performedDateTime,
 * performedPeriod.start, onsetDateTime, onsetPeriod.start, authoredOn, issued, recordedDate,
 * period.start, created, date.
 *
 * <p><b>Input.</b> UTF-8 JSON, a leading byte-order mark is skipped; UTF-16/32 input, invalid
 * JSON, duplicate keys, a root that is not an object, a resource without a string
 * {@code resourceType}, a non-string {@code id} or {@code fullUrl}, a non-array Bundle
 * {@code entry}, trailing content, input over the size limit or nested deeper than the depth
 * limit are rejected with {@link MalformedEncodingException}; its message gives the position, not
 * the content (which is medical data).
 *
 * <p>Thread-safe and immutable.
 */
public final class FhirIndexer {
  /** Default size limit: 64 MiB. */
  public static final long DEFAULT_MAX_BYTES = 64L << 20;
  /** Default nesting limit (objects and arrays): 100. */
  public static final int DEFAULT_MAX_DEPTH = 100;

  private static final List<String> PATIENT_FIELDS = List.of("subject", "patient", "beneficiary", "individual");
  private static final List<String> DEFAULT_DATES = List.of("effectiveDateTime", "effectivePeriod.start",
      "occurrenceDateTime", "occurrencePeriod.start", "performedDateTime", "performedPeriod.start",
      "onsetDateTime", "onsetPeriod.start", "authoredOn", "issued", "recordedDate", "period.start", "created", "date");
  private static final Map<String, List<String>> DATES = Map.ofEntries(
      Map.entry("Observation", List.of("effectiveDateTime", "effectivePeriod.start", "effectiveInstant", "issued")),
      Map.entry("DiagnosticReport", List.of("effectiveDateTime", "effectivePeriod.start", "issued")),
      Map.entry("Condition", List.of("onsetDateTime", "onsetPeriod.start", "recordedDate")),
      Map.entry("AllergyIntolerance", List.of("onsetDateTime", "onsetPeriod.start", "recordedDate")),
      Map.entry("Procedure", List.of("performedDateTime", "performedPeriod.start")),
      Map.entry("MedicationRequest", List.of("authoredOn")),
      Map.entry("MedicationStatement", List.of("effectiveDateTime", "effectivePeriod.start", "dateAsserted")),
      Map.entry("MedicationAdministration", List.of("effectiveDateTime", "effectivePeriod.start")),
      Map.entry("MedicationDispense", List.of("whenHandedOver", "whenPrepared")),
      Map.entry("Immunization", List.of("occurrenceDateTime", "recorded")),
      Map.entry("Encounter", List.of("period.start")),
      Map.entry("EpisodeOfCare", List.of("period.start")),
      Map.entry("CarePlan", List.of("period.start", "created")),
      Map.entry("CareTeam", List.of("period.start")),
      Map.entry("Goal", List.of("startDate", "statusDate")),
      Map.entry("Claim", List.of("billablePeriod.start", "created")),
      Map.entry("ExplanationOfBenefit", List.of("billablePeriod.start", "created")),
      Map.entry("Coverage", List.of("period.start")),
      Map.entry("ServiceRequest", List.of("occurrenceDateTime", "occurrencePeriod.start", "authoredOn")),
      Map.entry("ImagingStudy", List.of("started")),
      Map.entry("Specimen", List.of("receivedTime")),
      Map.entry("RiskAssessment", List.of("occurrenceDateTime", "occurrencePeriod.start")),
      Map.entry("ClinicalImpression", List.of("effectiveDateTime", "effectivePeriod.start", "date")),
      Map.entry("FamilyMemberHistory", List.of("date")),
      Map.entry("Communication", List.of("sent", "received")),
      Map.entry("QuestionnaireResponse", List.of("authored")),
      Map.entry("DocumentReference", List.of("date")),
      Map.entry("Composition", List.of("date")),
      Map.entry("Consent", List.of("dateTime")),
      Map.entry("Provenance", List.of("occurredDateTime", "occurredPeriod.start", "recorded")),
      Map.entry("Patient", List.of("birthDate")),
      Map.entry("Bundle", List.of("timestamp")));
  private static final Set<String> STRING_DATE_FIELDS;
  private static final Set<String> PERIOD_FIELDS;

  static {
    Set<String> strings = new java.util.HashSet<>();
    Set<String> periods = new java.util.HashSet<>();
    List<List<String>> all = new ArrayList<>(DATES.values());
    all.add(DEFAULT_DATES);
    for (List<String> l : all) {
      for (String f : l) {
        if (f.endsWith(".start")) {
          periods.add(f.substring(0, f.length() - ".start".length()));
        } else {
          strings.add(f);
        }
      }
    }
    STRING_DATE_FIELDS = Set.copyOf(strings);
    PERIOD_FIELDS = Set.copyOf(periods);
  }

  private static final Pattern PATIENT_REF =
      Pattern.compile("(?:https?://[^/\\s]+(?:/[^/\\s]+)*/)?Patient/([A-Za-z0-9\\-.]{1,64})(?:/_history/[A-Za-z0-9\\-.]{1,64})?");

  private final long maxBytes;
  private final int maxDepth;
  private final JsonFactory factory;

  /** An indexer with {@link #DEFAULT_MAX_BYTES} and {@link #DEFAULT_MAX_DEPTH}. */
  public FhirIndexer() {
    this(DEFAULT_MAX_BYTES, DEFAULT_MAX_DEPTH);
  }

  /**
   * An indexer with the given limits.
   *
   * @param maxBytes the largest input accepted, in bytes (at least 2)
   * @param maxDepth the deepest nesting of JSON objects and arrays accepted (at least 4)
   */
  public FhirIndexer(long maxBytes, int maxDepth) {
    if (maxBytes < 2) {
      throw new IllegalArgumentException("maxBytes must be at least 2: " + maxBytes);
    }
    if (maxDepth < 4) {
      throw new IllegalArgumentException("maxDepth must be at least 4: " + maxDepth);
    }
    this.maxBytes = maxBytes;
    this.maxDepth = maxDepth;
    this.factory = JsonFactory.builder()
        .streamReadConstraints(StreamReadConstraints.builder()
            .maxNestingDepth(maxDepth)
            .maxDocumentLength(maxBytes)
            .build())
        .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION)
        .disable(StreamReadFeature.AUTO_CLOSE_SOURCE)
        .build();
  }

  /** The size limit in bytes. */
  public long maxBytes() {
    return maxBytes;
  }

  /** The nesting limit. */
  public int maxDepth() {
    return maxDepth;
  }

  /** The date fields tried, in order, for a resource of type {@code resourceType}. */
  public static List<String> dateFields(String resourceType) {
    return DATES.getOrDefault(resourceType, DEFAULT_DATES);
  }

  /**
   * Indexes one FHIR JSON document.
   *
   * @return the resources in document order (unmodifiable)
   * @throws MalformedEncodingException if the input is not an acceptable FHIR JSON document
   */
  public List<FhirResourceInfo> index(byte[] json) {
    Objects.requireNonNull(json, "json");
    if (json.length > maxBytes) {
      throw new MalformedEncodingException("FHIR input of " + json.length + " bytes exceeds the limit of " + maxBytes);
    }
    try {
      return index(new ByteArrayInputStream(json));
    } catch (IOException e) {
      throw new java.io.UncheckedIOException(e); // a byte array does not fail to read
    }
  }

  /**
   * Indexes one FHIR JSON document read from {@code in} (not closed), reading at most
   * {@link #maxBytes()} + 1 bytes.
   *
   * @return the resources in document order (unmodifiable)
   * @throws MalformedEncodingException if the input is not an acceptable FHIR JSON document
   * @throws IOException if reading {@code in} fails
   */
  public List<FhirResourceInfo> index(InputStream in) throws IOException {
    Objects.requireNonNull(in, "in");
    Bounded bounded = new Bounded(in, maxBytes);
    InputStream body = skipBomAndCheckEncoding(bounded);
    try (JsonParser p = factory.createParser(body)) {
      Run run = new Run(p);
      JsonToken t = p.nextToken();
      if (t == null) {
        throw new MalformedEncodingException("empty FHIR input");
      }
      if (t != JsonToken.START_OBJECT) {
        throw new MalformedEncodingException("FHIR JSON must be an object, found " + t.asString());
      }
      run.resource(null);
      if (p.nextToken() != null) {
        throw new MalformedEncodingException("trailing content after the FHIR resource at " + where(p.currentTokenLocation()));
      }
      return run.finish();
    } catch (SizeExceeded e) {
      throw new MalformedEncodingException("FHIR input exceeds the limit of " + maxBytes + " bytes");
    } catch (StreamConstraintsException e) {
      throw new MalformedEncodingException("FHIR input exceeds a parser limit (nesting depth " + maxDepth
          + ", size " + maxBytes + " bytes) at " + where(e.getLocation()));
    } catch (JsonProcessingException e) {
      // the parser's own message may quote the input (medical data): give the position only
      throw new MalformedEncodingException("invalid JSON in FHIR input at " + where(e.getLocation()));
    }
  }

  private static String where(JsonLocation l) {
    if (l == null) {
      return "an unknown position";
    }
    return "line " + l.getLineNr() + ", column " + l.getColumnNr() + " (byte " + l.getByteOffset() + ")";
  }

  /**
   * {@code in} past a UTF-8 byte-order mark, refusing UTF-16/32 input (which jackson would detect
   * and read) with {@link MalformedEncodingException}: FHIR JSON is UTF-8.
   */
  static InputStream skipBomAndCheckEncoding(InputStream in) throws IOException {
    java.io.PushbackInputStream pb = new java.io.PushbackInputStream(in, 4);
    byte[] head = new byte[4];
    int n = pb.readNBytes(head, 0, 4);
    int from = 0;
    if (n >= 3 && (head[0] & 0xff) == 0xEF && (head[1] & 0xff) == 0xBB && (head[2] & 0xff) == 0xBF) {
      from = 3;
    } else {
      for (int i = 0; i < n; i++) {
        if (head[i] == 0) {
          throw new MalformedEncodingException("FHIR JSON must be UTF-8 (found a UTF-16/32 encoding)");
        }
      }
      if (n >= 2 && ((head[0] & 0xff) == 0xFE || (head[0] & 0xff) == 0xFF)) {
        throw new MalformedEncodingException("FHIR JSON must be UTF-8 (found a UTF-16 byte-order mark)");
      }
    }
    pb.unread(head, from, n - from);
    return pb;
  }

  /** Thrown by {@link Bounded} when the input passes the limit. */
  private static final class SizeExceeded extends IOException {
    private static final long serialVersionUID = 1L;

    SizeExceeded() {
      super("input too large");
    }
  }

  /** Fails once more than {@code limit} bytes have been read. */
  private static final class Bounded extends FilterInputStream {
    private long left;

    Bounded(InputStream in, long limit) {
      super(in);
      this.left = limit;
    }

    @Override
    public int read() throws IOException {
      int b = super.read();
      if (b >= 0 && --left < 0) {
        throw new SizeExceeded();
      }
      return b;
    }

    @Override
    public int read(byte[] b, int off, int len) throws IOException {
      int n = super.read(b, off, (int) Math.min(len, left < Integer.MAX_VALUE ? left + 1 : Integer.MAX_VALUE));
      if (n > 0) {
        left -= n;
        if (left < 0) {
          throw new SizeExceeded();
        }
      }
      return n;
    }

    @Override
    public long skip(long n) throws IOException {
      long k = super.skip(Math.min(n, left < Long.MAX_VALUE ? left + 1 : Long.MAX_VALUE));
      left -= k;
      if (left < 0) {
        throw new SizeExceeded();
      }
      return k;
    }

    @Override
    public boolean markSupported() {
      return false;
    }
  }

  /** A Bundle's map from entry fullUrl to the entry's resource; nested Bundles chain outwards. */
  private static final class Scope {
    final Scope parent;
    final Map<String, Found> byFullUrl = new HashMap<>();

    Scope(Scope parent) {
      this.parent = parent;
    }
  }

  /** What one resource yielded, resolved into a {@link FhirResourceInfo} at the end. */
  private static final class Found {
    final Scope scope;
    String type;
    String id;
    String fullUrl;
    final String[] refs = new String[PATIENT_FIELDS.size()];
    final Map<String, String> dates = new HashMap<>(4);

    Found(Scope scope) {
      this.scope = scope;
    }
  }

  /** One parse. */
  private static final class Run {
    final JsonParser p;
    final List<Found> found = new ArrayList<>();

    Run(JsonParser p) {
      this.p = p;
    }

    /** Reads a resource object (current token START_OBJECT) in Bundle scope {@code scope}. */
    Found resource(Scope scope) throws IOException {
      int slot = found.size();
      Found f = new Found(scope);
      found.add(f);
      boolean hadEntries = false;
      boolean badEntry = false;
      JsonToken t;
      while ((t = p.nextToken()) == JsonToken.FIELD_NAME) {
        String name = p.currentName();
        JsonToken v = p.nextToken();
        switch (name) {
          case "resourceType":
            f.type = string(v, "resourceType");
            if (f.type.isEmpty()) {
              throw new MalformedEncodingException("empty resourceType at " + where(p.currentTokenLocation()));
            }
            break;
          case "id":
            f.id = string(v, "id");
            break;
          case "entry":
            if (v == JsonToken.START_ARRAY) {
              entries(new Scope(scope));
              hadEntries = true;
            } else {
              badEntry = true;
              p.skipChildren();
            }
            break;
          default:
            int ref = PATIENT_FIELDS.indexOf(name);
            if (ref >= 0 && v == JsonToken.START_OBJECT) {
              f.refs[ref] = member("reference");
            } else if (STRING_DATE_FIELDS.contains(name) && v == JsonToken.VALUE_STRING) {
              f.dates.put(name, p.getText());
            } else if (PERIOD_FIELDS.contains(name) && v == JsonToken.START_OBJECT) {
              String start = member("start");
              if (start != null) {
                f.dates.put(name + ".start", start);
              }
            } else {
              p.skipChildren(); // contained resources, extensions, narrative, everything else
            }
        }
      }
      if (t != JsonToken.END_OBJECT) {
        throw new MalformedEncodingException("unterminated FHIR resource");
      }
      if (f.type == null) {
        throw new MalformedEncodingException("FHIR resource without a resourceType ending at " + where(p.currentTokenLocation()));
      }
      if (badEntry && f.type.equals("Bundle")) {
        throw new MalformedEncodingException("Bundle entry must be an array in the Bundle ending at " + where(p.currentTokenLocation()));
      }
      if (hadEntries && !f.type.equals("Bundle")) {
        // only a Bundle's entries hold resources (a List's entries hold references)
        found.subList(slot + 1, found.size()).clear();
      }
      return f;
    }

    /** Reads a Bundle's entry array (current token START_ARRAY). */
    void entries(Scope scope) throws IOException {
      JsonToken t;
      while ((t = p.nextToken()) != JsonToken.END_ARRAY) {
        if (t != JsonToken.START_OBJECT) {
          throw new MalformedEncodingException("Bundle entry must be an object at " + where(p.currentTokenLocation()));
        }
        String fullUrl = null;
        Found res = null;
        while ((t = p.nextToken()) == JsonToken.FIELD_NAME) {
          String name = p.currentName();
          JsonToken v = p.nextToken();
          if (name.equals("fullUrl")) {
            fullUrl = string(v, "fullUrl");
          } else if (name.equals("resource")) {
            if (v != JsonToken.START_OBJECT) {
              throw new MalformedEncodingException("Bundle entry resource must be an object at " + where(p.currentTokenLocation()));
            }
            res = resource(scope);
          } else {
            p.skipChildren();
          }
        }
        if (res != null && fullUrl != null) {
          res.fullUrl = fullUrl;
          scope.byFullUrl.putIfAbsent(fullUrl, res);
        }
      }
    }

    /** Reads an object (current token START_OBJECT) and returns its string member {@code key}, if any. */
    String member(String key) throws IOException {
      String value = null;
      while (p.nextToken() == JsonToken.FIELD_NAME) {
        String name = p.currentName();
        JsonToken v = p.nextToken();
        if (name.equals(key) && v == JsonToken.VALUE_STRING) {
          value = p.getText();
        } else {
          p.skipChildren();
        }
      }
      return value;
    }

    String string(JsonToken v, String what) throws IOException {
      if (v != JsonToken.VALUE_STRING) {
        throw new MalformedEncodingException(what + " must be a string at " + where(p.currentTokenLocation()));
      }
      return p.getText();
    }

    List<FhirResourceInfo> finish() {
      List<FhirResourceInfo> out = new ArrayList<>(found.size());
      for (Found f : found) {
        out.add(new FhirResourceInfo(f.type, f.id, patientOf(f), dateOf(f)));
      }
      return Collections.unmodifiableList(out);
    }
  }

  private static String dateOf(Found f) {
    for (String field : dateFields(f.type)) {
      String d = f.dates.get(field);
      if (d != null) {
        return d;
      }
    }
    return null;
  }

  private static String patientOf(Found f) {
    if (f.type.equals("Patient")) {
      return identity(f);
    }
    for (String ref : f.refs) {
      if (ref != null) {
        String id = patientReference(ref, f.scope);
        if (id != null) {
          return id;
        }
      }
    }
    return null;
  }

  /** A Patient's identity: its id, else what its entry's fullUrl says. */
  private static String identity(Found patient) {
    if (patient.id != null) {
      return patient.id;
    }
    String u = patient.fullUrl;
    if (u == null) {
      return null;
    }
    if (u.startsWith("urn:uuid:") || u.startsWith("urn:oid:")) {
      return u;
    }
    Matcher m = PATIENT_REF.matcher(u);
    return m.matches() ? m.group(1) : null;
  }

  private static String patientReference(String ref, Scope scope) {
    if (ref.startsWith("urn:uuid:") || ref.startsWith("urn:oid:")) {
      for (Scope s = scope; s != null; s = s.parent) {
        Found target = s.byFullUrl.get(ref);
        if (target != null) {
          return target.type.equals("Patient") ? identity(target) : null;
        }
      }
      return null;
    }
    Matcher m = PATIENT_REF.matcher(ref);
    return m.matches() ? m.group(1) : null;
  }
}
