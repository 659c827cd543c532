package io.medledger.node;

import io.medledger.crypto.Digest;
import io.medledger.crypto.Ed25519PublicKey;
import io.medledger.crypto.Sha256;
import io.medledger.internal.node.ClientWire;
import io.medledger.internal.node.StorageWire;
import io.medledger.internal.node.StorageWire.Refusal;
import io.medledger.codec.MalformedEncodingException;
import io.medledger.storage.AttestingBlobStore;
import io.medledger.storage.BlobCorruptedException;
import io.medledger.storage.BlobState;
import io.medledger.storage.BlobUnavailableException;
import io.medledger.storage.StorageReceipt;
import io.medledger.storage.StorageStatement;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.Arrays;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.LongSupplier;

/**
 * One storage node's blob service, reached over a {@link ClientChannel} to its client endpoint, as
 * a {@link io.medledger.storage.BlobStore}: payloads go up and come down in chunks, one chunk in flight, so memory stays
 * at a chunk whatever the payload's size. Put it in a {@link io.medledger.storage.ReplicatedBlobStore}
 * with the other storage nodes for w-of-n writes, read repair, the repair sweep and erasure.
 *
 * <p>The node verifies an upload against its hash before acknowledging it and its copy before
 * serving it; this client hashes what it receives too, so a node that serves bad bytes is caught at
 * the end of the copy ({@link BlobCorruptedException} naming the node). A read or an upload as a
 * whole may take the request timeout plus the time its bytes take at the least rate
 * ({@link #DEFAULT_MIN_BYTES_PER_SECOND} unless set): a node that keeps each answer just inside the
 * request timeout but trickles the bytes is cut off there with a {@link BlobUnavailableException},
 * and a {@link io.medledger.storage.ReplicatedBlobStore} reads from or writes to the next node.
 * Every failure names the node. {@link #delete} is refused: a storage node deletes only the payloads of records whose
 * erasure is final on its ledger ({@link #deleteErased}).
 *
 * <p>A write is acknowledged, and a deletion answered, only with a {@link StorageReceipt} signed by
 * the node's ledger key given here (not the key the receipt names) for the chain given here, about
 * the blob sent (of the size sent) or deleted (for the record named): any other answer, a missing
 * or mis-signed receipt included, fails with a {@link BlobUnavailableException} naming the node, so
 * a {@link io.medledger.storage.ReplicatedBlobStore} does not count it. Thread-safe: each call runs
 * its own session.
 */
public final class StorageNodeClient implements AttestingBlobStore, AutoCloseable {
  /** Default chunk: 1 MiB, the storage service's default largest. */
  public static final int DEFAULT_CHUNK_BYTES = 1 << 20;
  /** Default least average rate of a read or an upload, past its first request timeout: 64 KiB/s. */
  public static final long DEFAULT_MIN_BYTES_PER_SECOND = 64 << 10;
  private static final long UNKNOWN_LENGTH = -1;

  private final String name;
  private final Ed25519PublicKey nodeKey;
  private final Digest chainId;
  private final ClientChannel channel;
  private final boolean ownsChannel;
  private final int chunkBytes;
  private final Duration timeout;
  private final Duration erasureWait;
  private final long minBytesPerSecond;
  /** The monotonic clock, in nanoseconds, a transfer's overall deadline is measured on. */
  private final LongSupplier nanos;

  /**
   * A client of the storage node called {@code name} (in messages and reports: use its ledger id
   * in hex, as records list it) over {@code channel}, which it does not close.
   *
   * @param nodeKey the node's ledger key, as the ledger or the configuration lists it: its receipts
   *     must be signed with it
   * @param chainId the chain its receipts must name
   * @param chunkBytes bytes per chunk, at most the node's {@code storage.max_chunk_bytes}
   * @param timeout how long one request may take
   * @param erasureWait how long a deletion waits for the erasure to become final on the node's ledger
   */
  public StorageNodeClient(String name, Ed25519PublicKey nodeKey, Digest chainId, ClientChannel channel, int chunkBytes,
      Duration timeout, Duration erasureWait) {
    this(name, nodeKey, chainId, channel, false, chunkBytes, timeout, erasureWait, DEFAULT_MIN_BYTES_PER_SECOND,
        System::nanoTime);
  }

