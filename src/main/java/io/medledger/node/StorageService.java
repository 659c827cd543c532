package io.medledger.node;

import io.medledger.access.Participant;
import io.medledger.access.ParticipantId;
import io.medledger.access.ParticipantKind;
import io.medledger.chain.Entry;
import io.medledger.chain.Ledger;
import io.medledger.chain.MedicalRecord;
import io.medledger.codec.ByteString;
import io.medledger.codec.MalformedEncodingException;
import io.medledger.crypto.Digest;
import io.medledger.crypto.Ed25519PublicKey;
import io.medledger.internal.node.ClientWire;
import io.medledger.internal.node.Shutdown;
import io.medledger.internal.node.StorageWire;
import io.medledger.internal.node.StorageWire.Refusal;
import io.medledger.storage.BlobCorruptedException;
import io.medledger.storage.BlobState;
import io.medledger.storage.BlobUnavailableException;
import io.medledger.storage.FileBlobStore;
import io.medledger.storage.StorageReceipt;
import io.medledger.storage.StorageStatement;
import java.io.IOException;
import java.lang.System.Logger.Level;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Clock;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;

/**
 * A storage node's blob service on its client endpoint ({@link StorageWire}): payloads kept in a
 * {@link FileBlobStore} under the data directory, uploaded and read in chunks over per-client
 * sessions, verified before an upload is acknowledged and on every read, deleted only for records
 * whose erasure is final on this node's ledger and that named the payload first (or when no record
 * that is not erased names it), or as orphans ({@link PendingBlobs}).
 *
 * <p>Deny by default: uploads come from active patients and clinicians, reads and checks from
 * active patients, clinicians and researchers (or the node's own key and configured client keys,
 * the operator's tools), as the ledger says at the time of the request. Each client has at most
 * {@link NodeConfig.StorageSettings#sessionsPerClient()} sessions open, the node at most
 * {@link NodeConfig.StorageSettings#maxSessions()}; idle sessions are dropped; an upload is
 * bounded by the length it declared (or the largest blob, -1 declaring none), and opened only if
 * the free disk less what every open upload may still write keeps the reserve. Each client has at
 * most {@link #REQUESTS_PER_SESSION} requests per session it may open queued or running on the disk
 * threads (QUOTA beyond), so one client cannot fill their queue. Disk work runs on the service's own
 * threads, never on the transport's.
 *
 * <p>Blobs that no committed record references are pending ({@link PendingBlobs}): each uploader
 * may hold at most {@link NodeConfig.StorageSettings#maxPendingBytesPerUploader()} bytes of them,
 * open uploads included (QUOTA beyond), and a pending blob is deleted once
 * {@link NodeConfig.StorageSettings#orphanGrace()} has passed since its upload.
 *
 * <p>Given the node's {@link LedgerSigner}, the service answers {@code PUT_COMMIT_SIGNED} and
 * {@code DELETE_SIGNED} with a {@link StorageReceipt} signed with the node's ledger key for its chain:
 * "I hold this blob of this size" once the upload verified and is durable, "I deleted (or held no
 * copy of) this blob for this erased record" once the deletion is done. Without a signer it refuses
 * them (UNAVAILABLE). Thread-safe.
 */
final class StorageService implements AutoCloseable {
  private static final System.Logger LOG = System.getLogger(StorageService.class.getName());
  /** Requests one client may have queued or running on the disk threads, per session it may open. */
  static final int REQUESTS_PER_SESSION = 2;
  /** Sub-directory of the blobs in the data directory. */
  static final String BLOBS = "blobs";
  private static final Set<ParticipantKind> WRITERS = Set.of(ParticipantKind.PATIENT, ParticipantKind.CLINICIAN);
  private static final Set<ParticipantKind> READERS = Set.of(ParticipantKind.PATIENT, ParticipantKind.CLINICIAN,
      ParticipantKind.RESEARCHER);

