package io.medledger.storage;

import io.medledger.crypto.Digest;
import io.medledger.crypto.Sha256;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.lang.System.Logger.Level;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.security.DigestOutputStream;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;

/**
 * Keeps each payload on several storage nodes: a write goes to all {@code n} nodes and succeeds
 * once {@code w} acknowledge; a read takes the first copy, from any node, whose digest verifies,
 * falls back to the next node on a failure or mismatch, and repairs the missing or corrupt copies
 * it met on the way (read repair, at most once per {@link #READ_REPAIR_INTERVAL} for a payload on a
 * node); {@link #sweep} checks and repairs every copy of a list of
 * payloads; {@link #erase} deletes every copy and says where. A node taken out for good
 * ({@link #retire}: its institution removed, or gone) is no longer written, read or counted, and
 * {@link #rebalance} copies the payloads it leaves short back to {@code r} active nodes.
 *
 * <p>The streaming forms ({@link #putReplicated(InputStream)}, {@link #readTo}, {@link #open}) move
 * a payload of any size in bounded memory: it is spooled once to an owner-only temporary file in
 * the spool directory, hashed there, and sent to or served from that file. Bytes are handed to the
 * caller only after the whole copy verified, so a corrupted copy is never returned.
 *
 * <p>Thread-safe if the nodes' stores are.
 */
public final class ReplicatedBlobStore implements BlobStore {
  private static final System.Logger LOG = System.getLogger(ReplicatedBlobStore.class.getName());
  /** Default largest streamed payload: {@link FileBlobStore#DEFAULT_MAX_BLOB_BYTES}, what a storage node takes by default. */
  public static final long MAX_STREAMED_BYTES = FileBlobStore.DEFAULT_MAX_BLOB_BYTES;
  private final Map<String, StorageNode> nodes;
  private final int writeQuorum;
  private final Path spoolDirectory;
  private final long maxStreamedBytes;
  /** The nodes taken out for good ({@link #retire}); only ever grows. */
  private final Set<String> retired = java.util.concurrent.ConcurrentHashMap.newKeySet();
  /** Reads the time for the read-repair budget ({@link System#nanoTime} but in tests). */
  private final java.util.function.LongSupplier nanos;
  /** When a read last rewrote each (node, payload), the oldest forgotten first. Guarded by itself. */
  private final Map<RepairKey, Long> readRepairs = new LinkedHashMap<>(16, 0.75f, false) {
    private static final long serialVersionUID = 1L;

    @Override
    protected boolean removeEldestEntry(Map.Entry<RepairKey, Long> eldest) {
      return size() > READ_REPAIRS_REMEMBERED;
    }
  };

  /**
   * Shortest time between two read repairs of one payload on one node: a node that answers
   * "missing" on every read costs the readers one rewrite per interval, not one per read.
   */
  public static final java.time.Duration READ_REPAIR_INTERVAL = java.time.Duration.ofMinutes(10);
  /** How many (node, payload) read repairs are remembered for {@link #READ_REPAIR_INTERVAL}. */
  static final int READ_REPAIRS_REMEMBERED = 4096;

  private record RepairKey(String node, Digest id) {}

  /**
   * Creates a replicated store over {@code nodes} with write quorum {@code writeQuorum}, spooling
   * streamed payloads in the JVM's temporary directory.
   *
   * @throws IllegalArgumentException if node ids repeat or the quorum is not in [1, n]
   */
  public ReplicatedBlobStore(List<StorageNode> nodes, int writeQuorum) {
    this(nodes, writeQuorum, Path.of(System.getProperty("java.io.tmpdir")));
  }

  /**
   * Creates a replicated store that spools streamed payloads in {@code spoolDirectory}.
   *
   * @throws IllegalArgumentException if node ids repeat or the quorum is not in [1, n]
   */
  public ReplicatedBlobStore(List<StorageNode> nodes, int writeQuorum, Path spoolDirectory) {
    this(nodes, writeQuorum, spoolDirectory, MAX_STREAMED_BYTES);
  }

  /**
   * Creates a replicated store that spools streamed payloads in {@code spoolDirectory}, refuses
   * streamed payloads longer than {@code maxStreamedBytes}, and reads no copy longer than that (a
   * node serving more is cut off there and skipped as corrupt).
   *
   * @throws IllegalArgumentException if node ids repeat, the quorum is not in [1, n] or the bound
   *     is not positive
   */
  public ReplicatedBlobStore(List<StorageNode> nodes, int writeQuorum, Path spoolDirectory, long maxStreamedBytes) {
    this(nodes, writeQuorum, spoolDirectory, maxStreamedBytes, System::nanoTime);
  }