  /**
   * As {@link #StorageNodeClient(String, Ed25519PublicKey, Digest, ClientChannel, int, Duration, Duration)},
   * with the monotonic clock (nanoseconds) that a transfer's overall deadline is measured on.
   */
  StorageNodeClient(String name, Ed25519PublicKey nodeKey, Digest chainId, ClientChannel channel, int chunkBytes,
      Duration timeout, Duration erasureWait, LongSupplier nanos) {
    this(name, nodeKey, chainId, channel, false, chunkBytes, timeout, erasureWait, DEFAULT_MIN_BYTES_PER_SECOND, nanos);
  }

  /**
   * As {@link #StorageNodeClient(String, Ed25519PublicKey, Digest, ClientChannel, int, Duration, Duration)},
   * with the least average rate a read or an upload must keep: one may take {@code timeout} plus its
   * bytes at {@code minBytesPerSecond}, and fails beyond.
   *
   * @throws IllegalArgumentException if {@code timeout} or {@code minBytesPerSecond} is not positive
   */
  public StorageNodeClient(String name, Ed25519PublicKey nodeKey, Digest chainId, ClientChannel channel, int chunkBytes,
      Duration timeout, Duration erasureWait, long minBytesPerSecond) {
    this(name, nodeKey, chainId, channel, false, chunkBytes, timeout, erasureWait, minBytesPerSecond, System::nanoTime);
  }

  private StorageNodeClient(String name, Ed25519PublicKey nodeKey, Digest chainId, ClientChannel channel, boolean owns,
      int chunkBytes, Duration timeout, Duration erasureWait, long minBytesPerSecond, LongSupplier nanos) {
    this.name = Objects.requireNonNull(name, "name");
    this.nodeKey = Objects.requireNonNull(nodeKey, "nodeKey");
    this.chainId = Objects.requireNonNull(chainId, "chainId");
    this.channel = Objects.requireNonNull(channel, "channel");
    this.ownsChannel = owns;
    if (chunkBytes < 1024 || chunkBytes > 16 << 20) {
      throw new IllegalArgumentException("chunkBytes must be 1 KiB .. 16 MiB");
    }
    this.chunkBytes = chunkBytes;
    this.timeout = Objects.requireNonNull(timeout, "timeout");
    this.erasureWait = Objects.requireNonNull(erasureWait, "erasureWait");
    if (timeout.isNegative() || timeout.isZero() || minBytesPerSecond < 1) {
      throw new IllegalArgumentException("timeout and minBytesPerSecond must be positive");
    }
    this.minBytesPerSecond = minBytesPerSecond;
    this.nanos = Objects.requireNonNull(nanos, "nanos");
  }

  /** A client over {@code channel} with 1 MiB chunks, 30 s per request and 10 s to wait for an erasure. */
  public StorageNodeClient(String name, Ed25519PublicKey nodeKey, Digest chainId, ClientChannel channel) {
    this(name, nodeKey, chainId, channel, DEFAULT_CHUNK_BYTES, Duration.ofSeconds(30), Duration.ofSeconds(10));
  }

  /**
   * Connects to the storage node at {@code address} whose ledger key is {@code nodeKey}, presenting
   * {@code identity}; the client is named by the node's ledger id, owns the connection, and takes
   * receipts signed with {@code nodeKey} for chain {@code chainId} only.
   *
   * @throws NodeException with reason UNREACHABLE if the node cannot be reached or authenticated
   */
  public static StorageNodeClient connect(PeerAddress address, Ed25519PublicKey nodeKey, Digest chainId,
      TlsIdentity identity) {
    ClientChannel c;
    try {
      c = ClientChannel.connect(address, nodeKey, identity, TransportLimits.defaults());
    } catch (RuntimeException e) {
      throw new NodeException(NodeException.Reason.UNREACHABLE, "cannot reach storage node "
          + nodeKey.toHex().substring(0, 16) + " at " + address + ": " + e.getMessage(), e);
    }
    return new StorageNodeClient(io.medledger.access.ParticipantId.of(nodeKey).toHex(), nodeKey, chainId, c, true,
        DEFAULT_CHUNK_BYTES,
        Duration.ofSeconds(30), Duration.ofSeconds(10), DEFAULT_MIN_BYTES_PER_SECOND, System::nanoTime);
  }

