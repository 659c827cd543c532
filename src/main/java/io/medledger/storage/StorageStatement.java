package io.medledger.storage;

import io.medledger.crypto.Digest;
import java.time.Instant;
import java.util.Objects;

/**
 * What a storage node states about one blob, to be signed with its ledger key in a
 * {@link StorageReceipt}: that it holds the blob ({@link Held}), or that it deleted it, or held no
 * copy, for an erased record ({@link Deleted}). Each names the chain it is made for and the time on
 * the node's clock. Immutable and thread-safe.
 */
public sealed interface StorageStatement permits StorageStatement.Held, StorageStatement.Deleted {
  /** The chain the node serves. */
  Digest chainId();

  /** The blob the statement is about. */
  Digest blob();

  /** When the node made the statement, by its own clock (millisecond precision). */
  Instant time();

  /**
   * "I hold blob {@code blob} of {@code size} bytes, verified against its id and durable, for chain
   * {@code chainId}, at {@code time}": the acknowledgement of a write.
   *
   * @param chainId the chain
   * @param blob the blob's id (SHA-256 of its bytes)
   * @param size its length in bytes, not negative
   * @param time when the node acknowledged it
   */
  record Held(Digest chainId, Digest blob, long size, Instant time) implements StorageStatement {
    /** Validates; the time is truncated to milliseconds, as it is signed. */
    public Held {
      Objects.requireNonNull(chainId, "chainId");
      Objects.requireNonNull(blob, "blob");
      time = Instant.ofEpochMilli(Objects.requireNonNull(time, "time").toEpochMilli());
      if (size < 0) {
        throw new IllegalArgumentException("a blob of " + size + " bytes");
      }
    }
  }

  /**
   * "For erased record {@code erasedRecord} of chain {@code chainId}, I deleted my copy of blob
   * {@code blob} ({@code hadCopy}) or held none, at {@code time}": the answer to an erasure.
   *
   * @param chainId the chain
   * @param blob the payload deleted
   * @param erasedRecord the erased record whose payload it is
   * @param hadCopy whether the node held a copy and deleted it (false: it held none)
   * @param time when the node deleted it
   */
  record Deleted(Digest chainId, Digest blob, Digest erasedRecord, boolean hadCopy, Instant time)
      implements StorageStatement {
    /** Validates; the time is truncated to milliseconds, as it is signed. */
    public Deleted {
      Objects.requireNonNull(chainId, "chainId");
      Objects.requireNonNull(blob, "blob");
      Objects.requireNonNull(erasedRecord, "erasedRecord");
      time = Instant.ofEpochMilli(Objects.requireNonNull(time, "time").toEpochMilli());
    }
  }
}
