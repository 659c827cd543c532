package io.medledger.chain;

import java.util.List;
import java.util.Locale;

/** The kinds of ledger entry; the ordinal is the binary code. Thread-safe (an enum). */
public enum EntryKind {
  /** {@link MedicalRecord}. */
  RECORD,
  /** {@link AccessGrant}. */
  ACCESS_GRANT,
  /** {@link AccessRevocation}. */
  ACCESS_REVOCATION,
  /** {@link AccessEvent}. */
  ACCESS_EVENT,
  /** {@link PatientRegistration}. */
  PATIENT_REGISTRATION,
  /** {@link InstitutionRegistration}. */
  INSTITUTION_REGISTRATION,
  /** {@link AffiliateRegistration}. */
  AFFILIATE_REGISTRATION,
  /** {@link MembershipChange}. */
  MEMBERSHIP_CHANGE,
  /** {@link Anchor}. */
  ANCHOR,
  /** {@link Evidence}. */
  EVIDENCE,
  /** {@link AffiliateRemoval}. */
  AFFILIATE_REMOVAL,
  /** {@link RecordErasure}. */
  RECORD_ERASURE,
  /** {@link KeyPublication}. */
  KEY_PUBLICATION,
  /** {@link WitnessChange}. */
  WITNESS_CHANGE,
  /** {@link InstitutionRemoval}. */
  INSTITUTION_REMOVAL;

  private static final List<String> LABELS = java.util.Arrays.stream(values()).map(EntryKind::label).toList();

  /** The lowercase JSON label. */
  public String label() {
    return name().toLowerCase(Locale.ROOT);
  }

  static List<String> labels() {
    return LABELS;
  }
}