  /** The node's name in messages and reports. */
  public String name() {
    return name;
  }

  /** {@inheritDoc} As given at construction. */
  @Override
  public Ed25519PublicKey nodeKey() {
    return nodeKey;
  }

  /** {@inheritDoc} As given at construction. */
  @Override
  public Digest chainId() {
    return chainId;
  }

  @Override
  public Digest put(byte[] data) {
    return put(new ByteArrayInputStream(data));
  }

  /** {@inheritDoc} As {@link #putAttested}, the receipt dropped. */
  @Override
  public Digest put(InputStream data) {
    return putAttested(data).statement().blob();
  }

  /**
   * {@inheritDoc} The bytes go up in chunks; the node acknowledges once they hashed to the id and
   * are durable, with its signed receipt.
   */
  @Override
  public StorageReceipt putAttested(InputStream data) {
    long start = nanos.getAsLong();
    long session = ByteBuffer.wrap(ok(call(StorageWire.longs(StorageWire.PUT_OPEN, UNKNOWN_LENGTH)), 16)).getLong();
    boolean committed = false;
    try {
      MessageDigest sha = Sha256.newMessageDigest();
      byte[] buf = new byte[chunkBytes];
      long offset = 0;
      for (int n; (n = data.readNBytes(buf, 0, buf.length)) > 0; offset += n) {
        sha.update(buf, 0, n);
        ok(call(StorageWire.putChunk(session, offset, buf, 0, n), left(start, offset + n, "the upload")), 0);
      }
      Digest id = Digest.of(sha.digest());
      long size = offset;
      byte[] r = call(StorageWire.putCommit(StorageWire.PUT_COMMIT_SIGNED, session, id), left(start, offset, "the upload"));
      committed = true; // the session ended on the node, whatever the answer
      return receipt(r, "the write of " + id, st -> st instanceof StorageStatement.Held h && h.blob().equals(id)
          && h.size() == size);
    } catch (IOException e) {
      throw new BlobUnavailableException("cannot read the payload to send to storage node " + name + ": "
          + e.getMessage(), e);
    } finally {
      if (!committed) {
        abandon(StorageWire.longs(StorageWire.PUT_ABORT, session));
      }
    }
  }

