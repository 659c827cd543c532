package io.medledger.chain;

import com.google.common.cache.Cache;
import com.google.common.cache.CacheBuilder;

import io.medledger.access.Participant;
import io.medledger.access.ParticipantId;
import io.medledger.codec.ByteString;
import io.medledger.codec.MalformedEncodingException;
import io.medledger.crypto.Digest;
import io.medledger.merkle.ConsistencyProof;
import io.medledger.merkle.LeafHashLog;
import io.medledger.merkle.MerkleLog;
import io.medledger.merkle.Rfc9162;
import io.medledger.storage.BlockStore;
import io.medledger.storage.InMemoryBlockStore;
import io.medledger.storage.InMemoryStateStore;
import io.medledger.storage.StateStore;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.Set;
import java.util.concurrent.locks.ReentrantReadWriteLock;
import java.util.function.Predicate;

/**
 * The ledger: the chain of certified blocks in a {@link BlockStore}, the state they produce
 * (participants, membership, grants, records), validation of new blocks, proofs and the unified
 * query.
 *
 * <p>Consensus-facing entry points: {@link #propose} builds a candidate from pending entries;
 * {@link #validate} checks a candidate against the state as of its parent (the tip) and returns
 * a verdict value; {@link #append(VerifiedBlock, Certificate)} makes a certified block final;
 * {@link #append(CertifiedBlock)} validates and appends a fetched block (catch-up);
 * {@link #membership()} reads the federation and audit servers; {@link #checkEntry} admits an
 * entry to a mempool.
 *
 * <p>Thread-safe: one appender at a time (appends are serialized by a write lock) and any number
 * of concurrent readers, validators and proposers (under the read lock). {@link #close} takes the
 * write lock; a call made after it, or waiting for the lock while it runs, throws
 * {@link LedgerClosedException} and touches no store.
 */
public final class Ledger implements AutoCloseable {
  /** How {@link Builder#open()} treats blocks already in the store. */
  public enum ReplayMode {
    /** Re-run every check, signatures and certificates included. */
    FULL,
    /**
     * Re-run every check except entry and certificate signatures, which were verified before the
     * block was appended (the store's checksums catch accidental damage; the roots are
     * recomputed, so any change to a stored entry is still detected). The default.
     */
    SKIP_SIGNATURES
  }

  /**
   * Decoded blocks kept: the listeners of a commit read the block just appended. Few, because a
   * decoded block costs about 1.5 KB per entry, and blocks kept for many heights outlive a node's
   * young collections and fill its old generation.
   */
  private static final int CACHE_BLOCKS = 4;
  /**
   * Entries of the blocks appended since {@link #deferDurability} that stay decoded for
   * {@link #block} (about 48 MiB at 1.5 KB per entry): a 256-block catch-up response of 100-entry
   * blocks whole.
   */
  static final int RETAINED_ENTRIES = 1 << 15;
  /** Bounds of what {@link #deferDurability} holds before it makes it durable anyway. */
  static final int MAX_DEFERRED_BLOCKS = 1024;
  static final int VERIFIED_AHEAD = 1 << 13;
  static final long MAX_DEFERRED_STATE_BYTES = 64L << 20;
  /** Entry ids that {@link #contains} reads from the index at once, under one hold of the read lock. */
  private static final int CONTAINS_CHUNK = 1024;

  /**
   * Index entries one page of a query examines at most: a query whose filters match few of the
   * entries it walks returns fewer items than asked, even none, with a next cursor past the last
   * entry examined, so that no single page costs more than this.
   */
  public static final int MAX_SCANNED_PER_PAGE = 65_536;

  /**
   * Entry bytes one page reads at most (one entry past it): a page whose items would hold more ends
   * with the item that reaches it and a next cursor from there, so that no page reads hundreds of
   * megabytes of large entries (grants with many key fragments, records with large capsules).
   */
  public static final int MAX_BYTES_PER_PAGE = 4 << 20;

  private final int maxScannedPerPage;
  private final ChainParameters params;
  private final BlockStore store;
  private final CertificatePolicy policy;
  private final Clock clock;
  private final boolean parallel;
  private final BlockProcessor processor;
  private final LedgerState state;
  private final ReentrantReadWriteLock lock = new ReentrantReadWriteLock();
  /** Recently read or appended blocks; bounded, concurrent, so readers do not contend on one lock. */
  private final Cache<Long, CertifiedBlock> cache = CacheBuilder.newBuilder().maximumSize(CACHE_BLOCKS).build();
  /**
   * Entries whose signatures {@link #verifySignaturesAhead} verified, by object identity (an
   * {@link Entry} is immutable, so its encoding never changes), with that encoding: proposing them
   * neither encodes them again nor looks their encoding up in the verified cache. Bounded,
   * concurrent (at most {@value #VERIFIED_AHEAD} entries, a few blocks ahead; their encodings
   * stay reachable while the block cache holds their blocks); weakly held.
   */
  private final Cache<Entry, EncodedEntry> verifiedAhead = CacheBuilder.newBuilder().weakKeys()
      .maximumSize(VERIFIED_AHEAD).build();
  /**
   * The blocks appended since the last {@link #deferDurability}, while deferring, up to
   * {@value #RETAINED_ENTRIES} entries: whoever hears of them after {@link #makeDurable} reads
   * them without decoding them again. Concurrent for {@link #block}; written and cleared under
   * the write lock.
   */
  private final Map<Long, CertifiedBlock> retained = new java.util.concurrent.ConcurrentHashMap<>();
  /** Entries in {@link #retained}, and their bound; under the write lock. */
  private int retainedEntries;
  private int retainedBound = RETAINED_ENTRIES;
  /** Appended blocks not yet durable (see {@link #deferDurability}); under the write lock. */
  private boolean deferring;
  private int deferredBlocks;
  /** Why appends are refused after a failed {@link #makeDurable}; under the write lock. */
  private RuntimeException broken;
  /** Set once by {@link #close}, under the write lock; volatile for {@link #verifySignaturesAhead} (no lock). */
  private volatile boolean closed;

  private Ledger(Builder b) {
    this.maxScannedPerPage = b.maxScannedPerPage;
    this.params = b.params;
    this.store = b.store;
    this.policy = b.policy;
    this.clock = b.clock;
    this.parallel = b.parallel;
    this.processor = new BlockProcessor(params);
    this.state = new LedgerState(b.state, b.log == null ? new MerkleLog() : b.log);
    replay(b.replay);
  }

  /** A builder for a ledger with {@code params}. */
  public static Builder builder(ChainParameters params) {
    return new Builder(params);
  }

  /**
   * Configures a ledger. Defaults: an in-memory store, the {@link CertificatePolicy#auditQuorum()}
   * policy, the UTC system clock, parallel signature verification, and
   * {@link ReplayMode#SKIP_SIGNATURES}. Not thread-safe.
   */
  public static final class Builder {
    private final ChainParameters params;
    private BlockStore store;
    private CertificatePolicy policy = CertificatePolicy.auditQuorum();
    private Clock clock = Clock.systemUTC();
    private boolean parallel = true;
    private ReplayMode replay = ReplayMode.SKIP_SIGNATURES;
    private LeafHashLog log;
    private StateStore state;
    private int maxScannedPerPage = MAX_SCANNED_PER_PAGE;

    private Builder(ChainParameters params) {
      this.params = Objects.requireNonNull(params, "params");
    }

    /** The block store (owned by the ledger from {@link #open()} on). */
    public Builder store(BlockStore s) {
      this.store = Objects.requireNonNull(s, "store");
      return this;
    }

    /** The rule for certificates. */
    public Builder certificatePolicy(CertificatePolicy p) {
      this.policy = Objects.requireNonNull(p, "policy");
      return this;
    }

    /** The clock that bounds block timestamps. */
    public Builder clock(Clock c) {
      this.clock = Objects.requireNonNull(c, "clock");
      return this;
    }

    /** Whether signature checks of a block run on all cores (same verdicts either way). */
    public Builder parallelVerification(boolean p) {
      this.parallel = p;
      return this;
    }

    /** How stored blocks are re-checked when opening. */
    public Builder replay(ReplayMode m) {
      this.replay = Objects.requireNonNull(m, "replay");
      return this;
    }

    /**
     * The ledger-wide log (default: a fresh {@link io.medledger.merkle.MerkleLog} in memory), for
     * example tiles on disk ({@code io.medledger.tlog.TileLog}); owned by the ledger from
     * {@link #open()} on and closed with it when it is {@link AutoCloseable}. A durable log may
     * already hold a prefix of the chain's leaves: replay checks them instead of appending, and
     * every append commits it after the block store.
     */
    public Builder log(LeafHashLog l) {
      this.log = Objects.requireNonNull(l, "log");
      return this;
    }

