package io.medledger.storage;

/** What one store holds of one blob ({@link BlobStore#check}). Thread-safe (an enum). */
public enum BlobState {
  /** A copy whose bytes hash to the blob's id. */
  PRESENT,
  /** No copy. */
  MISSING,
  /** A copy whose bytes do not hash to the blob's id. */
  CORRUPT
}
