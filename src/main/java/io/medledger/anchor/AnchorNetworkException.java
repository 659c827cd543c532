package io.medledger.anchor;

/** The Bitcoin network could not be reached, or it refused a transaction. */
public class AnchorNetworkException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  /** Creates the exception. */
  public AnchorNetworkException(String message) {
    super(message);
  }

  /** Creates the exception with its cause. */
  public AnchorNetworkException(String message, Throwable cause) {
    super(message, cause);
  }
}