    /**
     * Where the state is kept (default: a fresh {@link InMemoryStateStore}, so every open replays
     * the chain), for example {@link StateStore#rocksDb}; owned by the ledger from {@link #open()}
     * on and closed with it. A durable store records the block it reflects: opening replays only
     * the blocks past it. The state is committed after the block (and the log), so it is never
     * ahead of them; a store found ahead of the block store is refused.
     */
    public Builder state(StateStore s) {
      this.state = Objects.requireNonNull(s, "state");
      return this;
    }

    /**
     * Opens the ledger, replaying the stored blocks past the state store's height. The ledger
     * owns the stores and the log from here on: it closes them when it is closed, or at once if
     * opening fails.
     *
     * @throws LedgerReplayException if a stored block does not decode or validate
     * @throws io.medledger.storage.StoreException if the store cannot be read
     */
    /** Another bound on the index entries one page of a query examines (tests of that bound). */
    Builder maxScannedPerPage(int n) {
      if (n < 1) {
        throw new IllegalArgumentException("maxScannedPerPage must be positive");
      }
      this.maxScannedPerPage = n;
      return this;
    }

    public Ledger open() {
      if (store == null) {
        store = new InMemoryBlockStore();
      }
      if (state == null) {
        state = new InMemoryStateStore();
      }
      try {
        return new Ledger(this);
      } catch (RuntimeException e) {
        closeQuietly(store::close, e);
        closeQuietly(state::close, e);
        closeQuietly(() -> closeLog(log), e);
        throw e;
      }
    }
  }

  private void replay(ReplayMode mode) {
    long n = store.size();
    long done = state.height();
    if (done >= n) {
      throw new LedgerReplayException(done, "the state store reflects block " + done + " but the block store holds "
          + n + " blocks: the state is ahead of the chain (the block store was replaced or lost its tail)", null);
    }
    if (done >= 0) {
      Digest stored;
      try {
        stored = Block.headerOf(store.read(done)).hash();
      } catch (MalformedEncodingException e) {
        throw new LedgerReplayException(done, e.getMessage(), e);
      }
      if (!stored.equals(state.tip().hash())) {
        throw new LedgerReplayException(done, "the state store reflects another block at this height", null);
      }
      catchUpLog(done);
    }
    for (long h = done + 1; h < n; h++) {
      CertifiedBlock cb;
      int[] bounds;
      try {
        byte[] bytes = store.read(h);
        cb = CertifiedBlock.decode(bytes);
        bounds = Block.entryBounds(bytes);
      } catch (MalformedEncodingException e) {
        throw new LedgerReplayException(h, e.getMessage(), e);
      }
      boolean full = mode == ReplayMode.FULL;
      ValidationResult<VerifiedBlock> v = validateLocked(cb.block(), false, full);
      if (v instanceof ValidationResult.Rejected<VerifiedBlock> r) {
        throw new LedgerReplayException(h, r.reason(), null);
      }
      if (full) {
        ValidationResult<Certificate> c = policy.check(cb.header(), cb.certificate(), state.membership());
        if (!c.isAccepted()) {
          throw new LedgerReplayException(h, c.reason(), null);
        }
      }
      try {
        state.apply(v.value().effects(), bounds);
      } catch (IllegalStateException e) {
        throw new LedgerReplayException(h, e.getMessage(), e);
      }
    }
    BlockHeader tip = state.tip();
    long entries = tip == null ? 0 : tip.ledgerSize();
    if (state.log.size() != entries) {
      throw new LedgerReplayException(n - 1, "the ledger-wide log holds " + state.log.size()
          + " leaves but the chain " + entries, null);
    }
    state.log.commit();
  }

  /**
   * Appends to the ledger-wide log the leaves of blocks up to {@code height} (which the state
   * already reflects) that it lacks: all of them for a log in memory, none for a durable log
   * committed before the state. Checks the result against that block's ledger root.
   */
  private void catchUpLog(long height) {
    BlockHeader at = state.header(height);
    long have = state.log.size();
    if (have < at.ledgerSize()) {
      for (long h = state.blockOf(have); h <= height; h++) {
        BlockHeader hh = state.header(h);
        long first = hh.ledgerSize() - hh.entryCount();
        List<EncodedEntry> es = CertifiedBlock.decode(store.read(h)).block().encodedEntries();
        for (int i = (int) Math.max(0, have - first); i < es.size(); i++) {
          state.log.appendLeafHash(es.get(i).leafHash());
        }
      }
      state.log.commit();
    }
    if (at.ledgerSize() > 0 && !state.log.root(at.ledgerSize()).equals(at.ledgerRoot())) {
      throw new LedgerReplayException(height, "the ledger-wide log does not match the state store's tip", null);
    }
  }

  /** Runs {@code close}; a failure is kept as suppressed by {@code failure}, and the next close still runs. */
  private static void closeQuietly(Runnable close, RuntimeException failure) {
    try {
      close.run();
    } catch (RuntimeException suppressed) {
      failure.addSuppressed(suppressed);
    }
  }

  private static void closeLog(LeafHashLog log) {
    if (log instanceof AutoCloseable c) {
      try {
        c.close();
      } catch (RuntimeException e) {
        throw e;
      } catch (Exception e) {
        throw new IllegalStateException("cannot close the ledger-wide log: " + e.getMessage(), e);
      }
    }
  }

  // ------------------------------------------------------------------ state

  /** Takes the read lock. @throws LedgerClosedException (the lock not held) if the ledger is closed */
  private void lockRead() {
    lock.readLock().lock();
    if (closed) {
      lock.readLock().unlock();
      throw new LedgerClosedException();
    }
  }

  /** Takes the write lock. @throws LedgerClosedException (the lock not held) if the ledger is closed */
  private void lockWrite() {
    lock.writeLock().lock();
    if (closed) {
      lock.writeLock().unlock();
      throw new LedgerClosedException();
    }
  }

  /** Whether a thread waits for the ledger's lock (for tests that race a call with {@link #close}). */
  boolean lockWaiters() {
    return lock.hasQueuedThreads();
  }

  /** The chain parameters. */
  public ChainParameters parameters() {
    return params;
  }

  /** The height of the tip, -1 when the chain is empty. */
  public long height() {
    lockRead();
    try {
      return state.height();
    } finally {
      lock.readLock().unlock();
    }
  }

  /** The tip's header, empty before genesis. */
  public Optional<BlockHeader> tip() {
    lockRead();
    try {
      return Optional.ofNullable(state.tip());
    } finally {
      lock.readLock().unlock();
    }
  }

  /** The header at {@code height}. @throws IndexOutOfBoundsException outside 0..height() */
  public BlockHeader header(long height) {
    lockRead();
    try {
      return state.header(height);
    } finally {
      lock.readLock().unlock();
    }
  }

  /** All headers from {@code from} to {@code to} inclusive (for light clients). */
  public List<BlockHeader> headers(long from, long to) {
    lockRead();
    try {
      if (from < 0 || to > state.height() || from > to + 1) {
        throw new IndexOutOfBoundsException("no headers from " + from + " to " + to);
      }
      List<BlockHeader> out = new ArrayList<>();
      for (long h = from; h <= to; h++) {
        out.add(state.header(h));
      }
      return List.copyOf(out);
    } finally {
      lock.readLock().unlock();
    }
  }

  /** The stored block at {@code height} with its certificate. @throws IndexOutOfBoundsException outside 0..height() */
  public CertifiedBlock block(long height) {
    CertifiedBlock cached = cachedBlock(height);
    if (cached != null) {
      return cached;
    }
    CertifiedBlock cb = CertifiedBlock.decode(read(height));
    cache.put(height, cb);
    return cb;
  }

  /** The stored bytes of block {@code height}, read under the read lock (the store is open while it is held). */
  private byte[] read(long height) {
    lockRead();
    try {
      return store.read(height);
    } finally {
      lock.readLock().unlock();
    }
  }

  /**
   * The canonical encoding of the block at {@code height} (as {@link Block#encode()}, without its
   * certificate), taken from the stored bytes without decoding its entries: for serving catch-up.
   *
   * @throws IndexOutOfBoundsException outside 0..height()
   */
  public byte[] encodedBlock(long height) {
    CertifiedBlock cached = cachedBlock(height);
    if (cached != null) {
      return cached.block().encode();
    }
    byte[] stored = read(height);
    return java.util.Arrays.copyOfRange(stored, 1, CertifiedBlock.split(stored).blockEnd());
  }

