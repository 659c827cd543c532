package io.medledger.storage;

import io.medledger.crypto.Digest;
import io.medledger.crypto.Ed25519PublicKey;
import java.io.InputStream;

/**
 * A blob store run by someone else (a storage node) that answers each write and each deletion
 * with a signed {@link StorageReceipt}. An implementation returns only receipts it checked: signed
 * by {@link #nodeKey()} for {@link #chainId()}, about the blob it wrote or deleted (and, for a
 * write, its size; for a deletion, the erased record). A missing, mis-signed or mismatched receipt
 * is a failure of the node ({@link BlobUnavailableException}), never a success.
 * {@link ReplicatedBlobStore} keeps the receipts in its reports. Implementations are thread-safe.
 */
public interface AttestingBlobStore extends BlobStore {
  /** The key the node's receipts must be signed with (its ledger key, as the ledger lists it). */
  Ed25519PublicKey nodeKey();

  /** The chain the node's receipts must name. */
  Digest chainId();

  /**
   * As {@link #put(InputStream)}, returning the node's checked {@link StorageStatement.Held} receipt.
   *
   * @throws BlobUnavailableException if the store cannot be reached or written, or its receipt
   *     does not check
   */
  StorageReceipt putAttested(InputStream data);

  /**
   * As {@link #deleteErased}, returning the node's checked {@link StorageStatement.Deleted} receipt
   * (whose {@code hadCopy} is what {@code deleteErased} returns).
   *
   * @throws BlobUnavailableException if the store cannot be reached or refuses, or its receipt does
   *     not check
   */
  StorageReceipt deleteErasedAttested(Digest id, Digest erasedRecord);
}