  private final Ledger ledger;
  private final FileBlobStore store;
  private final Path directory;
  private final LongSupplier freeDisk;
  private final NodeConfig.StorageSettings settings;
  private final Set<Ed25519PublicKey> operators;
  /** Signs the receipts; null if this service signs none. */
  private final LedgerSigner signer;
  /** The chain the receipts name; null if this service signs none. */
  private final Digest chainId;
  /** The clock of the receipts' times. */
  private final Clock clock;
  private final ThreadPoolExecutor io;
  private final ScheduledExecutorService reaper;
  private final PendingBlobs pending;
  /** Whether a catch-up of the index with the ledger is queued on the reaper and not yet started. */
  private final java.util.concurrent.atomic.AtomicBoolean catchUpQueued = new java.util.concurrent.atomic.AtomicBoolean();
  private final SecureRandom random = new SecureRandom();
  private final Map<Long, Session> sessions = new ConcurrentHashMap<>();
  private final io.medledger.internal.KeyedCounts<Ed25519PublicKey> perClient = new io.medledger.internal.KeyedCounts<>();
  /** Each client's requests queued or running on the disk threads. */
  private final io.medledger.internal.KeyedCounts<Ed25519PublicKey> inProgress = new io.medledger.internal.KeyedCounts<>();
  private final Object diskLock = new Object();
  /** Run after a request looked its session up, before it takes the session's monitor (tests race with it). */
  private volatile Runnable afterLookup = () -> { };
  /** Set by {@link #close}: requests are refused and no session opens. */
  private volatile boolean closed;
  /** Bytes the open uploads may still write, each its bound less what it wrote. Guarded by diskLock. */
  private long unwrittenBytes;

  /** An upload or a read in progress, owned by one client. Guarded by its own monitor. */
  private static final class Session {
    final Ed25519PublicKey owner;
    final FileBlobStore.Upload upload;
    final FileBlobStore.VerifiedBlob blob;
    final long length;
    long position;
    /** What this upload may still write, counted in {@code unwrittenBytes}. */
    long unwritten;
    /** Whether this upload holds a reservation of {@code bound} bytes of its owner's pending quota. */
    boolean reserved;
    volatile long lastUsed = System.nanoTime();

    Session(Ed25519PublicKey owner, FileBlobStore.Upload upload, FileBlobStore.VerifiedBlob blob, long length) {
      this.owner = owner;
      this.upload = upload;
      this.blob = blob;
      this.length = length;
    }

    void close() {
      if (upload != null) {
        upload.close();
      } else {
        blob.close();
      }
    }
  }

  StorageService(Ledger ledger, Path dataDirectory, NodeConfig.StorageSettings settings, Set<Ed25519PublicKey> operators) {
    this(ledger, dataDirectory, settings, operators, (LongSupplier) null);
  }

  /** As above, reading the free disk from {@code freeDisk} (null: the blob directory's file store). */
  StorageService(Ledger ledger, Path dataDirectory, NodeConfig.StorageSettings settings, Set<Ed25519PublicKey> operators,
      LongSupplier freeDisk) {
    this(ledger, dataDirectory, settings, operators, freeDisk,
        ledger != null ? PendingBlobs.LedgerFeed.of(ledger) : NO_LEDGER, Clock.systemUTC());
  }

  /** A ledger with no block, for services tested without one. */
  private static final PendingBlobs.LedgerFeed NO_LEDGER = new PendingBlobs.LedgerFeed() {
    @Override
    public long height() {
      return -1;
    }

    @Override
    public Digest hash(long height) {
      throw new IllegalArgumentException("no block " + height);
    }

    @Override
    public List<PendingBlobs.Reference> references(long height) {
      throw new IllegalArgumentException("no block " + height);
    }
  };

  /**
   * As above, following the committed records of {@code feed} and reading upload times from
   * {@code clock}.
   */
  StorageService(Ledger ledger, Path dataDirectory, NodeConfig.StorageSettings settings, Set<Ed25519PublicKey> operators,
      LongSupplier freeDisk, PendingBlobs.LedgerFeed feed, Clock clock) {
    this(ledger, dataDirectory, settings, operators, freeDisk, feed, clock, null, null);
  }