  /**
   * The encoding of the certified block at {@code height} (as {@link CertifiedBlock#encode()}),
   * the bytes the block store holds, neither decoded nor encoded again; empty if it takes more
   * than {@code maxBytes}, told before the block is read when its entries alone pass
   * {@code maxBytes} (from the state's record of where they lie). For serving blocks within a cap.
   *
   * @throws IndexOutOfBoundsException outside 0..height()
   */
  public Optional<byte[]> encodedCertifiedBlock(long height, int maxBytes) {
    CertifiedBlock cached = cachedBlock(height);
    if (cached != null) {
      return 1L + cached.block().encodedSize() + cached.certificate().encodedSize() > maxBytes ? Optional.empty()
          : Optional.of(cached.encode());
    }
    int[] bounds;
    lockRead();
    try {
      bounds = state.entryBounds(height);
    } finally {
      lock.readLock().unlock();
    }
    if (bounds != null && bounds.length > 0 && bounds[bounds.length - 1] > maxBytes) {
      return Optional.empty();
    }
    byte[] stored = read(height);
    return stored.length > maxBytes ? Optional.empty() : Optional.of(stored);
  }

  /**
   * The certificate of the block at {@code height}, taken from the stored bytes without decoding
   * the block's entries.
   *
   * @throws IndexOutOfBoundsException outside 0..height()
   */
  public Certificate certificate(long height) {
    CertifiedBlock cached = cachedBlock(height);
    return cached != null ? cached.certificate() : CertifiedBlock.split(read(height)).certificate();
  }

  private CertifiedBlock cachedBlock(long height) {
    if (height < 0 || height > height()) {
      throw new IndexOutOfBoundsException("no block at height " + height);
    }
    CertifiedBlock b = cache.getIfPresent(height);
    return b != null ? b : retained.get(height);
  }

  /** Keeps {@code cb}, just appended, in {@link #retained} while deferring and within its bound; else empties it. */
  private void retain(CertifiedBlock cb) {
    if (!deferring) {
      releaseRetained();
      return;
    }
    int n = cb.block().entries().size();
    if (retainedEntries + n <= retainedBound) {
      retained.put(cb.header().height(), cb);
      retainedEntries += n;
    }
  }

  /** Sets the bound of {@link #retained} (for tests). */
  void retainAtMost(int entries) {
    lockWrite();
    try {
      retainedBound = entries;
    } finally {
      lock.writeLock().unlock();
    }
  }

  private void releaseRetained() {
    if (!retained.isEmpty()) {
      retained.clear();
      retainedEntries = 0;
    }
  }

  /** The federation servers, audit servers and regulators as of the tip. */
  public Membership membership() {
    lockRead();
    try {
      return state.membership();
    } finally {
      lock.readLock().unlock();
    }
  }

  /**
   * The membership as it held after block {@code height}: the one that ordered block
   * {@code height + 1}. Kept as change points, so any past height costs a map lookup.
   *
   * @throws IllegalArgumentException if {@code height} is not in 0..{@link #height()}
   */
  /**
   * The heights, from {@code from} to {@code to} (both included, and at most the tip), of the
   * blocks whose membership changes or evidence changed the consensus membership, ascending, at
   * most {@code max} of them. Genesis is not listed.
   *
   * @throws IllegalArgumentException if {@code max} is negative
   */
  public List<Long> membershipChangeHeights(long from, long to, int max) {
    if (max < 0) {
      throw new IllegalArgumentException("max " + max);
    }
    lockRead();
    try {
      return state.membershipChangeHeights(from, to, max);
    } finally {
      lock.readLock().unlock();
    }
  }

  public Membership membershipAfter(long height) {
    lockRead();
    try {
      return state.membershipAfter(height);
    } finally {
      lock.readLock().unlock();
    }
  }

  /**
   * The transparency-log witnesses the chain lists as of the tip, in order of listing
   * ({@link WitnessChange}).
   */
  public List<Witness> witnesses() {
    lockRead();
    try {
      return state.witnesses;
    } finally {
      lock.readLock().unlock();
    }
  }

  /**
   * The witnesses listed after block {@code height} (empty before the first listing): the ones
   * whose cosignatures count for a checkpoint of that block's ledger size.
   *
   * @throws IllegalArgumentException if {@code height} is negative or beyond the tip
   */
  public List<Witness> witnessesAt(long height) {
    lockRead();
    try {
      if (height < 0 || height > state.height()) {
        throw new IllegalArgumentException("no block at height " + height);
      }
      return state.witnessesAt(height);
    } finally {
      lock.readLock().unlock();
    }
  }

  /**
   * A registered participant (active or removed). A clinician, researcher or storage node of an
   * institution governance removed ({@link InstitutionRemoval}) reads as removed.
   */
  public Optional<Participant> participant(ParticipantId id) {
    lockRead();
    try {
      return Optional.ofNullable(state.standing(id));
    } finally {
      lock.readLock().unlock();
    }
  }

  /**
   * The key publication in force for {@code id} (its first, or the research-key upgrade that
   * followed it; read back from the block store), if any.
   */
  public Optional<KeyPublication> publishedKeys(ParticipantId id) {
    lockRead();
    try {
      Digest d = state.publishedKey(id);
      Long idx = d == null ? null : state.entryIndex(d);
      return idx == null ? Optional.empty() : Optional.of((KeyPublication) entryAt(locationOf(idx)));
    } finally {
      lock.readLock().unlock();
    }
  }

  /** A grant by entry id (read back from the block store, key fragments included). */
  public Optional<AccessGrant> grant(Digest grantId) {
    lockRead();
    try {
      Long idx = state.grant(grantId) != null ? state.entryIndex(grantId) : null;
      return idx == null ? Optional.empty() : Optional.of((AccessGrant) entryAt(locationOf(idx)));
    } finally {
      lock.readLock().unlock();
    }
  }

  /**
   * Whether grant {@code grantId} exists and is in force at {@code time}: inside its validity
   * window and before the time of the block that revoked it, if any.
   */
  public boolean isGrantActive(Digest grantId, long time) {
    lockRead();
    try {
      LedgerState.GrantInfo g = state.grant(grantId);
      return g != null && g.inForceAt(time);
    } finally {
      lock.readLock().unlock();
    }
  }

  /**
   * Whether a final {@link AccessRevocation} names grant {@code grantId}, whatever the grant's
   * window (an expired grant may still be revoked, and stays unrevoked until it is). False for an
   * unknown id.
   */
  public boolean isGrantRevoked(Digest grantId) {
    lockRead();
    try {
      LedgerState.GrantInfo g = state.grant(grantId);
      return g != null && g.revoked();
    } finally {
      lock.readLock().unlock();
    }
  }

  /**
   * Whether a final {@link RecordErasure} names record {@code recordId}: its payload was erased,
   * and the ledger accepts no access event for it and no amendment of it. False for an unknown id.
   */
  public boolean isErased(Digest recordId) {
    lockRead();
    try {
      LedgerState.RecordInfo r = state.record(recordId);
      return r != null && r.erased();
    } finally {
      lock.readLock().unlock();
    }
  }

  /**
   * Whether each of {@code entryIds} is on the chain, in order: batched reads of the entry index
   * (1,024 ids to a read, each under the read lock), without locating the entries' blocks.
   */
  public boolean[] contains(List<Digest> entryIds) {
    boolean[] present = new boolean[entryIds.size()];
    for (int from = 0; from < present.length; from += CONTAINS_CHUNK) {
      List<Digest> part = entryIds.subList(from, Math.min(present.length, from + CONTAINS_CHUNK));
      Set<Digest> absent;
      lockRead();
      try {
        absent = state.absentEntries(part);
      } finally {
        lock.readLock().unlock();
      }
      for (int i = 0; i < part.size(); i++) {
        present[from + i] = !absent.contains(part.get(i));
      }
    }
    return present;
  }

  /**
   * The final entry {@code entryId}, if it is on the chain: read by its byte range in its block
   * and checked against its leaf in the ledger-wide log (the whole block is read, and checked,
   * only when that fails), so its cost does not grow with the rest of its block.
   *
   * @throws io.medledger.storage.StoreCorruptedException if the entry's stored block is damaged
   */
  public Optional<Entry> entry(Digest entryId) {
    lockRead();
    try {
      Long idx = state.entryIndex(entryId);
      return idx == null ? Optional.empty() : Optional.of(entryAt(locationOf(idx)));
    } finally {
      lock.readLock().unlock();
    }
  }

  /**
   * The amendment lineage of final record {@code recordId} as the state records it: its own id,
   * then the ids of the records it amends, back to the original (at most
   * {@link Limits#MAX_AMENDMENT_DEPTH}); empty if it is no final record. One state read; no block
   * is read.
   */
  public List<Digest> recordLineage(Digest recordId) {
    lockRead();
    try {
      LedgerState.RecordInfo r = state.record(recordId);
      return r == null ? List.of() : List.copyOf(r.lineage());
    } finally {
      lock.readLock().unlock();
    }
  }