  /**
   * {@inheritDoc} The whole blob is held in memory, up to the size the node declares (at most
   * what one array holds): to read from a node that is not trusted with this much memory, use
   * {@link #read} with a bounded stream, or a {@link io.medledger.storage.ReplicatedBlobStore}.
   *
   * @throws BlobCorruptedException also if the node declares a size no array holds
   */
  @Override
  public Optional<byte[]> get(Digest id) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    return read(id, out, MAX_IN_MEMORY) ? Optional.of(out.toByteArray()) : Optional.empty();
  }

  /** The most bytes one array holds. */
  private static final long MAX_IN_MEMORY = Integer.MAX_VALUE - 8;

  /** {@inheritDoc} The node hashes its whole copy before sending the first chunk. */
  @Override
  public boolean read(Digest id, OutputStream out) {
    return read(id, out, Long.MAX_VALUE);
  }

  private boolean read(Digest id, OutputStream out, long maxSize) {
    long start = nanos.getAsLong();
    byte[] r = call(StorageWire.ids(StorageWire.GET_OPEN, id));
    if (refusal(r) == Refusal.NOT_FOUND) {
      return false;
    }
    ByteBuffer b = ByteBuffer.wrap(ok(r, 16));
    long session = b.getLong();
    long size = b.getLong();
    if (size < 0 || size > maxSize) {
      abandon(StorageWire.longs(StorageWire.GET_CLOSE, session));
      throw new BlobCorruptedException("storage node " + name + " declares " + size + " bytes for " + id
          + (size < 0 ? "" : ", more than one array holds"));
    }
    MessageDigest sha = Sha256.newMessageDigest();
    long offset = 0;
    try {
      while (offset < size) {
        byte[] c = call(StorageWire.getChunk(session, offset, chunkBytes),
            left(start, offset + Math.min(chunkBytes, size - offset), "the read of " + id));
        ok(c, -1);
        int n = c.length - 1;
        if (n == 0 || n > chunkBytes || offset + n > size) {
          throw new BlobCorruptedException("storage node " + name + " sent a chunk of the wrong length for " + id);
        }
        left(start, offset + n, "the read of " + id);
        sha.update(c, 1, n);
        out.write(c, 1, n);
        offset += n;
      }
    } catch (IOException e) {
      throw new BlobUnavailableException("cannot write " + id + " from storage node " + name + ": " + e.getMessage(), e);
    } finally {
      if (offset < size) {
        abandon(StorageWire.longs(StorageWire.GET_CLOSE, session));
      }
    }
    if (!Digest.of(sha.digest()).equals(id)) {
      throw new BlobCorruptedException("storage node " + name + " served bytes that do not hash to " + id);
    }
    return true;
  }

  @Override
  public BlobState check(Digest id) {
    byte[] r = ok(call(StorageWire.ids(StorageWire.CHECK, id)), 1);
    BlobState[] states = BlobState.values();
    if (r[0] < 0 || r[0] >= states.length) {
      throw new BlobUnavailableException("storage node " + name + " answered an unknown state");
    }
    return states[r[0]];
  }

  /**
   * Refused: storage nodes delete only payloads of erased records.
   *
   * @throws BlobUnavailableException always
   */
  @Override
  public boolean delete(Digest id) {
    throw new BlobUnavailableException("storage node " + name + " deletes only payloads of erased records");
  }

  /**
   * {@inheritDoc} The node checks its own ledger; while the erasure is not final there yet, this
   * asks again for up to the erasure wait.
   */
  @Override
  public boolean deleteErased(Digest id, Digest erasedRecord) {
    return ((StorageStatement.Deleted) deleteErasedAttested(id, erasedRecord).statement()).hadCopy();
  }

  /**
   * {@inheritDoc} The node checks its own ledger; while the erasure is not final there yet, this
   * asks again for up to the erasure wait.
   */
  @Override
  public StorageReceipt deleteErasedAttested(Digest id, Digest erasedRecord) {
    long deadline = System.nanoTime() + erasureWait.toNanos();
    while (true) {
      byte[] r = call(StorageWire.ids(StorageWire.DELETE_SIGNED, id, erasedRecord));
      if (refusal(r) != Refusal.NOT_ERASED || System.nanoTime() > deadline) {
        return receipt(r, "the deletion of " + id, st -> st instanceof StorageStatement.Deleted d
            && d.blob().equals(id) && d.erasedRecord().equals(erasedRecord));
      }
      try {
        Thread.sleep(100);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new BlobUnavailableException("interrupted while waiting for storage node " + name, e);
      }
    }
  }

  /**
   * The receipt an OK answer {@code r} carries, if the node's key signed it for the chain and
   * {@code about} holds for its statement.
   *
   * @throws BlobUnavailableException naming the node otherwise (and {@link BlobCorruptedException}
   *     for a CORRUPT refusal)
   */
  private StorageReceipt receipt(byte[] r, String what, java.util.function.Predicate<StorageStatement> about) {
    byte[] body = ok(r, -1);
    StorageReceipt receipt;
    try {
      if (body.length > StorageReceipt.MAX_ENCODED_BYTES) {
        throw new MalformedEncodingException(body.length + " bytes");
      }
      receipt = StorageReceipt.decode(body);
    } catch (MalformedEncodingException e) {
      throw new BlobUnavailableException("storage node " + name + " answered " + what + " without a well-formed"
          + " receipt: " + e.getMessage());
    }
    if (!receipt.verify(nodeKey, chainId)) {
      throw new BlobUnavailableException("storage node " + name + " answered " + what + " with a receipt not"
          + " signed by its key " + nodeKey.toHex().substring(0, 16) + " for chain " + chainId);
    }
    if (!about.test(receipt.statement())) {
      throw new BlobUnavailableException("storage node " + name + " answered " + what + " with a receipt about"
          + " something else: " + receipt.statement());
    }
    return receipt;
  }

  /**
   * How long the next request of a transfer begun at {@code start} (on the client's clock)
   * may wait once it brings the transfer to {@code bytes}: what is left of the request timeout plus
   * those bytes at the least rate, and at most the request timeout.
   *
   * @throws BlobUnavailableException naming the node if nothing is left
   */
  private Duration left(long start, long bytes, String what) {
    double allowed = timeout.toNanos() + bytes * 1e9 / minBytesPerSecond;
    double left = allowed - (nanos.getAsLong() - start);
    if (left <= 0) {
      throw new BlobUnavailableException("storage node " + name + " is too slow: " + what + " of " + bytes
          + " bytes so far took longer than " + timeout + " plus its bytes at " + minBytesPerSecond + " bytes/s");
    }
    return left >= timeout.toNanos() ? timeout : Duration.ofNanos((long) left);
  }

  private byte[] call(byte[] request) {
    return call(request, timeout);
  }

  private byte[] call(byte[] request, Duration wait) {
    java.util.concurrent.CompletableFuture<byte[]> f = channel.request(request);
    try {
      return f.get(Math.max(1, wait.toMillis()), TimeUnit.MILLISECONDS);
    } catch (ExecutionException e) {
      throw new BlobUnavailableException("storage node " + name + ": " + e.getCause().getMessage(), e.getCause());
    } catch (TimeoutException e) {
      f.cancel(false);
      throw new BlobUnavailableException("storage node " + name + (wait.compareTo(timeout) < 0
          ? " is too slow: the transfer's deadline (" + timeout + " plus its bytes at " + minBytesPerSecond
              + " bytes/s) passed" : " did not answer within " + timeout), e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new BlobUnavailableException("interrupted while waiting for storage node " + name, e);
    }
  }

  /** Sends a clean-up request without waiting (the node also drops idle sessions). */
  private void abandon(byte[] request) {
    try {
      channel.request(request).orTimeout(timeout.toMillis(), TimeUnit.MILLISECONDS);
    } catch (RuntimeException ignored) {
      // the session times out on the node
    }
  }

  private static Refusal refusal(byte[] r) {
    return r.length >= 2 && r[0] == ClientWire.REFUSED ? Refusal.of(r[1] & 0xff) : Refusal.NONE;
  }

  /**
   * The body of an OK response of exactly {@code length} bytes (any length if negative).
   *
   * @throws BlobCorruptedException for a CORRUPT refusal, {@link BlobUnavailableException} for any
   *     other refusal or a malformed response, both naming the node
   */
  private byte[] ok(byte[] r, int length) {
    if (r.length >= 1 && r[0] == ClientWire.OK && (length < 0 || r.length == 1 + length)) {
      return Arrays.copyOfRange(r, 1, r.length);
    }
    Refusal why = refusal(r);
    if (why == Refusal.NONE) {
      throw new BlobUnavailableException("storage node " + name + " sent a malformed response");
    }
    String reason = new String(r, 2, Math.min(r.length - 2, 2000), StandardCharsets.UTF_8);
    String m = "storage node " + name + " refused (" + why.name().toLowerCase(java.util.Locale.ROOT) + "): " + reason;
    throw why == Refusal.CORRUPT ? new BlobCorruptedException(m) : new BlobUnavailableException(m);
  }

  /** Closes the connection if this client opened it. */
  @Override
  public void close() {
    if (ownsChannel) {
      channel.close();
    }
  }

  @Override
  public String toString() {
    return "StorageNodeClient[" + name + "]";
  }
}