  /** The service of a storage node that signs its receipts with {@code signer} for {@code ledger}'s chain. */
  StorageService(Ledger ledger, Path dataDirectory, NodeConfig.StorageSettings settings, Set<Ed25519PublicKey> operators,
      LedgerSigner signer) {
    this(ledger, dataDirectory, settings, operators, null, PendingBlobs.LedgerFeed.of(ledger), Clock.systemUTC(),
        signer, ledger.parameters().chainId());
  }

  /**
   * As above, and signing receipts with {@code signer} for chain {@code chainId} (both null: signing
   * none), their times read from {@code clock}.
   */
  StorageService(Ledger ledger, Path dataDirectory, NodeConfig.StorageSettings settings, Set<Ed25519PublicKey> operators,
      LongSupplier freeDisk, PendingBlobs.LedgerFeed feed, Clock clock, LedgerSigner signer, Digest chainId) {
    if ((signer == null) != (chainId == null)) {
      throw new IllegalArgumentException("a storage service signs with a signer for a chain, or not at all");
    }
    this.signer = signer;
    this.chainId = chainId;
    this.clock = clock;
    this.ledger = ledger;
    this.directory = dataDirectory.resolve(BLOBS);
    this.store = FileBlobStore.open(directory, settings.maxBlobBytes());
    this.pending = PendingBlobs.open(dataDirectory, store, feed, settings.maxPendingBytesPerUploader(),
        settings.orphanGrace(), clock);
    this.freeDisk = freeDisk != null ? freeDisk : this::usableSpace;
    this.settings = settings;
    this.operators = Set.copyOf(operators);
    this.io = new ThreadPoolExecutor(settings.threads(), settings.threads(), 30, TimeUnit.SECONDS,
        new ArrayBlockingQueue<>(4 * settings.maxSessions()), r -> {
          Thread t = new Thread(r, "medledger-storage-io");
          t.setDaemon(true);
          return t;
        });
    this.reaper = Executors.newSingleThreadScheduledExecutor(r -> {
      Thread t = new Thread(r, "medledger-storage-reaper");
      t.setDaemon(true);
      return t;
    });
    long period = Math.max(100, settings.sessionTimeout().toMillis() / 4);
    reaper.scheduleWithFixedDelay(this::reap, period, period, TimeUnit.MILLISECONDS);
    long sweepPeriod = Math.min(ORPHAN_SWEEP_MILLIS, settings.orphanGrace().toMillis() / 4);
    reaper.scheduleWithFixedDelay(this::sweepOrphans, sweepPeriod, sweepPeriod, TimeUnit.MILLISECONDS);
  }

  /** Longest time between two sweeps of the pending blobs. */
  static final long ORPHAN_SWEEP_MILLIS = 60_000;

  /** The pending blobs (for tests). */
  PendingBlobs pending() {
    return pending;
  }

  /** Tells the service that the ledger committed a block: the index of references follows it soon. */
  void committed() {
    if (!catchUpQueued.compareAndSet(false, true)) {
      return; // the queued catch-up will read this block too
    }
    try {
      reaper.execute(() -> {
        catchUpQueued.set(false);
        try {
          pending.catchUp();
        } catch (RuntimeException e) {
          LOG.log(Level.WARNING, "cannot follow the ledger's record references: " + e.getMessage(), e);
        }
      });
    } catch (RejectedExecutionException e) {
      // closing
    }
  }

  /** Deletes the pending blobs past their grace period; returns how many (run on the reaper). */
  int sweepOrphans() {
    try {
      return pending.sweep();
    } catch (RuntimeException e) {
      LOG.log(Level.WARNING, "orphan sweep failed; nothing more deleted: " + e.getMessage(), e);
      return 0;
    }
  }

  /** The node's blob store (for operators and tests). */
  FileBlobStore store() {
    return store;
  }