  /** Where entry {@code entryId} is, if it is on the chain. */
  public Optional<EntryLocation> locate(Digest entryId) {
    lockRead();
    try {
      Long idx = state.entryIndex(entryId);
      return idx == null ? Optional.empty() : Optional.of(locationOf(idx));
    } finally {
      lock.readLock().unlock();
    }
  }

  /** The key publication with entry id {@code id}, read back from the block store (under the lock). */
  private KeyPublication publicationAt(Digest id) {
    return (KeyPublication) entryAt(locationOf(state.entryIndex(id)));
  }

  private EntryLocation locationOf(long ledgerIndex) {
    long height = state.blockOf(ledgerIndex);
    BlockHeader h = state.header(height);
    long start = h.ledgerSize() - h.entryCount();
    return new EntryLocation(height, (int) (ledgerIndex - start), ledgerIndex);
  }

  /** The entry at {@code loc}, checked against its leaf in the ledger-wide log. */
  private Entry entryAt(EntryLocation loc) {
    return encodedEntryAt(loc).entry;
  }

  /** As {@link #entryAt}, with the entry's encoding as stored. */
  private EncodedEntry encodedEntryAt(EntryLocation loc) {
    Digest leaf = state.log.leafHash(loc.ledgerIndex());
    return encodedEntriesAt(loc.height(), new int[] {loc.indexInBlock()}, null,
        es -> es.get(0).leafHash().equals(leaf)).get(0);
  }

  /**
   * The entries at {@code positions} (ascending) of block {@code height}: from the block cache,
   * else each read by its byte range ({@code ranges}: offset and length per entry, interleaved;
   * if null, from the block's entry bounds where the state records them), else
   * decoded from the whole block. {@code check} (a hash comparison the caller trusts) must accept
   * what is read: if a range read fails it, the whole block is read, which the block store checks
   * by its checksum.
   *
   * @throws io.medledger.storage.StoreCorruptedException if the stored block is damaged
   * @throws IllegalStateException if the whole block does not pass {@code check} either (the
   *     state store disagrees with the block store)
   */
  private List<Entry> entriesAt(long height, int[] positions, int[] ranges, Predicate<List<EncodedEntry>> check) {
    return encodedEntriesAt(height, positions, ranges, check).stream().map(e -> e.entry).toList();
  }

  /** As {@link #entriesAt}, with the entries' encodings as stored. */
  private List<EncodedEntry> encodedEntriesAt(long height, int[] positions, int[] ranges,
      Predicate<List<EncodedEntry>> check) {
    CertifiedBlock cached = cache.getIfPresent(height);
    if (cached != null) {
      List<EncodedEntry> all = cached.block().encodedEntries();
      return java.util.Arrays.stream(positions).mapToObj(all::get).toList();
    }
    List<EncodedEntry> read = rangeRead(height, ranges == null ? boundsRanges(height, positions) : ranges);
    if (read == null || !check.test(read)) {
      read = Block.entriesAt(store.read(height), positions);
      if (!check.test(read)) {
        throw new IllegalStateException("block " + height + " does not hold the entries the state store records");
      }
    }
    return read;
  }

  /** Offset and length of the entries at {@code positions} of block {@code height}, from its bounds; null if unknown. */
  private int[] boundsRanges(long height, int[] positions) {
    int[] bounds = state.entryBounds(height);
    if (bounds == null) {
      return null;
    }
    int[] ranges = new int[2 * positions.length];
    for (int i = 0; i < positions.length; i++) {
      int p = positions[i];
      if (p < 0 || p + 1 >= bounds.length) {
        return null;
      }
      ranges[2 * i] = bounds[p] + 4;
      ranges[2 * i + 1] = bounds[p + 1] - bounds[p] - 4;
    }
    return ranges;
  }

  /** The entries at {@code ranges} (offset and length each) of block {@code height}, or null if that cannot be done. */
  private List<EncodedEntry> rangeRead(long height, int[] ranges) {
    if (ranges == null) {
      return null;
    }
    List<EncodedEntry> out = new ArrayList<>(ranges.length / 2);
    try {
      for (int i = 0; i < ranges.length; i += 2) {
        int length = ranges[i + 1];
        if (length < 0 || length > Limits.MAX_ENTRY_BYTES) {
          return null;
        }
        out.add(EntryCodec.readEncoded(store.readRange(height, ranges[i], length)));
      }
    } catch (MalformedEncodingException | IndexOutOfBoundsException e) {
      return null; // damaged bounds or bytes: the whole block decides
    }
    return out;
  }

  // ------------------------------------------------------------------ consensus entry points

  /**
   * Verifies the signatures of {@code entries} ahead of the block that will hold them, as
   * admission to a pending pool does, but without authorization (which needs the state that
   * block will see). Entries whose signatures verify are remembered by their exact encoding, so
   * that proposing or validating a block holding them does not verify them again (from 16
   * entries, their signatures are checked as batches, as block validation does); nothing else
   * changes, and every other rule is still checked then. The entry objects themselves are
   * remembered too (by identity, with their encoding), so proposing them does not encode them again. Takes no lock, so it runs while another
   * thread proposes or appends the block before.
   *
   * @return the entries whose signatures do not verify, in order (empty if all do)
   */
  public List<Entry> verifySignaturesAhead(List<Entry> entries) {
    if (closed) {
      throw new LedgerClosedException();
    }
    EncodedEntry[] enc = new EncodedEntry[entries.size()];
    java.util.stream.IntStream range = java.util.stream.IntStream.range(0, enc.length);
    (parallel ? range.parallel() : range).forEach(i -> enc[i] = EncodedEntry.of(entries.get(i)));
    boolean[] ok = new boolean[enc.length];
    checkUnverified(enc, ok);
    List<Entry> bad = new ArrayList<>();
    for (int i = 0; i < enc.length; i++) {
      if (ok[i]) {
        verifiedAhead.put(entries.get(i), enc[i]);
      } else {
        bad.add(entries.get(i));
      }
    }
    return bad;
  }

  /**
   * Sets {@code ok[i]} for each entry not yet marked: the signatures of all of them are checked as
   * batches, and only if a batch fails, one entry at a time.
   */
  private void checkUnverified(EncodedEntry[] enc, boolean[] ok) {
    checkUnverified(enc, ok, new boolean[enc.length]);
  }

  /** {@link #checkUnverified(EncodedEntry[], boolean[])}, leaving out the entries marked in {@code skip}. */
  private void checkUnverified(EncodedEntry[] enc, boolean[] ok, boolean[] skip) {
    List<EncodedEntry> rest = new ArrayList<>();
    for (int i = 0; i < enc.length; i++) {
      if (!ok[i] && !skip[i]) {
        rest.add(enc[i]);
      }
    }
    if (rest.isEmpty()) {
      return;
    }
    boolean all = processor.verifySignatures(rest, parallel) == null;
    java.util.stream.IntStream range = java.util.stream.IntStream.range(0, enc.length);
    (parallel ? range.parallel() : range).forEach(i -> {
      if (!ok[i] && !skip[i]) {
        ok[i] = all || processor.signaturesValid(enc[i]);
      }
    });
  }

  /**
   * Marks the entries not yet verified ({@code ok[i]} false) whose ids the ledger already holds.
   * They are refused as duplicates whatever their signatures, so a member that gossips old entries
   * again costs a proposer a lookup each, not a signature check.
   */
  private boolean[] onLedgerAmong(EncodedEntry[] enc, boolean[] ok) {
    boolean[] on = new boolean[enc.length];
    List<Digest> ids = new ArrayList<>();
    for (int i = 0; i < enc.length; i++) {
      if (!ok[i]) {
        ids.add(enc[i].id());
      }
    }
    if (ids.isEmpty()) {
      return on;
    }
    Set<Digest> absent;
    lockRead();
    try {
      absent = state.absentEntries(ids);
    } finally {
      lock.readLock().unlock();
    }
    for (int i = 0; i < enc.length; i++) {
      on[i] = !ok[i] && !absent.contains(enc[i].id());
    }
    return on;
  }

  /**
   * Checks one entry (signatures and authorization) against the state as of the tip at the
   * current clock time, for admission to a pending pool.
   */
  public ValidationResult<Entry> checkEntry(Entry entry) {
    EncodedEntry e = EncodedEntry.of(entry);
    if (!processor.signaturesValid(e)) {
      return ValidationResult.rejected("missing or invalid signature");
    }
    lockRead();
    try {
      BlockProcessor.Context c = new BlockProcessor.Context(state.height() + 1, clock.millis(),
          state.servingFederation());
      String r = processor.authorize(e, new Overlay(state, this::publicationAt), c);
      return r == null ? ValidationResult.accepted(entry) : ValidationResult.rejected(r);
    } finally {
      lock.readLock().unlock();
    }
  }

