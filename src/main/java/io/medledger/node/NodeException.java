package io.medledger.node;

import io.medledger.MedLedgerException;
import java.util.Objects;

/**
 * A node could not start or serve: a bad configuration (the message names the field), a wrong
 * passphrase, an unreadable or tampered key store, a port in use, an unusable data directory.
 * The message is one line fit for an operator and never contains a secret.
 */
public class NodeException extends MedLedgerException {
  private static final long serialVersionUID = 1L;

  /** What went wrong, for programs that react differently to each. */
  public enum Reason {
    /** The configuration file is missing, malformed, or has a bad or unknown field. */
    CONFIG,
    /** The passphrase is missing, unreadable, or does not open the key store. */
    PASSPHRASE,
    /** The key store is missing, malformed, tampered with or has unsafe permissions. */
    KEY_STORE,
    /** The data directory is unusable (permissions, corruption, another process). */
    DATA_DIRECTORY,
    /** A listening port could not be bound. */
    PORT,
    /** A peer or node could not be reached. */
    UNREACHABLE,
    /** A submitted entry was refused ({@link SubmissionRefusedException}). */
    REFUSED
  }

  private final Reason reason;

  /** An exception for {@code reason} with the operator-facing {@code message}. */
  public NodeException(Reason reason, String message) {
    super(message);
    this.reason = Objects.requireNonNull(reason, "reason");
  }

  /** As {@link #NodeException(Reason, String)} with a cause. */
  public NodeException(Reason reason, String message, Throwable cause) {
    super(message, cause);
    this.reason = Objects.requireNonNull(reason, "reason");
  }

  /** What went wrong. */
  public Reason reason() {
    return reason;
  }
}