  /** Serves one storage request; malformed requests fail the future. */
  CompletableFuture<byte[]> handle(Ed25519PublicKey client, byte[] request) {
    byte type = request[0];
    Set<ParticipantKind> allowed = StorageWire.isUpload(type) ? WRITERS : READERS;
    if (!StorageWire.isDelete(type) && !permitted(client, allowed)) {
      return done(StorageWire.refused(Refusal.NOT_ALLOWED, "participant " + ParticipantId.of(client)
          + " may not " + (allowed == WRITERS ? "upload to" : "read from") + " this storage node"));
    }
    if (!inProgress.tryAdd(client, REQUESTS_PER_SESSION * settings.sessionsPerClient())) {
      return done(StorageWire.refused(Refusal.QUOTA, "too many storage requests in progress (at most "
          + REQUESTS_PER_SESSION * settings.sessionsPerClient() + " per client)"));
    }
    CompletableFuture<byte[]> f = new CompletableFuture<>();
    try {
      io.execute(() -> {
        try {
          if (closed) {
            f.complete(closing());
            return;
          }
          f.complete(serve(client, request));
        } catch (MalformedEncodingException e) {
          f.completeExceptionally(e);
        } catch (BlobUnavailableException e) {
          LOG.log(Level.WARNING, () -> "storage request failed: " + e.getMessage());
          f.complete(StorageWire.refused(Refusal.UNAVAILABLE, "storage node cannot read or write its disk"));
        } catch (RuntimeException e) {
          LOG.log(Level.ERROR, "storage request failed", e);
          f.complete(StorageWire.refused(Refusal.UNAVAILABLE, "internal error"));
        } finally {
          inProgress.remove(client);
        }
      });
    } catch (RejectedExecutionException e) {
      inProgress.remove(client);
      return done(StorageWire.refused(Refusal.UNAVAILABLE, "storage node busy"));
    }
    return f;
  }

  private static byte[] closing() {
    return StorageWire.refused(Refusal.UNAVAILABLE, "the storage node is shutting down");
  }

  private static CompletableFuture<byte[]> done(byte[] response) {
    return CompletableFuture.completedFuture(response);
  }

  private boolean permitted(Ed25519PublicKey client, Set<ParticipantKind> kinds) {
    if (operators.contains(client)) {
      return true;
    }
    Optional<Participant> p = ledger.participant(ParticipantId.of(client));
    return p.isPresent() && p.get().active() && kinds.contains(p.get().kind());
  }

  private byte[] serve(Ed25519PublicKey client, byte[] r) {
    switch (r[0]) {
      case StorageWire.PUT_OPEN:
        return putOpen(client, StorageWire.body(r, 8, false).getLong());
      case StorageWire.PUT_CHUNK: {
        ByteBuffer b = StorageWire.body(r, 16, true);
        long id = b.getLong();
        long offset = b.getLong();
        return putChunk(client, id, offset, r, 17, r.length - 17);
      }
      case StorageWire.PUT_COMMIT:
      case StorageWire.PUT_COMMIT_SIGNED: {
        ByteBuffer b = StorageWire.body(r, 40, false);
        long id = b.getLong();
        return putCommit(client, id, StorageWire.digest(b), r[0] == StorageWire.PUT_COMMIT_SIGNED);
      }
      case StorageWire.PUT_ABORT:
      case StorageWire.GET_CLOSE: {
        long id = StorageWire.body(r, 8, false).getLong();
        Session s = owned(client, id);
        if (s != null) {
          synchronized (s) {
            end(s, id);
          }
        }
        return StorageWire.okLongs();
      }
      case StorageWire.GET_OPEN:
        return getOpen(client, StorageWire.digest(StorageWire.body(r, 32, false)));
      case StorageWire.GET_CHUNK: {
        ByteBuffer b = StorageWire.body(r, 20, false);
        return getChunk(client, b.getLong(), b.getLong(), b.getInt());
      }
      case StorageWire.CHECK: {
        BlobState s = store.check(StorageWire.digest(StorageWire.body(r, 32, false)));
        return ClientWire.ok(new byte[] {(byte) s.ordinal()});
      }
      case StorageWire.DELETE:
      case StorageWire.DELETE_SIGNED: {
        ByteBuffer b = StorageWire.body(r, 64, false);
        return delete(StorageWire.digest(b), StorageWire.digest(b), r[0] == StorageWire.DELETE_SIGNED);
      }
      default:
        throw new MalformedEncodingException("unknown storage request type " + r[0]);
    }
  }