  /** As above, reading the time for the read-repair budget from {@code nanos} (for tests). */
  ReplicatedBlobStore(List<StorageNode> nodes, int writeQuorum, Path spoolDirectory, long maxStreamedBytes,
      java.util.function.LongSupplier nanos) {
    this.nanos = Objects.requireNonNull(nanos, "nanos");
    if (maxStreamedBytes < 1) {
      throw new IllegalArgumentException("maxStreamedBytes must be positive");
    }
    this.maxStreamedBytes = maxStreamedBytes;
    Map<String, StorageNode> m = new LinkedHashMap<>();
    for (StorageNode n : nodes) {
      if (m.put(n.id(), n) != null) {
        throw new IllegalArgumentException("duplicate storage node id " + n.id());
      }
    }
    if (m.isEmpty() || writeQuorum < 1 || writeQuorum > m.size()) {
      throw new IllegalArgumentException("write quorum must be between 1 and the number of nodes (" + m.size() + ")");
    }
    this.nodes = java.util.Collections.unmodifiableMap(m);
    this.writeQuorum = writeQuorum;
    this.spoolDirectory = Objects.requireNonNull(spoolDirectory, "spoolDirectory");
  }

  /** The nodes' ids, in configuration order. */
  public List<String> nodeIds() {
    return List.copyOf(nodes.keySet());
  }

  /**
   * Takes node {@code nodeId} out for good: its institution was removed, or it was removed itself,
   * or it is gone and will not come back. From then on no payload is placed on it, no read or
   * repair asks it, and its copies count towards no quorum or replication factor; an erasure still
   * asks it, best effort, without waiting for it. Only {@link #rebalance} reads it, as a last
   * source of a payload no active node holds, and checks what it serves by hash. A retired node is
   * never taken back: a node that returns is configured again in a new store.
   *
   * @throws IllegalArgumentException if no node of this store has that id
   */
  public void retire(String nodeId) {
    if (!nodes.containsKey(nodeId)) {
      throw new IllegalArgumentException("no storage node " + nodeId + " in this store");
    }
    if (retired.add(nodeId)) {
      LOG.log(Level.INFO, () -> "storage node " + nodeId + " retired: nothing is placed on it or read from it any more");
    }
  }

  /** The retired nodes' ids ({@link #retire}). */
  public Set<String> retired() {
    return Set.copyOf(retired);
  }

  /** The ids of the nodes not retired, in configuration order. */
  public List<String> activeNodeIds() {
    return active().stream().map(StorageNode::id).toList();
  }

  /** The nodes not retired, in configuration order. */
  private List<StorageNode> active() {
    return nodes.values().stream().filter(n -> !retired.contains(n.id())).toList();
  }

  /** The write quorum {@code w}. */
  public int writeQuorum() {
    return writeQuorum;
  }

  /**
   * Where a payload's copies were written.
   *
   * @param id the payload's SHA-256
   * @param size its length in bytes
   * @param nodeIds the nodes that acknowledged the write
   * @param receipts by node id, the signed receipts of the nodes that acknowledged with one (every
   *     {@link AttestingBlobStore}; a node whose receipt did not check is not among {@code nodeIds})
   */
  public record Placement(Digest id, long size, List<String> nodeIds, Map<String, StorageReceipt> receipts) {
    /** Copies the collections. */
    public Placement {
      nodeIds = List.copyOf(nodeIds);
      receipts = java.util.Collections.unmodifiableMap(new LinkedHashMap<>(receipts));
    }

    /** A placement without receipts. */
    public Placement(Digest id, long size, List<String> nodeIds) {
      this(id, size, nodeIds, Map.of());
    }
  }

  /**
   * Writes {@code data} to every node and returns where it landed.
   *
   * @throws InsufficientReplicasException if fewer than {@code w} nodes acknowledged; the copies
   *     that were written are then removed again, best effort
   */
  public Placement putReplicated(byte[] data) {
    try (Spool s = new MemorySpool(data)) {
      return place(Sha256.hash(data), data.length, s);
    }
  }

  /**
   * Streams {@code data} (read to its end; the caller closes it) to every node through one spool
   * file and returns where it landed.
   *
   * @throws InsufficientReplicasException if fewer than {@code w} nodes acknowledged
   * @throws BlobUnavailableException if {@code data} cannot be read or the spool written
   * @throws IllegalArgumentException if {@code data} is longer than the store's bound
   *     ({@link #MAX_STREAMED_BYTES} unless set)
   */
  public Placement putReplicated(InputStream data) {
    try (FileSpool s = new FileSpool(spoolDirectory)) {
      MessageDigest sha = Sha256.newMessageDigest();
      long size = 0;
      try (OutputStream o = new DigestOutputStream(s.out(), sha)) {
        byte[] buf = new byte[64 << 10];
        for (int n; (n = data.read(buf)) >= 0; ) {
          size += n;
          if (size > maxStreamedBytes) {
            throw new IllegalArgumentException("a payload may be at most " + maxStreamedBytes + " bytes");
          }
          o.write(buf, 0, n);
        }
      } catch (IOException e) {
        throw new BlobUnavailableException("cannot spool the payload: " + e.getMessage(), e);
      }
      return place(Digest.of(sha.digest()), size, s);
    }
  }

