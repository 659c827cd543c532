package io.medledger.access;

import java.util.List;
import java.util.Locale;

/** Why access is granted. Thread-safe (an enum). */
public enum Purpose {
  /** Care of the patient: lets the grantee's institution read and write records. */
  TREATMENT,
  /** Research: read only, de-identified by the facade. */
  RESEARCH;

  private static final List<String> LABELS = java.util.Arrays.stream(values()).map(Purpose::label).toList();

  /** The lowercase JSON label. */
  public String label() {
    return name().toLowerCase(Locale.ROOT);
  }

  /** All labels, indexed by ordinal (the binary code). */
  public static List<String> labels() {
    return LABELS;
  }
}