  private byte[] putOpen(Ed25519PublicKey client, long length) {
    if (length < -1 || length > settings.maxBlobBytes()) {
      return StorageWire.refused(Refusal.QUOTA, "a payload of " + length + " bytes is outside 0.."
          + settings.maxBlobBytes());
    }
    long need = length < 0 ? settings.maxBlobBytes() : length;
    if (!pending.reserve(client, need)) {
      return StorageWire.refused(Refusal.QUOTA, "participant " + ParticipantId.of(client) + " holds "
          + pending.charged(client) + " bytes of uploads that no committed record references yet; "
          + PendingBlobs.charge(need) + " more would pass the limit of " + settings.maxPendingBytesPerUploader()
          + " per uploader");
    }
    synchronized (diskLock) {
      if (freeDisk.getAsLong() - unwrittenBytes - need < settings.reserveDiskBytes()) {
        pending.release(client, need);
        return StorageWire.refused(Refusal.QUOTA, "not enough free disk on this storage node");
      }
      unwrittenBytes += need;
    }
    byte[] r = null;
    try {
      r = open(client, length, null, need);
      return r;
    } finally {
      if (r == null || r[0] != ClientWire.OK) {
        unwritten(-need);
        pending.release(client, need);
      }
    }
  }

  private void unwritten(long delta) {
    synchronized (diskLock) {
      unwrittenBytes += delta;
    }
  }

  private long usableSpace() {
    try {
      return Files.getFileStore(directory).getUsableSpace();
    } catch (IOException e) {
      throw new BlobUnavailableException("cannot read the free disk space: " + e.getMessage(), e);
    }
  }

  /** An upload's bound: its declared length, or the largest blob when it declared none (-1). */
  private long bound(Session s) {
    return s.length < 0 ? settings.maxBlobBytes() : s.length;
  }

  private byte[] getOpen(Ed25519PublicKey client, Digest id) {
    if (sessions.size() >= settings.maxSessions() || perClient.get(client) >= settings.sessionsPerClient()) {
      return sessionsRefused(); // before hashing the copy
    }
    Optional<FileBlobStore.VerifiedBlob> b;
    try {
      b = store.openVerified(id);
    } catch (BlobCorruptedException e) {
      LOG.log(Level.WARNING, () -> "corrupted copy of " + id + " refused to a reader: " + e.getMessage());
      return StorageWire.refused(Refusal.CORRUPT, "this node's copy of " + id + " does not hash to its id");
    }
    if (b.isEmpty()) {
      return StorageWire.refused(Refusal.NOT_FOUND, "this node holds no copy of " + id);
    }
    return open(client, b.get().size(), b.get(), 0);
  }

  private byte[] sessionsRefused() {
    return StorageWire.refused(Refusal.QUOTA, "too many open storage sessions (at most "
        + settings.sessionsPerClient() + " per client)");
  }

  /** Registers a session if the client and the node are under their bounds. */
  private byte[] open(Ed25519PublicKey client, long length, FileBlobStore.VerifiedBlob blob, long unwritten) {
    if (sessions.size() >= settings.maxSessions() || !perClient.tryAdd(client, settings.sessionsPerClient())) {
      if (blob != null) {
        blob.close();
      }
      return sessionsRefused();
    }
    Session s;
    try {
      s = new Session(client, blob == null ? store.begin() : null, blob, length);
      s.unwritten = unwritten;
      s.reserved = blob == null;
    } catch (RuntimeException e) {
      perClient.remove(client);
      throw e;
    }
    long id;
    do {
      id = random.nextLong();
    } while (sessions.putIfAbsent(id, s) != null);
    // registered, then closed read: a close that began later sees the session and ends it, else
    // it is dropped here, its share of disk and quota given back by the caller on the refusal
    if (closed && sessions.remove(id, s)) {
      s.close();
      perClient.remove(client);
      return closing();
    }
    return StorageWire.okLongs(id, length);
  }