  private Placement place(Digest id, long size, Spool spool) {
    List<String> acked = new ArrayList<>();
    List<String> failures = new ArrayList<>();
    Map<String, StorageReceipt> receipts = new LinkedHashMap<>();
    for (StorageNode n : active()) {
      try {
        copyTo(n, id, size, spool).ifPresent(r -> receipts.put(n.id(), r));
        acked.add(n.id());
      } catch (RuntimeException e) {
        failures.add(n.id() + " (" + e.getMessage() + ")");
      }
    }
    if (acked.size() < writeQuorum) {
      for (String nid : acked) {
        try {
          nodes.get(nid).store().delete(id);
        } catch (RuntimeException ignored) {
          // best effort: an orphan copy is unreferenced and content-addressed
        }
      }
      throw new InsufficientReplicasException("write of " + id + " reached " + acked.size() + " of the "
          + writeQuorum + " nodes required; failed: " + String.join(", ", failures));
    }
    if (!failures.isEmpty()) {
      LOG.log(Level.WARNING, () -> "write of " + id + " missed " + String.join(", ", failures));
    }
    return new Placement(id, size, acked, receipts);
  }

  /**
   * Writes the spooled payload {@code id} of {@code size} bytes to {@code n}: an
   * {@link AttestingBlobStore} counts only with its held receipt for this chain, blob and size,
   * which is returned; another store only if it names the same digest.
   *
   * @throws BlobUnavailableException if the node failed, or its receipt or digest is not the one
   *     asked for
   */
  private static Optional<StorageReceipt> copyTo(StorageNode n, Digest id, long size, Spool spool) {
    if (n.store() instanceof AttestingBlobStore a) {
      StorageReceipt r = attestedFrom(a, spool);
      if (r.statement() instanceof StorageStatement.Held h && h.blob().equals(id) && h.size() == size
          && r.verify(a.nodeKey(), a.chainId())) {
        return Optional.of(r);
      }
      throw new BlobUnavailableException("its receipt is not the node's for this chain, blob and size");
    }
    if (!putFrom(n, spool).equals(id)) {
      throw new BlobUnavailableException("returned a different digest");
    }
    return Optional.empty();
  }

  private static StorageReceipt attestedFrom(AttestingBlobStore a, Spool spool) {
    try (InputStream in = spool.in()) {
      return a.putAttested(in);
    } catch (IOException e) {
      throw new BlobUnavailableException("cannot read the spool: " + e.getMessage(), e);
    }
  }

  private static Digest putFrom(StorageNode n, Spool spool) {
    try (InputStream in = spool.in()) {
      return n.store().put(in);
    } catch (IOException e) {
      throw new BlobUnavailableException("cannot read the spool: " + e.getMessage(), e);
    }
  }

  @Override
  public Digest put(byte[] data) {
    return putReplicated(data).id();
  }

  @Override
  public Digest put(InputStream data) {
    return putReplicated(data).id();
  }

  /**
   * What a read found: the node that served the verified copy, the nodes whose copies were
   * rewritten from it, and every problem met on the way, by node (missing, corrupt, or why the node
   * could not be reached).
   *
   * @param id the payload
   * @param size its length
   * @param servedBy the node whose copy was returned
   * @param repaired nodes that lacked the payload or held a corrupt copy and were rewritten
   * @param problems node id to what was wrong with it, in the order tried
   */
  public record ReadReport(Digest id, long size, String servedBy, List<String> repaired, Map<String, String> problems) {
    /** Copies the collections. */
    public ReadReport {
      repaired = List.copyOf(repaired);
      problems = java.util.Collections.unmodifiableMap(new LinkedHashMap<>(problems));
    }

    /** The nodes that returned bytes that do not hash to the id. */
    public List<String> corrupt() {
      return problems.entrySet().stream().filter(e -> e.getValue().startsWith("corrupt")).map(Map.Entry::getKey).toList();
    }
  }

  /**
   * Reads a verified copy, trying {@code preferred} nodes first and then the rest, and repairs
   * the nodes among those tried that lacked the blob or held a corrupt copy.
   *
   * @throws InsufficientReplicasException if no node holds a verified copy
   */
  public byte[] read(Digest id, List<String> preferred) {
    return read(id, maxStreamedBytes, preferred);
  }

  /**
   * As {@link #read(Digest, List)}, for a payload known to be {@code size} bytes long (as its record
   * states): a node's copy is cut off and skipped as corrupt at its first byte past {@code size}, so
   * a node cannot make the reader hold more than that.
   *
   * @throws InsufficientReplicasException if no node holds a verified copy of at most {@code size} bytes
   * @throws IllegalArgumentException if {@code size} is negative
   */
  public byte[] read(Digest id, long size, List<String> preferred) {
    try (MemorySpool s = new MemorySpool(null)) {
      fetch(id, preferred, s, bound(size));
      return s.bytes();
    }
  }

