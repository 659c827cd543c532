package io.medledger.storage;

import java.nio.file.Path;

/**
 * The store's files hold bytes that are not what the store wrote: a frame with a bad magic byte,
 * a header or payload checksum mismatch, a length beyond the configured maximum, a missing or
 * misnamed segment, or trailing bytes that cannot be a torn write. Names the segment file and the
 * byte offset of the damaged frame. Thrown by {@link FileBlockStore#open} (the store refuses to
 * open) or by {@link FileBlockStore#read} (damage found when a block is read).
 *
 * <p>Immutable.
 */
public final class StoreCorruptedException extends StoreException {
  private static final long serialVersionUID = 1L;

  private final transient Path segment;
  private final long offset;
  private final String reason;

  /**
   * Creates an exception for damage at {@code offset} in {@code segment}.
   *
   * @param segment the segment file (or the store directory when no single file is at fault)
   * @param offset the byte offset of the damaged frame in that file, or -1 if not applicable
   * @param reason what is wrong
   */
  public StoreCorruptedException(Path segment, long offset, String reason) {
    super("corrupted block store: " + segment + (offset >= 0 ? " at byte offset " + offset : "") + ": " + reason);
    this.segment = segment;
    this.offset = offset;
    this.reason = reason;
  }

  /** The damaged segment file (or the store directory). */
  public Path segment() {
    return segment;
  }

  /** The byte offset of the damaged frame in {@link #segment()}, or -1 if not applicable. */
  public long offset() {
    return offset;
  }

  /** What is wrong, without the file and offset. */
  public String reason() {
    return reason;
  }
}
