package io.medledger.node;

import io.medledger.client.UnverifiableAnswerException;
import io.medledger.crypto.Digest;
import java.util.Objects;

/**
 * The ledger nodes that answered serve another block at the height of the block the client pins
 * ({@link ClientConfig.TrustedBlock}), and none serves the pinned one: they are on another chain
 * (a history forked below the pin, say one certified by servers removed long ago), or the pin is
 * wrong. Nothing is taken as final from such a chain.
 *
 * <p>Instances are immutable once thrown and may be shared between threads.
 */
public final class TrustedBlockMismatchException extends UnverifiableAnswerException {
  private static final long serialVersionUID = 1L;

  private final long height;
  private final Digest pinned;
  private final Digest served;

  /**
   * Creates the exception.
   *
   * @param height the pinned height
   * @param pinned the pinned hash
   * @param served the hash a node serves at that height instead
   * @param message which nodes serve it, for the operator
   */
  public TrustedBlockMismatchException(long height, Digest pinned, Digest served, String message) {
    super(message);
    this.height = height;
    this.pinned = Objects.requireNonNull(pinned, "pinned");
    this.served = Objects.requireNonNull(served, "served");
  }

  /** The pinned height. */
  public long height() {
    return height;
  }

  /** The pinned block's hash. */
  public Digest pinned() {
    return pinned;
  }

  /** A hash a node serves at the pinned height instead. */
  public Digest served() {
    return served;
  }
}