  /** The most bytes a read of a payload of {@code size} bytes takes from a node. */
  private long bound(long size) {
    if (size < 0) {
      throw new IllegalArgumentException("a payload of " + size + " bytes");
    }
    return Math.min(size, maxStreamedBytes);
  }

  /**
   * Streams a verified copy of {@code id} to {@code out} (as {@link #read(Digest, List)}, through a
   * spool file): nothing reaches {@code out} before the whole copy verified.
   *
   * @throws InsufficientReplicasException if no node holds a verified copy
   * @throws BlobUnavailableException if the spool or {@code out} fails
   */
  public ReadReport readTo(Digest id, List<String> preferred, OutputStream out) {
    try (FileSpool s = new FileSpool(spoolDirectory)) {
      ReadReport r = fetch(id, preferred, s, maxStreamedBytes);
      try (InputStream in = s.in()) {
        in.transferTo(out);
      } catch (IOException e) {
        throw new BlobUnavailableException("cannot copy " + id + " out: " + e.getMessage(), e);
      }
      return r;
    }
  }

  /**
   * A verified copy of {@code id} as a stream (as {@link #readTo}); the spool file is deleted when
   * the stream is closed.
   *
   * @throws InsufficientReplicasException if no node holds a verified copy
   */
  public InputStream open(Digest id, List<String> preferred) {
    return open(id, maxStreamedBytes, preferred);
  }

  /**
   * As {@link #open(Digest, List)}, for a payload known to be {@code size} bytes long (as its record
   * states): a node's copy is cut off and skipped as corrupt at its first byte past {@code size}, so
   * a node cannot make the reader spool more than that.
   *
   * @throws InsufficientReplicasException if no node holds a verified copy of at most {@code size} bytes
   * @throws IllegalArgumentException if {@code size} is negative
   */
  public InputStream open(Digest id, long size, List<String> preferred) {
    long max = bound(size);
    FileSpool s = new FileSpool(spoolDirectory);
    try {
      fetch(id, preferred, s, max);
      return s.detach();
    } finally {
      s.close();
    }
  }

  /** Reads a verified copy of at most {@code max} bytes into {@code spool}; see {@link #read(Digest, List)}. */
  private ReadReport fetch(Digest id, List<String> preferred, Spool spool, long max) {
    List<String> active = activeNodeIds();
    Set<String> order = new LinkedHashSet<>();
    for (String p : preferred) {
      if (active.contains(p)) {
        order.add(p);
      }
    }
    order.addAll(active);
    return fetchFrom(id, order, spool, max, true);
  }

  /**
   * Reads a verified copy of at most {@code max} bytes into {@code spool} from the nodes of
   * {@code order}, in turn; rewrites the missing and corrupt copies met on the way if
   * {@code readRepair}.
   */
  private ReadReport fetchFrom(Digest id, Collection<String> order, Spool spool, long max, boolean readRepair) {
    List<String> needRepair = new ArrayList<>();
    Map<String, String> problems = new LinkedHashMap<>();
    for (String nid : order) {
      StorageNode n = nodes.get(nid);
      MessageDigest sha = Sha256.newMessageDigest();
      boolean found;
      try (OutputStream o = new DigestOutputStream(new AtMost(spool.reset(), max), sha)) {
        found = n.store().read(id, o);
      } catch (BlobCorruptedException e) {
        needRepair.add(nid);
        problems.put(nid, "corrupt: " + e.getMessage());
        continue;
      } catch (IOException | RuntimeException e) {
        problems.put(nid, "unreachable: " + e.getMessage());
        continue;
      }
      if (!found) {
        needRepair.add(nid);
        problems.put(nid, "missing");
      } else if (!Digest.of(sha.digest()).equals(id)) {
        needRepair.add(nid);
        problems.put(nid, "corrupt: the copy served does not hash to the id");
      } else {
        List<String> repaired = new ArrayList<>();
        for (String bad : readRepair ? needRepair : List.<String>of()) {
          if (!readRepairDue(bad, id)) {
            problems.put(bad, problems.get(bad) + "; not rewritten: a read rewrote it less than "
                + READ_REPAIR_INTERVAL.toMinutes() + " min ago");
            continue;
          }
          try {
            if (putFrom(nodes.get(bad), spool).equals(id)) {
              repaired.add(bad);
            }
          } catch (RuntimeException e) {
            problems.put(bad, problems.get(bad) + "; repair failed: " + e.getMessage());
          }
        }
        ReadReport r = new ReadReport(id, spool.size(), nid, repaired, problems);
        if (!problems.isEmpty()) {
          LOG.log(Level.WARNING, () -> "read of " + id + " served by " + nid + "; problems " + r.problems()
              + "; repaired " + r.repaired());
        }
        return r;
      }
    }
    throw new InsufficientReplicasException("no node holds a verified copy of " + id + ": " + problems);
  }

