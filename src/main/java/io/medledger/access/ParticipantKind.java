package io.medledger.access;

import java.util.List;
import java.util.Locale;

/** The kinds of participant the ledger knows. Thread-safe (an enum). */
public enum ParticipantKind {
  /** A patient, known on the ledger only by a pseudonym derived from its key. */
  PATIENT,
  /** A clinician, registered under one institution. */
  CLINICIAN,
  /** An institution (hospital, authority, clinic, pharmacy, laboratory) with a class. */
  INSTITUTION,
  /** A researcher, registered under one institution. */
  RESEARCHER,
  /** A regulator, admitted by governance. */
  REGULATOR,
  /** A federation server (bookkeeper, re-encryption proxy), admitted by governance. */
  FEDERATION_SERVER,
  /** An audit server (validates and countersigns blocks), admitted by governance. */
  AUDIT_SERVER,
  /** A storage node holding encrypted payloads, registered under one institution. */
  STORAGE_NODE;

  private static final List<String> LABELS = java.util.Arrays.stream(values()).map(ParticipantKind::label).toList();

  /** The lowercase label used in JSON, for example {@code federation_server}. */
  public String label() {
    return name().toLowerCase(Locale.ROOT);
  }

  /** All labels, indexed by ordinal (the binary code). */
  public static List<String> labels() {
    return LABELS;
  }
}
