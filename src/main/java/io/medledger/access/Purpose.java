package io.medledger.access;

import java.util.EnumSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * Why access is granted, and which kinds of participant may read under it. The binding of purpose
 * to reader kind is a closed table, deny by default:
 *
 * <table>
 *   <caption>Who may read under a grant</caption>
 *   <tr><th>purpose</th><th>reader kinds</th><th>grantee kinds</th></tr>
 *   <tr><td>treatment</td><td>clinician</td><td>institution, clinician</td></tr>
 *   <tr><td>research</td><td>researcher</td><td>institution, researcher</td></tr>
 * </table>
 *
 * <p>A grant to an institution lets only its active affiliates of an allowed reader kind read
 * (never the institution's storage nodes, federation or audit servers, nor the institution's own
 * key). Thread-safe (an enum).
 */
public enum Purpose {
  /** Care of the patient: lets clinicians of the grantee (institution) read and write records. */
  TREATMENT(EnumSet.of(ParticipantKind.CLINICIAN)),
  /** Research: read only, and only the de-identified copy sealed by the record's author. */
  RESEARCH(EnumSet.of(ParticipantKind.RESEARCHER));

  private final Set<ParticipantKind> readers;

  Purpose(Set<ParticipantKind> readers) {
    this.readers = java.util.Collections.unmodifiableSet(readers);
  }

  /** The kinds of participant that may read (sign an access event) under a grant of this purpose. */
  public Set<ParticipantKind> readerKinds() {
    return readers;
  }

  /** Whether a participant of {@code kind} may read under a grant of this purpose (deny by default). */
  public boolean allowsReader(ParticipantKind kind) {
    return kind != null && readers.contains(kind);
  }

  /**
   * Whether a grant of this purpose may name a grantee of {@code kind}: an institution (for its
   * allowed affiliates) or a participant of an allowed reader kind.
   */
  public boolean allowsGrantee(ParticipantKind kind) {
    return kind == ParticipantKind.INSTITUTION || allowsReader(kind);
  }

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