  /**
   * Whether a read may rewrite {@code id} on {@code node} now: not if a read did in the last
   * {@link #READ_REPAIR_INTERVAL}. Counts this one.
   */
  private boolean readRepairDue(String node, Digest id) {
    long now = nanos.getAsLong();
    RepairKey k = new RepairKey(node, id);
    synchronized (readRepairs) {
      Long last = readRepairs.get(k);
      if (last != null && now - last < READ_REPAIR_INTERVAL.toNanos()) {
        return false;
      }
      readRepairs.remove(k); // re-inserted last: the oldest are forgotten first
      readRepairs.put(k, now);
      return true;
    }
  }

  @Override
  public Optional<byte[]> get(Digest id) {
    try {
      return Optional.of(read(id, List.of()));
    } catch (InsufficientReplicasException e) {
      return Optional.empty();
    }
  }

  @Override
  public boolean read(Digest id, OutputStream out) {
    try {
      readTo(id, List.of(), out);
      return true;
    } catch (InsufficientReplicasException e) {
      return false;
    }
  }

  /** Outcome of {@link #repair}: the nodes that were rewritten, and those that could not be reached. */
  public record RepairReport(Digest id, List<String> repaired, List<String> unreachable) {
    /** Copies the lists. */
    public RepairReport {
      repaired = List.copyOf(repaired);
      unreachable = List.copyOf(unreachable);
    }
  }

  /**
   * Checks every node ({@link BlobStore#check}, where the bytes are) and rewrites missing or
   * corrupt copies of {@code id} from a verified one.
   *
   * @throws InsufficientReplicasException if no node holds a verified copy
   */
  public RepairReport repair(Digest id) {
    List<String> good = new ArrayList<>();
    List<String> bad = new ArrayList<>();
    List<String> unreachable = new ArrayList<>();
    for (StorageNode n : active()) {
      try {
        (n.store().check(id) == BlobState.PRESENT ? good : bad).add(n.id());
      } catch (RuntimeException e) {
        unreachable.add(n.id());
      }
    }
    if (good.isEmpty()) {
      throw new InsufficientReplicasException("no node holds a verified copy of " + id);
    }
    List<String> repaired = new ArrayList<>();
    if (!bad.isEmpty()) {
      try (FileSpool s = new FileSpool(spoolDirectory)) {
        fetch(id, good, s, maxStreamedBytes);
        for (String nid : bad) {
          try {
            if (putFrom(nodes.get(nid), s).equals(id)) {
              repaired.add(nid);
            } else {
              unreachable.add(nid);
            }
          } catch (RuntimeException e) {
            unreachable.add(nid);
          }
        }
      }
    }
    return new RepairReport(id, repaired, unreachable);
  }

  /**
   * What a repair sweep did.
   *
   * @param checked payloads checked
   * @param repairs the payloads with a copy rewritten or a node not reached
   * @param lost payloads no node holds a verified copy of
   */
  public record SweepReport(int checked, List<RepairReport> repairs, List<Digest> lost) {
    /** Copies the lists. */
    public SweepReport {
      repairs = List.copyOf(repairs);
      lost = List.copyOf(lost);
    }

    /** Copies rewritten in total. */
    public int repairedCopies() {
      return repairs.stream().mapToInt(r -> r.repaired().size()).sum();
    }
  }

  /**
   * The repair sweep: {@link #repair} of each payload of {@code ids} (for example every payload the
   * ledger lists and has not erased), one at a time; a lost payload is listed, not thrown.
   */
  public SweepReport sweep(Collection<Digest> ids) {
    List<RepairReport> repairs = new ArrayList<>();
    List<Digest> lost = new ArrayList<>();
    for (Digest id : ids) {
      try {
        RepairReport r = repair(id);
        if (!r.repaired().isEmpty() || !r.unreachable().isEmpty()) {
          repairs.add(r);
        }
      } catch (InsufficientReplicasException e) {
        lost.add(id);
        LOG.log(Level.ERROR, () -> "repair sweep: " + e.getMessage());
      }
    }
    return new SweepReport(ids.size(), repairs, lost);
  }

  /** Most payloads one {@link #rebalance} takes. */
  public static final int MAX_REBALANCE_PAYLOADS = 4096;

  /**
   * A payload to keep at the replication factor: its id, its length as its record states it, and
   * the nodes its record lists (which may include retired ones).
   *
   * @param id the payload's SHA-256
   * @param size its length in bytes, at least 0
   * @param nodeIds the nodes the record lists, at most 64
   */
  public record Listed(Digest id, long size, List<String> nodeIds) {
    /** Validates the size and copies the list. */
    public Listed {
      Objects.requireNonNull(id, "id");
      if (size < 0) {
        throw new IllegalArgumentException("a payload of " + size + " bytes");
      }
      nodeIds = List.copyOf(nodeIds);
      if (nodeIds.size() > 64) {
        throw new IllegalArgumentException("a record lists at most 64 storage nodes");
      }
    }
  }