  private byte[] putChunk(Ed25519PublicKey client, long id, long offset, byte[] r, int off, int len) {
    Session s = owned(client, id);
    if (s == null || s.upload == null) {
      return StorageWire.refused(Refusal.BAD_SESSION, "no upload session " + Long.toUnsignedString(id));
    }
    synchronized (s) {
      if (!live(s, id)) {
        return ended(id);
      }
      if (len > settings.maxChunkBytes() || offset != s.position || s.position + len > bound(s)) {
        end(s, id);
        return StorageWire.refused(Refusal.BAD_SESSION, "chunk at " + offset + " of " + len
            + " bytes does not continue the upload (at " + s.position + " of at most " + bound(s) + ", chunks of at most "
            + settings.maxChunkBytes() + "); upload dropped");
      }
      s.upload.write(r, off, len);
      s.position += len;
      s.unwritten -= len;
      unwritten(-len);
      s.lastUsed = System.nanoTime();
    }
    return StorageWire.okLongs();
  }

  private byte[] putCommit(Ed25519PublicKey client, long id, Digest digest, boolean signed) {
    if (signed && signer == null) {
      return unsigned();
    }
    Session s = owned(client, id);
    if (s == null || s.upload == null) {
      return StorageWire.refused(Refusal.BAD_SESSION, "no upload session " + Long.toUnsignedString(id));
    }
    synchronized (s) {
      if (!live(s, id)) {
        return ended(id);
      }
      try {
        if (s.length >= 0 && s.position != s.length) {
          return StorageWire.refused(Refusal.BAD_SESSION, "upload has " + s.position + " of the " + s.length
              + " bytes declared; upload dropped");
        }
        Digest received = s.upload.digest();
        if (!received.equals(digest)) { // before the journal: a false claim never touches the blob it names
          return StorageWire.refused(Refusal.CORRUPT, "the bytes received hash to " + received + ", not to " + digest);
        }
        boolean tracked = pending.uploading(client, digest, s.position);
        try {
          s.upload.commit(Optional.of(digest));
        } catch (RuntimeException e) {
          if (tracked) {
            pending.forget(digest);
          }
          throw e;
        }
        return signed ? receipt(new StorageStatement.Held(chainId, digest, s.position, clock.instant()))
            : StorageWire.okLongs();
      } finally {
        end(s, id);
      }
    }
  }

  private byte[] getChunk(Ed25519PublicKey client, long id, long offset, int max) {
    Session s = owned(client, id);
    if (s == null || s.blob == null) {
      return StorageWire.refused(Refusal.BAD_SESSION, "no read session " + Long.toUnsignedString(id));
    }
    synchronized (s) {
      if (!live(s, id)) {
        return ended(id);
      }
      if (offset != s.position || max < 1) {
        end(s, id);
        return StorageWire.refused(Refusal.BAD_SESSION, "read at " + offset + " does not continue the session (at "
            + s.position + "); session closed");
      }
      int n = (int) Math.min(Math.min(max, settings.maxChunkBytes()), s.length - s.position);
      byte[] out = new byte[1 + n];
      out[0] = ClientWire.OK;
      try {
        if (s.blob.data().readNBytes(out, 1, n) != n) {
          end(s, id);
          return StorageWire.refused(Refusal.CORRUPT, "the copy shrank while it was read");
        }
      } catch (IOException e) {
        end(s, id);
        throw new BlobUnavailableException("cannot read: " + e.getMessage(), e);
      }
      s.position += n;
      s.lastUsed = System.nanoTime();
      if (s.position == s.length) {
        end(s, id);
      }
      return out;
    }
  }

  private static byte[] unsigned() {
    return StorageWire.refused(Refusal.UNAVAILABLE, "this storage node signs no receipts");
  }

  /** An OK answer carrying {@code statement} signed with the node's ledger key. */
  private byte[] receipt(StorageStatement statement) {
    byte[] sig = signer.sign(StorageReceipt.message(signer.publicKey(), statement));
    return ClientWire.ok(new StorageReceipt(signer.publicKey(), statement, ByteString.of(sig)).encode());
  }

