package io.medledger.chain;

import io.medledger.crypto.Digest;
import java.util.List;
import java.util.Locale;

/**
 * What a grant covers: every record of the patient, the records of some FHIR resource types, or
 * some records by entry id (which also covers their later amendments). Lists are sorted and
 * distinct, so that equal scopes encode to equal bytes.
 *
 * <p>Immutable and thread-safe.
 *
 * @param kind the form of the scope
 * @param resourceTypes the types, for {@link Kind#RESOURCE_TYPES}; empty otherwise
 * @param records the record entry ids, for {@link Kind#RECORDS}; empty otherwise
 */
public record AccessScope(Kind kind, List<String> resourceTypes, List<Digest> records) {
  /** The forms of scope; the ordinal is the binary code. */
  public enum Kind {
    /** All of the patient's records. */
    ALL,
    /** Records of the listed resource types. */
    RESOURCE_TYPES,
    /** The listed records (and their amendments). */
    RECORDS;

    static final List<String> LABELS = List.of("all", "resource_types", "records");

    /** The JSON label. */
    public String label() {
      return name().toLowerCase(Locale.ROOT);
    }
  }

  /** Validates the scope. */
  public AccessScope {
    Checks.notNull(kind, "kind");
    resourceTypes = Checks.sortedDistinct(resourceTypes, "resourceTypes", Limits.MAX_SCOPE_ITEMS);
    records = Checks.sortedDistinct(records, "records", Limits.MAX_SCOPE_ITEMS);
    resourceTypes.forEach(Checks::resourceType);
    if ((kind == Kind.RESOURCE_TYPES) == resourceTypes.isEmpty()
        || (kind == Kind.RECORDS) == records.isEmpty()) {
      throw new IllegalArgumentException("a scope lists items exactly when its kind needs them");
    }
  }

  /** Every record of the patient. */
  public static AccessScope all() {
    return new AccessScope(Kind.ALL, List.of(), List.of());
  }

  /** Records of these resource types (sorted for you). */
  public static AccessScope resourceTypes(String... types) {
    return new AccessScope(Kind.RESOURCE_TYPES, java.util.Arrays.stream(types).sorted().distinct().toList(), List.of());
  }

  /** These records (sorted for you). */
  public static AccessScope records(Digest... ids) {
    return new AccessScope(Kind.RECORDS, List.of(), java.util.Arrays.stream(ids).sorted().distinct().toList());
  }

  /**
   * Whether the scope covers a record of {@code resourceType} whose lineage (its own id, then
   * the ids of the records it amends, back to the original) is {@code lineage}.
   */
  public boolean covers(String resourceType, List<Digest> lineage) {
    switch (kind) {
      case ALL:
        return true;
      case RESOURCE_TYPES:
        return resourceTypes.contains(resourceType);
      default:
        for (Digest d : lineage) {
          if (java.util.Collections.binarySearch(records, d) >= 0) {
            return true;
          }
        }
        return false;
    }
  }

  /** How many resource types and records the scope lists. */
  int items() {
    return resourceTypes.size() + records.size();
  }

  /**
   * As {@link #covers(String, List)}, given the lineage as a set: in time linear in the scope's
   * items, not in their number times the lineage's length.
   */
  boolean coversAny(String resourceType, java.util.Set<Digest> lineage) {
    if (kind != Kind.RECORDS) {
      return covers(resourceType, List.of()); // which reads no lineage for these kinds
    }
    for (Digest d : records) {
      if (lineage.contains(d)) {
        return true;
      }
    }
    return false;
  }
}