  /**
   * Builds the next block on the tip from {@code pending} entries, in order: invalid entries are
   * left out (with reasons), entries beyond {@link ChainParameters#maxBlockEntries()} or
   * {@link ChainParameters#maxBlockBytes()}, and patient registrations beyond their registrar's
   * {@link ChainParameters#registrationsPerRegistrar()}, are deferred. The candidate is validated against the tip state; it still needs a certificate.
   *
   * @param bookkeeper the proposer (must be a federation server, except for genesis)
   * @param round the consensus round
   * @param consensusData opaque protocol data for the header
   * @param timestamp the block time, epoch milliseconds (not before the tip's, not beyond the
   *     clock plus the allowed skew)
   * @param pending the pending entries
   * @return the candidate, or a rejection when the header itself would be invalid
   */
  public ValidationResult<BlockCandidate> propose(ParticipantId bookkeeper, long round, ByteString consensusData,
      long timestamp, List<Entry> pending) {
    EncodedEntry[] enc = new EncodedEntry[pending.size()];
    boolean[] ok = new boolean[enc.length];
    java.util.stream.IntStream range = java.util.stream.IntStream.range(0, ok.length);
    (parallel ? range.parallel() : range).forEach(i -> {
      EncodedEntry ahead = verifiedAhead.getIfPresent(pending.get(i));
      enc[i] = ahead != null ? ahead : EncodedEntry.of(pending.get(i));
      ok[i] = ahead != null;
    });
    boolean[] onLedger = onLedgerAmong(enc, ok);
    checkUnverified(enc, ok, onLedger);
    List<EncodedEntry> encoded = java.util.Arrays.asList(enc);
    lockRead();
    try {
      BlockHeader tip = state.tip();
      long height = state.height() + 1;
      String hp = headerProblem(height, tip, bookkeeper, timestamp, true);
      if (hp != null) {
        return ValidationResult.rejected(hp);
      }
      Overlay o = new Overlay(state, this::publicationAt).prefetchEntries(encoded);
      BlockProcessor.Context c = new BlockProcessor.Context(height, timestamp, state.servingFederation());
      List<EncodedEntry> included = new ArrayList<>();
      List<BlockCandidate.RejectedEntry> rejected = new ArrayList<>();
      List<Entry> deferred = new ArrayList<>();
      long bytes = 1 + 400 + Limits.MAX_CONSENSUS_DATA + 4;
      for (int i = 0; i < encoded.size(); i++) {
        EncodedEntry e = encoded.get(i);
        if (onLedger[i]) {
          rejected.add(new BlockCandidate.RejectedEntry(e.entry, "duplicate entry"));
          continue;
        }
        if (!ok[i]) {
          rejected.add(new BlockCandidate.RejectedEntry(e.entry, "missing or invalid signature", true));
          continue;
        }
        if (included.size() >= params.maxBlockEntries() || bytes + 4 + e.encoded.length > params.maxBlockBytes()
            || processor.beyondRegistrationBound(e, o, c)) {
          deferred.add(e.entry);
          continue;
        }
        String r = processor.authorize(e, o, c);
        if (r != null) {
          rejected.add(new BlockCandidate.RejectedEntry(e.entry, r));
          continue;
        }
        processor.apply(e, o, height, timestamp);
        included.add(e);
        bytes += 4 + e.encoded.length;
      }
      if (o.federationSize() < 1) {
        return ValidationResult.rejected("the federation must not be empty after the block");
      }
      BlockEffects.Roots roots = BlockProcessor.roots(state, included, height);
      BlockHeader header = new BlockHeader(params.chainId(), height, tip == null ? BlockHeader.NO_PARENT : tip.hash(),
          timestamp, bookkeeper, round, consensusData, included.size(), roots.entriesRoot(), roots.subBlocksRoot(),
          roots.patientHeadsRoot(), roots.ledgerSize(), roots.ledgerRoot());
      Block block = new Block(header, included, true);
      VerifiedBlock vb = new VerifiedBlock(
          new BlockEffects(block, o, roots), this);
      return ValidationResult.accepted(new BlockCandidate(vb, rejected, deferred));
    } finally {
      lock.readLock().unlock();
    }
  }

  /**
   * Builds a block on the tip from {@code entries} exactly as given, with correct roots but
   * without checking signatures or authorization: for tools and fault injection (a Byzantine
   * proposer in a simulation). {@link #validate} decides whether the result is acceptable.
   */
  public Block assembleUnchecked(ParticipantId bookkeeper, long round, long timestamp, List<Entry> entries) {
    return assembleEncoded(bookkeeper, round, timestamp, entries.stream().map(EncodedEntry::of).toList());
  }

  /** As {@link #assembleUnchecked}, from encodings as given (tests craft encodings no entry value can have). */
  Block assembleEncoded(ParticipantId bookkeeper, long round, long timestamp, List<EncodedEntry> encoded) {
    lockRead();
    try {
      BlockHeader tip = state.tip();
      long height = state.height() + 1;
      BlockEffects.Roots roots = BlockProcessor.roots(state, encoded, height);
      BlockHeader header = new BlockHeader(params.chainId(), height, tip == null ? BlockHeader.NO_PARENT : tip.hash(),
          timestamp, bookkeeper, round, ByteString.EMPTY, encoded.size(), roots.entriesRoot(), roots.subBlocksRoot(),
          roots.patientHeadsRoot(), roots.ledgerSize(), roots.ledgerRoot());
      return new Block(header, encoded, true);
    } finally {
      lock.readLock().unlock();
    }
  }

  /**
   * Validates {@code block} as the next block on the tip: chain id, height, link, timestamps
   * (not before the parent's, at most the skew ahead of the clock), bookkeeper, every entry's
   * signatures (on all cores when configured), every entry's authorization against the state as
   * of the parent updated by the block's earlier entries, no duplicates, and every root.
   */
  public ValidationResult<VerifiedBlock> validate(Block block) {
    lockRead();
    try {
      return validateLocked(block, true, true);
    } finally {
      lock.readLock().unlock();
    }
  }

  /**
   * Every rule of {@link #validate} except the timestamp's bound against the local clock: the
   * check for a block that a quorum certified, which is never refused for this node's clock.
   */
  public ValidationResult<VerifiedBlock> validateIgnoringClock(Block block) {
    lockRead();
    try {
      return validateLocked(block, false, true);
    } finally {
      lock.readLock().unlock();
    }
  }

  /**
   * Every rule of {@link #validateIgnoringClock} except the entries' signatures: the check for a
   * block whose quorum certificate the caller has verified against the voters of its height (more
   * than two thirds of them validated every signature before voting). Used by catch-up; a live
   * proposal always goes through {@link #validate}.
   */
  public ValidationResult<VerifiedBlock> validateCertified(Block block) {
    lockRead();
    try {
      return validateLocked(block, false, false);
    } finally {
      lock.readLock().unlock();
    }
  }

  /**
   * Does ahead, on the calling thread, the part of validating and appending {@code block} with
   * {@code certificate} that depends only on those two and on the membership: the block's hashes
   * of its own entries (entry ids, leaf hashes, entries root, per-patient entry roots), which the
   * block keeps, and the certificate policy's check against the membership after block
   * {@code height - 1} (after the tip while the ledger has not reached it). The policy's verdict
   * is dropped: a policy with a remembering verifier then finds the signatures it verified here.
   * Trusts nothing and changes no ledger state: {@link #validateCertified} and {@link #append}
   * still run every check. For bulk sync, whose blocks are known before they are applied.
   * Thread-safe.
   */
  public void precheck(Block block, Certificate certificate) {
    Objects.requireNonNull(certificate, "certificate");
    block.precompute();
    long h = block.height();
    if (h < 1) {
      return;
    }
    Membership m;
    lockRead();
    try {
      if (state.height() < 0) {
        return;
      }
      m = state.membershipAfter(Math.min(h - 1, state.height()));
    } finally {
      lock.readLock().unlock();
    }
    policy.check(block.header(), certificate, m);
  }

  /**
   * {@link #precheck}'s certificate work for many blocks at once: hands {@code blocks} and
   * {@code certificates} (same length) with their memberships, as {@link #precheck} finds them,
   * to the certificate policy's {@link CertificatePolicy#prepare}, which may check their signatures
   * as one batch. Trusts nothing and changes no ledger state. Thread-safe.
   *
   * @throws IllegalArgumentException if the lists differ in length
   */
  public void prepareCertificates(List<Block> blocks, List<Certificate> certificates) {
    if (blocks.size() != certificates.size()) {
      throw new IllegalArgumentException("blocks and certificates differ in number");
    }
    List<BlockHeader> headers = new ArrayList<>(blocks.size());
    List<Certificate> certs = new ArrayList<>(blocks.size());
    List<Membership> memberships = new ArrayList<>(blocks.size());
    lockRead();
    try {
      if (state.height() < 0) {
        return;
      }
      for (int i = 0; i < blocks.size(); i++) {
        long h = blocks.get(i).height();
        if (h >= 1) {
          headers.add(blocks.get(i).header());
          certs.add(Objects.requireNonNull(certificates.get(i), "certificate"));
          memberships.add(state.membershipAfter(Math.min(h - 1, state.height())));
        }
      }
    } finally {
      lock.readLock().unlock();
    }
    policy.prepare(headers, certs, memberships);
  }

