package io.medledger.client;

import io.medledger.MedLedgerException;

/**
 * One node gave an answer that the client does not take on one node's word, and no other node
 * confirmed it in time: a submitted entry reported final at a place on the ledger (the node may
 * have never passed it on, such as a revocation the patient then believes in force), or a block
 * header a proof is checked against (the node may have forged both), or a patient's history, a page
 * of it or an index page at a height more than the allowed lag below the height f + 1 nodes report
 * (it may hide the entries since; f is how many faulty nodes the connection's nodes tolerate), or a
 * point read that gates a decision (whether a grant is active or revoked, a record erased, a
 * participant active, that an entry or key card does not exist) that too few nodes at or above that
 * height answer alike, or a read that needs that height while too few nodes report one. Either that node is lying or the others lag. For a submission, whether the entry is on the ledger is unknown; look it up later
 * (for example {@link LedgerConnection#entry}) before submitting again.
 */
public class UnconfirmedAnswerException extends MedLedgerException {
  private static final long serialVersionUID = 1L;

  /** Creates the exception. @param message which node reported what, and what the others said */
  public UnconfirmedAnswerException(String message) {
    super(message);
  }
}
