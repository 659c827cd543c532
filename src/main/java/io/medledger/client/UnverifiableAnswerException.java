package io.medledger.client;

import io.medledger.MedLedgerException;

/**
 * A node answered with a proof that does not verify against the ledger's headers, or with an
 * answer its own proof contradicts (an index leaving out entries the proof holds). The node is
 * lying, or its state is damaged; nothing of the answer is used. Asking another node may succeed.
 *
 * <p>Instances are immutable once thrown and may be shared between threads.
 */
public class UnverifiableAnswerException extends MedLedgerException {
  private static final long serialVersionUID = 1L;

  /** Creates the exception. @param message what was asked and why the answer was refused */
  public UnverifiableAnswerException(String message) {
    super(message);
  }
}