  /** Every rule except the entry signatures (what replay in {@link ReplayMode#SKIP_SIGNATURES} runs). */
  ValidationResult<VerifiedBlock> validateWithoutSignatures(Block block) {
    lockRead();
    try {
      return validateLocked(block, true, false);
    } finally {
      lock.readLock().unlock();
    }
  }

  private String headerProblem(long height, BlockHeader tip, ParticipantId bookkeeper, long timestamp,
      boolean checkClock) {
    if (tip != null && timestamp < tip.timestamp()) {
      return "timestamp " + timestamp + " is before the parent's " + tip.timestamp();
    }
    if (checkClock && timestamp > clock.millis() + params.maxClockSkew().toMillis()) {
      return "timestamp " + timestamp + " is too far ahead of the clock";
    }
    if (height > 0 && !state.federation.contains(bookkeeper)) {
      return "bookkeeper " + bookkeeper + " is not an active federation server";
    }
    if (height > 0 && state.suspended.contains(bookkeeper)) {
      return "bookkeeper " + bookkeeper + " is suspended by evidence";
    }
    return null;
  }

  private ValidationResult<VerifiedBlock> validateLocked(Block block, boolean checkClock, boolean checkSignatures) {
    BlockHeader h = block.header();
    BlockHeader tip = state.tip();
    long height = state.height() + 1;
    if (!h.chainId().equals(params.chainId())) {
      return ValidationResult.rejected("block is for another chain");
    }
    if (h.height() != height) {
      return ValidationResult.rejected("height " + h.height() + " does not follow the tip (expected " + height + ")");
    }
    if (!h.previousHash().equals(tip == null ? BlockHeader.NO_PARENT : tip.hash())) {
      return ValidationResult.rejected("previous hash does not match the tip");
    }
    String hp = headerProblem(height, tip, h.bookkeeper(), h.timestamp(), checkClock);
    if (hp != null) {
      return ValidationResult.rejected(hp);
    }
    if (h.entryCount() > params.maxBlockEntries()) {
      return ValidationResult.rejected("block has " + h.entryCount() + " entries, above the limit");
    }
    if (block.encodedSize() > params.maxBlockBytes()) {
      return ValidationResult.rejected("block is " + block.encodedSize() + " bytes, above the limit");
    }
    List<EncodedEntry> entries = block.encodedEntries();
    if (checkSignatures) {
      String r = processor.verifySignatures(entries, parallel);
      if (r != null) {
        return ValidationResult.rejected(r);
      }
    }
    Overlay o = new Overlay(state, this::publicationAt).prefetchEntries(entries);
    BlockProcessor.Context c = new BlockProcessor.Context(height, h.timestamp(), state.servingFederation());
    for (int i = 0; i < entries.size(); i++) {
      EncodedEntry e = entries.get(i);
      String r = processor.authorize(e, o, c);
      if (r != null) {
        return ValidationResult.rejected("entry " + i + " (" + e.entry.kind().label() + " " + e.id().toHex() + "): " + r);
      }
      processor.apply(e, o, height, h.timestamp());
    }
    if (o.federationSize() < 1) {
      return ValidationResult.rejected("the federation must not be empty after the block");
    }
    BlockEffects.Roots roots = BlockProcessor.roots(state, block.localRoots(), height);
    if (!roots.entriesRoot().equals(h.entriesRoot())) {
      return ValidationResult.rejected("entries root does not match the entries");
    }
    if (!roots.subBlocksRoot().equals(h.subBlocksRoot())) {
      return ValidationResult.rejected("sub-blocks root does not match the entries");
    }
    if (!roots.patientHeadsRoot().equals(h.patientHeadsRoot())) {
      return ValidationResult.rejected("patient-heads root does not match");
    }
    if (roots.ledgerSize() != h.ledgerSize() || !roots.ledgerRoot().equals(h.ledgerRoot())) {
      return ValidationResult.rejected("ledger-wide log size or root does not match");
    }
    return ValidationResult.accepted(new VerifiedBlock(
        new BlockEffects(block, o, roots), this));
  }

  /**
   * Makes a verified block final with its certificate: checks that its parent is still the tip
   * and that the certificate satisfies the policy (against the membership as of the parent),
   * writes the certified block durably to the store, then applies it to the state.
   *
   * @throws io.medledger.storage.StoreException if the store fails (the state is then unchanged)
   */
  public ValidationResult<CertifiedBlock> append(VerifiedBlock block, Certificate certificate) {
    Objects.requireNonNull(certificate, "certificate");
    lockWrite();
    try {
      if (block.ledger() != this) {
        return ValidationResult.rejected("the block was verified by another ledger");
      }
      BlockHeader tip = state.tip();
      Digest expected = tip == null ? BlockHeader.NO_PARENT : tip.hash();
      if (!block.header().previousHash().equals(expected) || block.header().height() != state.height() + 1) {
        return ValidationResult.rejected("the tip moved since the block was validated");
      }
      return appendLocked(block, certificate);
    } finally {
      lock.writeLock().unlock();
    }
  }

  /**
   * Validates a certified block fetched from elsewhere (catch-up) and appends it if both the
   * block and its certificate are valid. Its timestamp is not checked against the local clock:
   * a quorum certified it.
   */
  public ValidationResult<CertifiedBlock> append(CertifiedBlock block) {
    lockWrite();
    try {
      ValidationResult<VerifiedBlock> v = validateLocked(block.block(), false, true);
      if (v instanceof ValidationResult.Rejected<VerifiedBlock> r) {
        return ValidationResult.rejected(r.reason());
      }
      return appendLocked(v.value(), block.certificate());
    } finally {
      lock.writeLock().unlock();
    }
  }

  private ValidationResult<CertifiedBlock> appendLocked(VerifiedBlock block, Certificate certificate) {
    if (broken != null) {
      throw new IllegalStateException("the ledger failed to make blocks durable; reopen it", broken);
    }
    ValidationResult<Certificate> c = policy.check(block.header(), certificate, state.membership());
    if (c instanceof ValidationResult.Rejected<Certificate> r) {
      return ValidationResult.rejected(r.reason());
    }
    CertifiedBlock cb = new CertifiedBlock(block.block(), certificate);
    if (store.size() != state.height() + 1) {
      throw new IllegalStateException("the block store was modified outside the ledger");
    }
    byte[] encoded = cb.encode();
    if (deferring) {
      store.appendDeferred(encoded);
    } else {
      store.append(encoded);
    }
    try {
      state.apply(block.effects(), Block.entryBounds(encoded));
    } catch (RuntimeException e) {
      // The block is in the store but the state did not advance: reopening replays it.
      state.reload();
      throw e;
    }
    cache.put(cb.header().height(), cb);
    retain(cb);
    if (deferring && (++deferredBlocks >= MAX_DEFERRED_BLOCKS
        || state.store.pendingBytes() >= MAX_DEFERRED_STATE_BYTES)) {
      makeDurableLocked();
    }
    return ValidationResult.accepted(cb);
  }

  /**
   * Defers durability of the blocks appended from now until {@link #makeDurable}: each is written
   * to the block store without a force, and the ledger-wide log and the state store are committed
   * once for all of them (at most {@value #MAX_DEFERRED_BLOCKS} blocks or 64 MiB of state changes
   * are held; past that they are made durable early). For catch-up of blocks that are already
   * final on the network: a crash before {@link #makeDurable} may lose some of them (never an
   * earlier block), and reopening replays whatever the block store kept. Queries see the blocks
   * at once. The blocks appended from now stay decoded for {@link #block} (up to
   * {@value #RETAINED_ENTRIES} entries) until the next call of this method or the next append
   * outside a deferral, so that a listener that hears of them after {@link #makeDurable} does not
   * decode them again. Idempotent.
   */
  public void deferDurability() {
    lockWrite();
    try {
      releaseRetained();
      deferring = true;
      state.defer(true);
    } finally {
      lock.writeLock().unlock();
    }
  }

