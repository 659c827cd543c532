package io.medledger.node;

import java.util.Objects;

/**
 * A submitted entry will not become final: a ledger rule refused it (the message is the rule's
 * reason), the node is too busy or closing, or the entry's registrar holds its share of the
 * node's pending registrations. Carried by the failed submission future.
 */
public class SubmissionRefusedException extends NodeException {
  private static final long serialVersionUID = 1L;

  /** Why an entry was refused. */
  public enum Cause {
    /** A ledger rule refused it; {@link #getMessage()} is the rule's reason. */
    RULE,
    /** The node holds its maximum of pending submissions; retry later. */
    BUSY,
    /** The node is shutting down; the entry may still become final elsewhere. */
    CLOSED,
    /** The bytes are not an entry. */
    MALFORMED,
    /**
     * A patient registration whose registrar already has its share of this node's pending
     * registrations waiting ({@code limits.max_pending_per_registrar}); retry once some are final.
     */
    REGISTRAR_SHARE
  }

  private final Cause cause;

  /** A refusal for {@code cause}; {@code message} says why. */
  public SubmissionRefusedException(Cause cause, String message) {
    super(Reason.REFUSED, message);
    this.cause = Objects.requireNonNull(cause, "cause");
  }

  /** Why. */
  public Cause refusal() {
    return cause;
  }
}