  private byte[] delete(Digest payload, Digest record, boolean signed) {
    if (signed && signer == null) {
      return unsigned();
    }
    Optional<Entry> e = ledger.locate(record).map(l -> ledger.block(l.height()).block().entries().get(l.indexInBlock()));
    if (e.isEmpty() || !(e.get() instanceof MedicalRecord m)) {
      return StorageWire.refused(Refusal.NOT_ERASED, "no record " + record + " on this node's ledger (yet)");
    }
    boolean payloadOf = m.payloadDigest().equals(payload)
        || m.deidentified().filter(d -> d.payloadDigest().equals(payload)).isPresent();
    if (!payloadOf) {
      return StorageWire.refused(Refusal.NOT_ERASED, payload + " is not a payload of record " + record);
    }
    if (!ledger.isErased(record)) {
      return StorageWire.refused(Refusal.NOT_ERASED, "no final erasure of record " + record + " on this node's ledger (yet)");
    }
    if (!pending.erasable(payload, record)) { // anyone may write a record naming a payload that is not theirs
      return StorageWire.refused(Refusal.NOT_ERASED, payload + " is also the payload of a record that is not erased"
          + " and named it first");
    }
    boolean existed = store.delete(payload);
    LOG.log(Level.INFO, () -> "erased payload " + payload + " of record " + record + (existed ? "" : " (held no copy)"));
    return signed ? receipt(new StorageStatement.Deleted(chainId, payload, record, existed, clock.instant()))
        : ClientWire.ok(new byte[] {(byte) (existed ? 1 : 0)});
  }

  private Session owned(Ed25519PublicKey client, long id) {
    Session s = sessions.get(id);
    afterLookup.run();
    return s != null && s.owner.equals(client) ? s : null;
  }

  /**
   * Whether {@code s} is still open as session {@code id}; the caller holds its monitor. A request
   * that found the session just before the idle clean-up (or {@link #close}) ended it sees false.
   */
  private boolean live(Session s, long id) {
    return sessions.get(id) == s;
  }

  private byte[] ended(long id) {
    return StorageWire.refused(Refusal.BAD_SESSION, "session " + Long.toUnsignedString(id)
        + " ended (idle longer than " + settings.sessionTimeout().toMillis() + " ms, or the node closing)");
  }

  /** Ends session {@code id}; the caller holds {@code s}'s monitor. */
  private void end(Session s, long id) {
    if (sessions.remove(id, s)) {
      s.close();
      unwritten(-s.unwritten);
      s.unwritten = 0;
      if (s.reserved) {
        pending.release(s.owner, bound(s));
        s.reserved = false;
      }
      perClient.remove(s.owner);
    }
  }

  /** Drops sessions idle longer than the timeout (run on the reaper). */
  private void reap() {
    reap(System.nanoTime());
  }

  /** Drops the sessions idle longer than the timeout at {@code nowNanos} ({@link System#nanoTime}). */
  void reap(long nowNanos) {
    long limit = nowNanos - settings.sessionTimeout().toNanos();
    for (Map.Entry<Long, Session> e : sessions.entrySet()) {
      Session s = e.getValue();
      synchronized (s) {
        if (s.lastUsed < limit) { // read under the monitor: a request that just used it keeps it
          end(s, e.getKey());
        }
      }
    }
  }

  /** Sets what runs between a request's look-up of its session and its use (for tests). */
  void afterLookup(Runnable hook) {
    afterLookup = hook;
  }

  /** Number of open sessions (for tests). */
  int openSessions() {
    return sessions.size();
  }

  /**
   * Refuses new requests, answers the queued ones as refused, waits (at most 5 s) for those under
   * way, then ends every session and closes the index of blob references.
   */
  @Override
  public void close() {
    closed = true;
    reaper.shutdownNow();
    Shutdown.within(io, 5);
    for (Map.Entry<Long, Session> e : sessions.entrySet()) {
      synchronized (e.getValue()) {
        end(e.getValue(), e.getKey());
      }
    }
    pending.close();
  }
}
