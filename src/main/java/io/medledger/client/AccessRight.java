package io.medledger.client;

/**
 * The right an {@link AccessRefusedException} names as missing. {@link #label()} is the short
 * name printed in messages (stable: demo output and logs quote it). Thread-safe (an enum).
 */
public enum AccessRight {
  /** A final access event, under a grant, that the proxy can find on its ledger. */
  ACCESS_EVENT("access-event"),
  /** An unrevoked, unexpired grant. */
  ACTIVE_GRANT("active-grant"),
  /** A reader of a kind the grant's purpose allows. */
  READER_ROLE("reader-role"),
  /** Being the grantee (or, for a proxy, affiliated with the grantee institution). */
  GRANTEE("grantee"),
  /** An existing record. */
  RECORD("record"),
  /** Owning the record (the patient's own data). */
  RECORD_OWNER("record-owner"),
  /** An active treatment grant covering the record or resource type. */
  TREATMENT_GRANT("treatment-grant"),
  /** An active research grant covering the record. */
  RESEARCH_GRANT("research-grant"),
  /** Published keys of the other party. */
  KEY_CARD("key-card"),
  /** A de-identified copy, the only form ever shared for research. */
  DEIDENTIFIED_COPY("deidentified-copy"),
  /** Acting as an active regulator. */
  REGULATOR_ROLE("role:regulator"),
  /** Being the patient, an auditor or a regulator, to see an access trail. */
  AUDIT_TRAIL("audit-trail"),
  /** Being the patient, an auditor or a regulator, to list a patient's grants. */
  GRANT_LIST("grant-list"),
  /** Being an active participant on the ledger (or a client key the node's configuration lists). */
  PARTICIPANT("participant");

  private final String label;

  AccessRight(String label) {
    this.label = label;
  }

  /** The short name, for example {@code treatment-grant}. */
  public String label() {
    return label;
  }

  /** The {@link #label()}. */
  @Override
  public String toString() {
    return label;
  }
}
