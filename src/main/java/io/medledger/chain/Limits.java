package io.medledger.chain;

/**
 * Size limits of the canonical encodings; decoders reject anything larger before allocating.
 *
 * <p>Constants only; thread-safe.
 */
public final class Limits {
  private Limits() {}

  /** Largest encoded entry. */
  public static final int MAX_ENTRY_BYTES = 1 << 20;
  /** Largest encoded block (header, entries, certificate). */
  public static final int MAX_BLOCK_BYTES = 64 << 20;
  /** Most entries in one block. */
  public static final int MAX_BLOCK_ENTRIES = 100_000;
  /** Most signatures on one entry. */
  public static final int MAX_ENDORSEMENTS = 128;
  /** Most signatures in one certificate. */
  public static final int MAX_CERTIFICATE_SIGNATURES = 1024;
  /** Largest opaque consensus data in a header. */
  public static final int MAX_CONSENSUS_DATA = 4096;
  /** Largest opaque encryption metadata of a record. */
  public static final int MAX_ENCRYPTION_METADATA = 64 << 10;
  /** Most storage nodes listed by one record. */
  public static final int MAX_STORAGE_NODES = 32;
  /** Most proxies (and key fragments) in one grant. */
  public static final int MAX_PROXIES = 64;
  /** Largest key fragment. */
  public static final int MAX_KEY_FRAGMENT = 4096;
  /** Most resource types or records in one grant scope. */
  public static final int MAX_SCOPE_ITEMS = 1024;
  /** Largest signed message quoted by evidence. */
  public static final int MAX_EVIDENCE_MESSAGE = 64 << 10;
  /** Largest institution name in bytes. */
  public static final int MAX_NAME_BYTES = 256;
  /** Most witnesses a chain lists at once. */
  public static final int MAX_WITNESSES = 32;
  /** Longest FHIR resource type. */
  public static final int MAX_RESOURCE_TYPE = 64;
  /**
   * Most records in an amendment lineage: a record and those it amends, back to the first. The
   * ledger keeps each record's lineage, so without a bound a chain of n amendments would cost the
   * state n squared digests.
   */
  public static final int MAX_AMENDMENT_DEPTH = 256;
  /**
   * Most grants a patient holds that it has not revoked (expired ones included): every record a
   * clinician writes for the patient is checked against each of them, so without a bound a patient's
   * history of grants would make each such record cost every node a walk over all of them.
   */
  public static final int MAX_OPEN_GRANTS = 256;
  /**
   * Most resource types and records the scopes of a patient's unrevoked grants list together: each
   * record a clinician writes for the patient is checked against them, so without a bound each such
   * record would cost every node {@link #MAX_OPEN_GRANTS} times {@link #MAX_SCOPE_ITEMS} comparisons.
   */
  public static final int MAX_OPEN_GRANT_SCOPE_ITEMS = 4096;
}
