package io.medledger.client;

import io.medledger.MedLedgerException;

/**
 * A walk over every page of a query (all the grants of a patient, all the records matching a
 * query, an audit trail, the grants an erasure lists) passed one of its bounds: the items or
 * their bytes held, the pages asked for, or the time taken. A node that answers with endless
 * pages, each valid on its own, ends here rather than in a client asking forever or filling its
 * memory; a ledger that really holds more is read page by page instead.
 */
public class QueryLimitException extends MedLedgerException {
  private static final long serialVersionUID = 1L;

  /** Creates the exception. @param message which bound was passed, and by what */
  public QueryLimitException(String message) {
    super(message);
  }
}