  /**
   * A payload {@link #rebalance} copied.
   *
   * @param id the payload
   * @param source the node whose verified copy was copied
   * @param added the active nodes that now hold a verified copy and did not before
   * @param holders every active node holding a verified copy after the copy
   * @param receipts by node id, the held receipts of the {@code added} nodes that sign them
   */
  public record Moved(Digest id, String source, List<String> added, List<String> holders,
      Map<String, StorageReceipt> receipts) {
    /** Copies the collections. */
    public Moved {
      added = List.copyOf(added);
      holders = List.copyOf(holders);
      receipts = java.util.Collections.unmodifiableMap(new LinkedHashMap<>(receipts));
    }
  }

  /**
   * A payload {@link #rebalance} could not bring to the replication factor.
   *
   * @param id the payload
   * @param holders the active nodes holding a verified copy (fewer than asked)
   * @param reason why, by node where a node failed
   */
  public record Shortfall(Digest id, List<String> holders, String reason) {
    /** Copies the list. */
    public Shortfall {
      holders = List.copyOf(holders);
    }
  }

  /**
   * What a {@link #rebalance} did.
   *
   * @param examined payloads whose copies were checked
   * @param moved payloads copied to active nodes
   * @param shortfalls payloads still below the replication factor (some may be in {@code moved} too)
   * @param lost payloads of which no active or retired node served a verified copy
   * @param deferred payloads not examined or not copied because the run's byte budget was spent:
   *     run again
   * @param bytesMoved payload bytes read and written by the run
   */
  public record RebalanceReport(int examined, List<Moved> moved, List<Shortfall> shortfalls, List<Digest> lost,
      List<Digest> deferred, long bytesMoved) {
    /** Copies the lists. */
    public RebalanceReport {
      moved = List.copyOf(moved);
      shortfalls = List.copyOf(shortfalls);
      lost = List.copyOf(lost);
      deferred = List.copyOf(deferred);
    }

    /** Whether every payload examined holds its replication factor on active nodes and none was deferred. */
    public boolean complete() {
      return shortfalls.isEmpty() && lost.isEmpty() && deferred.isEmpty();
    }
  }

  /**
   * Brings each payload of {@code payloads} back to {@code r} verified copies on active nodes,
   * after nodes were {@link #retire retired}: counts the active nodes whose copy checks
   * ({@link BlobStore#check}, where the bytes are; a retired node counts for nothing), and for a
   * payload short of {@code r} reads one verified copy (from an active holder, or failing that from
   * a retired node its record lists, checked by hash and by the size the record states), writes it
   * to active nodes that lack it until {@code r} hold it, and counts a new holder only once its
   * write is acknowledged (with a held receipt for this blob and size from an
   * {@link AttestingBlobStore}) and its copy then checks. Nothing is deleted anywhere, on a retired
   * node neither: the retired copies are simply no longer counted or read. A payload whose copying
   * would take the run past {@code maxBytes} (its size once read, once per node written) is
   * deferred, and the next ones are still tried.
   *
   * @throws IllegalArgumentException if {@code r} is not in [1, number of nodes], {@code maxBytes}
   *     is not positive, or more than {@link #MAX_REBALANCE_PAYLOADS} payloads are given
   */
  public RebalanceReport rebalance(List<Listed> payloads, int r, long maxBytes) {
    if (r < 1 || r > nodes.size()) {
      throw new IllegalArgumentException("replication factor must be between 1 and " + nodes.size());
    }
    if (maxBytes < 1) {
      throw new IllegalArgumentException("the byte budget must be positive");
    }
    if (payloads.size() > MAX_REBALANCE_PAYLOADS) {
      throw new IllegalArgumentException("at most " + MAX_REBALANCE_PAYLOADS + " payloads per rebalance");
    }
    int examined = 0;
    long bytes = 0;
    List<Moved> moved = new ArrayList<>();
    List<Shortfall> shortfalls = new ArrayList<>();
    List<Digest> lost = new ArrayList<>();
    List<Digest> deferred = new ArrayList<>();
    for (Listed p : payloads) {
      List<String> holders = new ArrayList<>();
      List<StorageNode> lacking = new ArrayList<>();
      Map<String, String> problems = new LinkedHashMap<>();
      for (StorageNode n : active()) {
        try {
          if (n.store().check(p.id()) == BlobState.PRESENT) {
            holders.add(n.id());
          } else {
            lacking.add(n);
          }
        } catch (RuntimeException e) {
          problems.put(n.id(), "unreachable: " + e.getMessage());
        }
      }
      examined++;
      if (holders.size() >= r) {
        continue;
      }
      int writes = Math.min(r - holders.size(), lacking.size());
      if (writes == 0) {
        shortfalls.add(new Shortfall(p.id(), holders, "no other active node to copy to; " + problems));
        continue;
      }
      if (p.size() > (maxBytes - bytes) / (writes + 1L)) { // read once, written `writes` times
        deferred.add(p.id());
        continue;
      }
      Set<String> sources = new LinkedHashSet<>(holders);
      for (String listed : p.nodeIds()) {
        if (retired.contains(listed)) {
          sources.add(listed);
        }
      }
      try (FileSpool s = new FileSpool(spoolDirectory)) {
        ReadReport got;
        try {
          got = fetchFrom(p.id(), sources, s, bound(p.size()), false);
        } catch (InsufficientReplicasException e) {
          lost.add(p.id());
          LOG.log(Level.ERROR, () -> "rebalance: " + e.getMessage());
          continue;
        }
        bytes += p.size();
        List<String> added = new ArrayList<>();
        Map<String, StorageReceipt> receipts = new LinkedHashMap<>();
        for (StorageNode n : lacking) {
          if (holders.size() >= r) {
            break;
          }
          bytes += p.size();
          try {
            Optional<StorageReceipt> receipt = copyTo(n, p.id(), p.size(), s);
            if (n.store().check(p.id()) != BlobState.PRESENT) {
              throw new BlobUnavailableException("its copy does not check after the write");
            }
            receipt.ifPresent(x -> receipts.put(n.id(), x));
            added.add(n.id());
            holders.add(n.id());
          } catch (RuntimeException e) {
            problems.put(n.id(), "not copied: " + e.getMessage());
          }
        }
        if (!added.isEmpty()) {
          moved.add(new Moved(p.id(), got.servedBy(), added, holders, receipts));
          LOG.log(Level.INFO, () -> "rebalance: copied " + p.id() + " from " + got.servedBy() + " to " + added);
        }
        if (holders.size() < r) {
          shortfalls.add(new Shortfall(p.id(), holders, problems.toString()));
        }
      }
    }
    return new RebalanceReport(examined, moved, shortfalls, lost, deferred, bytes);
  }