  /**
   * Makes every appended block durable and ends {@link #deferDurability}: forces the block store,
   * then commits the ledger-wide log, then writes the state changes of the deferred blocks as one
   * state-store commit, so that on disk the block store is never behind the log nor the log behind
   * the state. A no-op when nothing is deferred.
   *
   * @throws io.medledger.storage.StoreException if a store fails; the ledger then refuses
   *     appends until it is reopened (which replays what the block store holds)
   */
  public void makeDurable() {
    lockWrite();
    try {
      deferring = false;
      state.defer(false);
      if (broken != null) {
        throw new IllegalStateException("the ledger failed to make blocks durable; reopen it", broken);
      }
      makeDurableLocked();
    } finally {
      lock.writeLock().unlock();
    }
  }

  private void makeDurableLocked() {
    if (deferredBlocks == 0) {
      return;
    }
    try {
      store.sync();
      state.makeDurable();
      deferredBlocks = 0;
    } catch (RuntimeException e) {
      broken = e;
      throw e;
    }
  }

  // ------------------------------------------------------------------ proofs

  /** Proof that entry {@code entryId} is in its block, against that block's header. */
  public Optional<EntryInclusionProof> entryInclusionProof(Digest entryId) {
    lockRead();
    try {
      Long idx = state.entryIndex(entryId);
      if (idx == null) {
        return Optional.empty();
      }
      EntryLocation loc = locationOf(idx);
      BlockHeader h = state.header(loc.height());
      long start = h.ledgerSize() - h.entryCount();
      MerkleLog blockLog = new MerkleLog();
      for (long i = 0; i < h.entryCount(); i++) {
        blockLog.appendLeafHash(state.log.leafHash(start + i));
      }
      return Optional.of(new EntryInclusionProof(entryAt(loc), loc.height(),
          blockLog.inclusionProof(loc.indexInBlock(), h.entryCount())));
    } finally {
      lock.readLock().unlock();
    }
  }

  /**
   * Proof that entry {@code entryId} is in the ledger-wide log as of the header at
   * {@code atHeight} (which must be at or after the entry's block). The entry is read by its byte
   * range in its block and checked against its leaf in the log.
   *
   * @throws io.medledger.storage.StoreCorruptedException if the entry's stored block is damaged
   */
  public Optional<LedgerInclusionProof> ledgerInclusionProof(Digest entryId, long atHeight) {
    lockRead();
    try {
      Long idx = state.entryIndex(entryId);
      if (idx == null || atHeight < 0 || atHeight > state.height()) {
        return Optional.empty();
      }
      long size = state.header(atHeight).ledgerSize();
      if (idx >= size) {
        return Optional.empty();
      }
      return Optional.of(new LedgerInclusionProof(entryAt(locationOf(idx)), state.log.inclusionProof(idx, size)));
    } finally {
      lock.readLock().unlock();
    }
  }

  /** Proof that the header at {@code newer} extends the ledger-wide log of the header at {@code older}. */
  public HeaderConsistencyProof consistencyProof(long older, long newer) {
    lockRead();
    try {
      if (older < 0 || newer < older || newer > state.height()) {
        throw new IllegalArgumentException("need 0 <= older <= newer <= " + state.height());
      }
      long s1 = state.header(older).ledgerSize();
      long s2 = state.header(newer).ledgerSize();
      ConsistencyProof p = s1 == 0 ? new ConsistencyProof(0, s2, List.of()) : state.log.consistencyProof(s1, s2);
      return new HeaderConsistencyProof(older, newer, p);
    } finally {
      lock.readLock().unlock();
    }
  }

  /**
   * Proof that the sub-block of {@code key} (a patient's pseudonym digest, or
   * {@link SubBlockHeader#NO_PATIENT}) at {@code height} is committed to by that block's header;
   * empty if the block has no entry for that key.
   */
  public Optional<SubBlockInclusionProof> subBlockInclusionProof(Digest key, long height) {
    lockRead();
    try {
      if (height < 0 || height > state.height()) {
        return Optional.empty();
      }
      java.util.TreeMap<Digest, List<Digest>> groups = new java.util.TreeMap<>();
      for (Entry e : block(height).block().entries()) {
        Digest k = e.subject().map(ParticipantId::digest).orElse(SubBlockHeader.NO_PATIENT);
        groups.computeIfAbsent(k, x -> new ArrayList<>()).add(e.leafHash());
      }
      if (!groups.containsKey(key)) {
        return Optional.empty();
      }
      MerkleLog tree = new MerkleLog();
      long index = -1;
      SubBlockHeader wanted = null;
      for (Map.Entry<Digest, List<Digest>> g : groups.entrySet()) {
        SubBlockIndex ix = state.subBlocks(g.getKey());
        SubBlockHeader s = ix.header(g.getKey(), ix.indexOf(height), Rfc9162.rootOfLeafHashes(g.getValue()));
        long i = tree.appendLeafHash(BlockProcessor.subBlockLeaf(g.getKey(), s.hash()));
        if (g.getKey().equals(key)) {
          index = i;
          wanted = s;
        }
      }
      return Optional.of(new SubBlockInclusionProof(wanted, tree.inclusionProof(index, tree.size())));
    } finally {
      lock.readLock().unlock();
    }
  }

  /**
   * The complete history of {@code patient} as of the tip, provable against the tip header. Each
   * entry is read by its byte range in its block and checked against the sub-block hash the state
   * records (the whole block is read when that is not possible or the check fails).
   *
   * @throws io.medledger.storage.StoreCorruptedException if a stored block is damaged
   */
  public PatientHistoryProof patientHistory(ParticipantId patient) {
    return history(patient.digest());
  }

  /**
   * The bytes of the entry encodings {@link #patientHistory} would carry for {@code patient}, as
   * the state's index records them, without reading a block: a server may refuse a history too
   * large to answer before building it. Its proof and any text form are larger still. Reads every
   * sub-block record of the patient; {@link #patientHistoryBytes(ParticipantId, long)} stops early.
   */
  public long patientHistoryBytes(ParticipantId patient) {
    return patientHistoryBytes(patient, Long.MAX_VALUE);
  }

  /**
   * As {@link #patientHistoryBytes(ParticipantId)}, but reads the patient's sub-block records, in
   * height order, only until their entries exceed {@code limit}: the result is exact when it is at
   * most {@code limit}, and otherwise some number larger than {@code limit}. The cost of asking
   * is bounded by {@code limit}, not by the length of the history.
   *
   * @throws IllegalArgumentException if {@code limit} is negative
   */
  public long patientHistoryBytes(ParticipantId patient, long limit) {
    if (limit < 0) {
      throw new IllegalArgumentException("negative limit " + limit);
    }
    lockRead();
    try {
      return state.subBlockBytes(patient.digest(), limit);
    } finally {
      lock.readLock().unlock();
    }
  }

  /** The complete history of entries about no patient, provable against the tip header. */
  public PatientHistoryProof nonPatientHistory() {
    return history(SubBlockHeader.NO_PATIENT);
  }

  private PatientHistoryProof history(Digest key) {
    lockRead();
    try {
      if (state.tip() == null) {
        throw new IllegalStateException("the chain is empty");
      }
      SubBlockIndex ix = state.subBlocks(key);
      int n = ix == null ? 0 : ix.size();
      List<PatientHistoryProof.SubBlock> out = new ArrayList<>(n);
      for (int i = n - 1; i >= 0; i--) {
        out.add(subBlock(key, ix, i));
      }
      return new PatientHistoryProof(key, state.height(), state.headsTree.prove(key), out);
    } finally {
      lock.readLock().unlock();
    }
  }

  /**
   * One page of the history of {@code patient} (or, with the zero id, of the entries about no
   * patient), oldest sub-block first: those above height {@code page.after()} (-1 for the first
   * page), at most {@code page.limit()} of them and about {@link #MAX_BYTES_PER_PAGE} bytes of
   * entries, at least one. The page that reaches the tip carries the head proof at the tip and is
   * the last. {@code page.withProofs()} is ignored: every page carries what links it.
   *
   * @throws IllegalArgumentException if {@code page.after()} is not the height of one of the
   *     patient's sub-blocks (a cursor of this patient's pages)
   * @throws io.medledger.storage.StoreCorruptedException if a stored block is damaged
   */
  public PatientHistoryPage patientHistory(ParticipantId patient, PageRequest page) {
    return patientHistory(patient, page, Long.MAX_VALUE);
  }

