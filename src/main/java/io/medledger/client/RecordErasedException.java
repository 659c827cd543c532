package io.medledger.client;

import io.medledger.MedLedgerException;
import io.medledger.crypto.Digest;

/** The payload of a record was erased: its copies and keys are gone, only the ledger's metadata is left. */
public class RecordErasedException extends MedLedgerException {
  private static final long serialVersionUID = 1L;
  private final transient Digest record;

  /** Creates the exception for record {@code record}. */
  public RecordErasedException(Digest record) {
    super("the payload of record " + record + " was erased");
    this.record = record;
  }

  /** The erased record's entry id. */
  public Digest record() {
    return record;
  }
}