  @Override
  public BlobState check(Digest id) {
    BlobState seen = BlobState.MISSING;
    for (StorageNode n : active()) {
      try {
        BlobState s = n.store().check(id);
        if (s == BlobState.PRESENT) {
          return s;
        }
        seen = s == BlobState.CORRUPT ? s : seen;
      } catch (RuntimeException e) {
        // another node may hold it
      }
    }
    return seen;
  }

  /**
   * Outcome of {@link #erase}: nodes that held and deleted a copy, nodes not reached (or whose
   * answer did not check), and the signed receipts of the nodes that answered with one.
   *
   * @param id the payload
   * @param deleted nodes that held a copy and deleted it
   * @param unreachable nodes to retry
   * @param receipts by node id, the checked deletion receipts ({@link AttestingBlobStore} nodes
   *     only; a node that held no copy has one too)
   */
  public record DeletionReport(Digest id, List<String> deleted, List<String> unreachable,
      Map<String, StorageReceipt> receipts) {
    /** Copies the collections. */
    public DeletionReport {
      deleted = List.copyOf(deleted);
      unreachable = List.copyOf(unreachable);
      receipts = java.util.Collections.unmodifiableMap(new LinkedHashMap<>(receipts));
    }

    /** A report without receipts. */
    public DeletionReport(Digest id, List<String> deleted, List<String> unreachable) {
      this(id, deleted, unreachable, Map.of());
    }

    /** Whether every node was reached, so no copy remains. */
    public boolean complete() {
      return unreachable.isEmpty();
    }
  }

  /**
   * Deletes every copy of {@code id}; nodes that could not be reached are listed for a retry
   * (retired nodes are asked too, but not listed: nobody retries them).
   */
  public DeletionReport erase(Digest id) {
    return eraseEach(id, null, s -> s.delete(id));
  }

  /**
   * Deletes every copy of {@code id}, a payload of the erased record {@code erasedRecord} (storage
   * nodes check the erasure on their ledger before deleting); nodes that could not be reached or
   * refused, or whose receipt does not check, are listed for a retry.
   */
  public DeletionReport erase(Digest id, Digest erasedRecord) {
    return eraseEach(id, erasedRecord, s -> s.deleteErased(id, erasedRecord));
  }