  /**
   * As {@link #patientHistory(ParticipantId, PageRequest)}, with the page's encoding, less its head
   * proof ({@link PatientHistoryPage#HEAD_BYTES} at most), held to {@code maxBytes}: a server
   * answering within a cap passes what remains of it. The state's index tells each sub-block's
   * size, so a refusal reads no block.
   *
   * @throws IllegalArgumentException also if the page's first sub-block alone exceeds
   *     {@code maxBytes}
   */
  public PatientHistoryPage patientHistory(ParticipantId patient, PageRequest page, long maxBytes) {
    Digest key = patient.digest();
    lockRead();
    try {
      if (state.tip() == null) {
        throw new IllegalStateException("the chain is empty");
      }
      int skip = page.after() < 0 ? 0 : 1; // the cursor's own sub-block, read for the link
      SubBlockIndex ix = state.subBlocks(key, Math.max(0, page.after()), page.limit() + skip + 1);
      if (skip == 1 && (ix == null || ix.height(0) != page.after())) {
        throw new IllegalArgumentException("no sub-block of " + patient + " at height " + page.after());
      }
      int n = ix == null ? 0 : ix.size();
      long soft = Math.min(maxBytes, MAX_BYTES_PER_PAGE);
      long bytes = 0;
      int end = skip;
      while (end < n && end - skip < page.limit()) {
        long b = PatientHistoryPage.encodedBytes(ix.ranges(end));
        if (end == skip && b > maxBytes) {
          throw new IllegalArgumentException("the sub-block of " + patient + " at height " + ix.height(end) + " takes "
              + b + " bytes, more than the " + maxBytes + " a page may");
        }
        if (end > skip && bytes + b > soft) {
          break;
        }
        bytes += b;
        end++;
      }
      List<PatientHistoryProof.SubBlock> out = new ArrayList<>(end - skip);
      for (int i = skip; i < end; i++) {
        out.add(subBlock(key, ix, i));
      }
      Optional<PatientHeadProof> head = end == n ? Optional.of(state.headsTree.prove(key)) : Optional.empty();
      return new PatientHistoryPage(key, state.height(), head, out);
    } finally {
      lock.readLock().unlock();
    }
  }

  /**
   * Sub-block {@code i} of {@code ix}, which must hold its predecessor unless it is the key's first:
   * its entries read by their byte ranges and checked against the hash the state records.
   */
  private PatientHistoryProof.SubBlock subBlock(Digest key, SubBlockIndex ix, int i) {
    Digest stored = ix.hash(i);
    SubBlockHeader[] header = new SubBlockHeader[1];
    List<Entry> es = entriesAt(ix.height(i), ix.positions(i), ix.ranges(i), read -> {
      List<Digest> leaves = new ArrayList<>(read.size());
      for (EncodedEntry e : read) {
        leaves.add(e.leafHash());
      }
      header[0] = ix.header(key, i, Rfc9162.rootOfLeafHashes(leaves));
      return header[0].hash().equals(stored);
    });
    if (header[0] == null) {
      // from the block cache (verified when appended)
      header[0] = ix.header(key, i, Rfc9162.rootOfLeafHashes(es.stream().map(Entry::leafHash).toList()));
    }
    return new PatientHistoryProof.SubBlock(header[0], es);
  }

  // ------------------------------------------------------------------ unified query

  /**
   * Medical records matching {@code query}, in ledger order, one page at a time. A page examines
   * at most {@link #MAX_SCANNED_PER_PAGE} index entries and reads about
   * {@link #MAX_BYTES_PER_PAGE} bytes of entries at most, so it may hold fewer items than asked
   * (even none) and still have a next cursor. The other pages ({@link #grantsByPatient} and the
   * like) are bounded by the same byte count.
   */
  public Page<MedicalRecord> records(RecordQuery query, PageRequest page) {
    lockRead();
    try {
      // Walk the narrowest list the query names (a patient's, an author's, an institution's, a
      // type's, or all records) and filter on the rest.
      byte[] list = query.patient().map(p -> QueryIndex.prefix(QueryIndex.Index.RECORDS_BY_PATIENT, p))
          .or(() -> query.author().map(p -> QueryIndex.prefix(QueryIndex.Index.RECORDS_BY_AUTHOR, p)))
          .or(() -> query.institution().map(p -> QueryIndex.prefix(QueryIndex.Index.RECORDS_BY_INSTITUTION, p)))
          .or(() -> query.resourceType().map(t -> QueryIndex.prefix(QueryIndex.Index.RECORDS_BY_TYPE,
              QueryIndex.typeKey(t))))
          .orElse(QueryIndex.ALL_RECORDS);
      Predicate<Long> match = i -> {
        QueryIndex.RecordMeta m = QueryIndex.meta(state.store, i);
        return query.patient().map(m.patient()::equals).orElse(true)
            && query.institution().map(p -> p.equals(m.institution())).orElse(true)
            && query.author().map(m.author()::equals).orElse(true)
            && query.resourceType().map(m.resourceType()::equals).orElse(true)
            && m.createdAt() >= query.from() && m.createdAt() < query.until();
      };
      return page(list, match, page, MedicalRecord.class);
    } finally {
      lock.readLock().unlock();
    }
  }

  /** Grants made by {@code patient}. */
  public Page<AccessGrant> grantsByPatient(ParticipantId patient, PageRequest page) {
    return simplePage(QueryIndex.Index.GRANTS_BY_PATIENT, patient, page, AccessGrant.class);
  }

  /** Grants received by {@code grantee}. */
  public Page<AccessGrant> grantsByGrantee(ParticipantId grantee, PageRequest page) {
    return simplePage(QueryIndex.Index.GRANTS_BY_GRANTEE, grantee, page, AccessGrant.class);
  }

  /** Access events on {@code patient}'s records (the patient's audit trail). */
  public Page<AccessEvent> accessEventsByPatient(ParticipantId patient, PageRequest page) {
    return simplePage(QueryIndex.Index.EVENTS_BY_PATIENT, patient, page, AccessEvent.class);
  }

  /** Access events by {@code accessor}. */
  public Page<AccessEvent> accessEventsByAccessor(ParticipantId accessor, PageRequest page) {
    return simplePage(QueryIndex.Index.EVENTS_BY_ACCESSOR, accessor, page, AccessEvent.class);
  }

  private <E extends Entry> Page<E> simplePage(QueryIndex.Index index, ParticipantId key, PageRequest page,
      Class<E> type) {
    lockRead();
    try {
      return page(QueryIndex.prefix(index, key), i -> true, page, type);
    } finally {
      lock.readLock().unlock();
    }
  }

  private <E extends Entry> Page<E> page(byte[] list, Predicate<Long> match, PageRequest page, Class<E> type) {
    List<Long> picked = new ArrayList<>();
    long[] next = {-1};
    int[] examined = {0};
    long[] lastExamined = {page.after()};
    state.scanIndex(list, page.after(), idx -> {
      if (examined[0] == maxScannedPerPage) {
        next[0] = lastExamined[0]; // bounded work per page: the next one goes on after the last examined
        return false;
      }
      examined[0]++;
      lastExamined[0] = idx;
      if (!match.test(idx)) {
        return true;
      }
      if (picked.size() == page.limit()) {
        next[0] = picked.get(picked.size() - 1);
        return false;
      }
      picked.add(idx);
      return true;
    });
    BlockHeader tip = state.tip();
    List<QueryHit<E>> hits = new ArrayList<>();
    long bytes = 0;
    for (int i = 0; i < picked.size(); i++) {
      long idx = picked.get(i);
      EntryLocation loc = locationOf(idx);
      EncodedEntry encoded = encodedEntryAt(loc);
      E entry = type.cast(encoded.entry);
      Optional<LedgerInclusionProof> proof = page.withProofs()
          ? Optional.of(new LedgerInclusionProof(entry, state.log.inclusionProof(idx, tip.ledgerSize())))
          : Optional.empty();
      hits.add(new QueryHit<>(entry, loc.height(), idx, proof));
      bytes += encoded.encoded.length; // as stored: no entry is encoded again to be counted
      if (bytes >= MAX_BYTES_PER_PAGE && i + 1 < picked.size()) {
        next[0] = idx; // bounded bytes per page: the next one goes on after this item
        break;
      }
    }
    return new Page<>(hits, next[0] < 0 ? OptionalLong.empty() : OptionalLong.of(next[0]),
        page.withProofs() ? Optional.ofNullable(tip) : Optional.empty());
  }

  /**
   * Makes deferred blocks durable and commits the ledger-wide log, then closes the block store, the
   * state store and the log. Waits for the append or read in progress, if any; from then on every
   * method but {@link #parameters} throws {@link LedgerClosedException}. Idempotent: a second call
   * does nothing.
   */
  @Override
  public void close() {
    lock.writeLock().lock();
    try {
      if (closed) {
        return;
      }
      closed = true;
      try {
        if (broken == null) {
          deferring = false;
          state.defer(false);
          makeDurableLocked();
          state.commitLog(); // appends commit the log only every few blocks: a clean reopen then reads no block
        }
      } finally {
        try {
          store.close();
        } finally {
          try {
            state.store.close();
          } finally {
            closeLog(state.log);
          }
        }
      }
    } finally {
      lock.writeLock().unlock();
    }
  }

}