  /** Deletes on each node; {@link AttestingBlobStore}s with a receipt if {@code erasedRecord} is not null. */
  private DeletionReport eraseEach(Digest id, Digest erasedRecord, java.util.function.Predicate<BlobStore> delete) {
    List<String> deleted = new ArrayList<>();
    List<String> unreachable = new ArrayList<>();
    Map<String, StorageReceipt> receipts = new LinkedHashMap<>();
    for (StorageNode n : nodes.values()) {
      try {
        if (erasedRecord != null && n.store() instanceof AttestingBlobStore a) {
          StorageReceipt r = a.deleteErasedAttested(id, erasedRecord);
          if (!(r.statement() instanceof StorageStatement.Deleted d && d.blob().equals(id)
              && d.erasedRecord().equals(erasedRecord) && r.verify(a.nodeKey(), a.chainId()))) {
            throw new BlobUnavailableException("its receipt is not the node's deletion of " + id + " for "
                + erasedRecord);
          }
          receipts.put(n.id(), r);
          if (d.hadCopy()) {
            deleted.add(n.id());
          }
        } else if (delete.test(n.store())) {
          deleted.add(n.id());
        }
      } catch (RuntimeException e) {
        if (retired.contains(n.id())) {
          LOG.log(Level.INFO, () -> "erasure of " + id + " did not reach the retired " + n.id() + ": " + e.getMessage());
          continue;
        }
        unreachable.add(n.id());
        LOG.log(Level.WARNING, () -> "erasure of " + id + " did not reach " + n.id() + ": " + e.getMessage());
      }
    }
    return new DeletionReport(id, deleted, unreachable, receipts);
  }

  @Override
  public boolean delete(Digest id) {
    return complete(erase(id));
  }

  @Override
  public boolean deleteErased(Digest id, Digest erasedRecord) {
    return complete(erase(id, erasedRecord));
  }

  private static boolean complete(DeletionReport r) {
    if (!r.complete()) {
      throw new BlobUnavailableException("could not reach " + r.unreachable() + " to delete " + r.id());
    }
    return !r.deleted().isEmpty();
  }

  /** Passes at most {@code max} bytes on: a copy any longer is no payload this store takes. */
  private static final class AtMost extends OutputStream {
    private final OutputStream out;
    private final long max;
    private long written;

    AtMost(OutputStream out, long max) {
      this.out = out;
      this.max = max;
    }

    private void count(int n) {
      if (n > max - written) {
        throw new BlobCorruptedException("the copy served is longer than the payload can be (" + max + " bytes)");
      }
      written += n;
    }

    @Override
    public void write(int b) throws IOException {
      count(1);
      out.write(b);
    }

    @Override
    public void write(byte[] b, int off, int len) throws IOException {
      count(len);
      out.write(b, off, len);
    }

    @Override
    public void flush() throws IOException {
      out.flush();
    }

    @Override
    public void close() throws IOException {
      out.close();
    }
  }

  /** Where a payload is held while it is verified and copied: rewritten from the start by {@link #reset}. */
  private interface Spool extends AutoCloseable {
    OutputStream reset();

    InputStream in() throws IOException;

    long size();

    @Override
    void close();
  }

  /** A spool in memory, for the byte-array forms. */
  private static final class MemorySpool implements Spool {
    private byte[] data;
    private ByteArrayOutputStream out;

    MemorySpool(byte[] data) {
      this.data = data;
    }

    @Override
    public OutputStream reset() {
      data = null;
      out = new ByteArrayOutputStream();
      return out;
    }

    byte[] bytes() {
      return data != null ? data : out.toByteArray();
    }

    @Override
    public InputStream in() {
      return new ByteArrayInputStream(bytes());
    }

    @Override
    public long size() {
      return data != null ? data.length : out.size();
    }

    @Override
    public void close() {
      data = null;
      out = null;
    }
  }

  /** A spool in an owner-only temporary file, deleted on close unless detached. */
  private static final class FileSpool implements Spool {
    private final Path file;
    private boolean detached;

    FileSpool(Path dir) {
      try {
        this.file = Files.createTempFile(dir, "medledger-spool-", ".tmp");
      } catch (IOException e) {
        throw new BlobUnavailableException("cannot create a spool file in " + dir + ": " + e.getMessage(), e);
      }
    }

    OutputStream out() {
      return reset();
    }

    @Override
    public OutputStream reset() {
      try {
        return Files.newOutputStream(file, StandardOpenOption.TRUNCATE_EXISTING, StandardOpenOption.WRITE);
      } catch (IOException e) {
        throw new BlobUnavailableException("cannot write the spool file " + file + ": " + e.getMessage(), e);
      }
    }

    @Override
    public InputStream in() throws IOException {
      return Files.newInputStream(file);
    }

    /** A stream over the file that deletes it when closed; the spool no longer owns it. */
    InputStream detach() {
      try {
        InputStream in = Files.newInputStream(file, StandardOpenOption.READ, StandardOpenOption.DELETE_ON_CLOSE);
        detached = true;
        return in;
      } catch (IOException e) {
        throw new BlobUnavailableException("cannot read the spool file " + file + ": " + e.getMessage(), e);
      }
    }

    @Override
    public long size() {
      try {
        return Files.size(file);
      } catch (IOException e) {
        throw new BlobUnavailableException("cannot read the spool file " + file + ": " + e.getMessage(), e);
      }
    }

    @Override
    public void close() {
      if (!detached) {
        try {
          Files.deleteIfExists(file);
        } catch (IOException ignored) {
          // an owner-only temporary file of ciphertext
        }
      }
    }
  }
}
