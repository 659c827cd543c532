package io.medledger.storage;

import io.medledger.crypto.Digest;
import io.medledger.crypto.Sha256;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * Keeps each payload on several storage nodes: a write goes to all {@code n} nodes and succeeds
 * once {@code w} acknowledge; a read takes the first copy, from any node, whose digest verifies,
 * falls back to the next node on a failure or mismatch, and repairs the missing or corrupt copies
 * it met on the way.
 *
 * <p>Thread-safe if the nodes' stores are.
 */
public final class ReplicatedBlobStore implements BlobStore {
  private final Map<String, StorageNode> nodes;
  private final int writeQuorum;

  /**
   * Creates a replicated store over {@code nodes} with write quorum {@code writeQuorum}.
   *
   * @throws IllegalArgumentException if node ids repeat or the quorum is not in [1, n]
   */
  public ReplicatedBlobStore(List<StorageNode> nodes, int writeQuorum) {
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
  }

  /** The nodes' ids, in configuration order. */
  public List<String> nodeIds() {
    return List.copyOf(nodes.keySet());
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
   */
  public record Placement(Digest id, long size, List<String> nodeIds) {
    /** Copies the list. */
    public Placement {
      nodeIds = List.copyOf(nodeIds);
    }
  }

  /**
   * Writes {@code data} to every node and returns where it landed.
   *
   * @throws InsufficientReplicasException if fewer than {@code w} nodes acknowledged; the copies
   *     that were written are then removed again, best effort
   */
  public Placement putReplicated(byte[] data) {
    Digest id = Sha256.hash(data);
    List<String> acked = new ArrayList<>();
    List<String> failures = new ArrayList<>();
    for (StorageNode n : nodes.values()) {
      try {
        Digest got = n.store().put(data);
        if (got.equals(id)) {
          acked.add(n.id());
        } else {
          failures.add(n.id() + " (returned a different digest)");
        }
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
    return new Placement(id, data.length, acked);
  }

  @Override
  public Digest put(byte[] data) {
    return putReplicated(data).id();
  }

  /**
   * Reads a verified copy, trying {@code preferred} nodes first and then the rest, and repairs
   * the nodes among those tried that lacked the blob or held a corrupt copy.
   *
   * @throws InsufficientReplicasException if no node holds a verified copy
   */
  public byte[] read(Digest id, List<String> preferred) {
    Set<String> order = new LinkedHashSet<>();
    for (String p : preferred) {
      if (nodes.containsKey(p)) {
        order.add(p);
      }
    }
    order.addAll(nodes.keySet());
    List<String> needRepair = new ArrayList<>();
    List<String> problems = new ArrayList<>();
    for (String nid : order) {
      StorageNode n = nodes.get(nid);
      try {
        Optional<byte[]> got = n.store().get(id);
        if (got.isPresent() && Sha256.hash(got.get()).equals(id)) {
          repairQuietly(id, got.get(), needRepair);
          return got.get();
        }
        needRepair.add(nid);
        problems.add(nid + " (missing)");
      } catch (BlobCorruptedException e) {
        needRepair.add(nid);
        problems.add(nid + " (corrupt)");
      } catch (RuntimeException e) {
        problems.add(nid + " (" + e.getMessage() + ")");
      }
    }
    throw new InsufficientReplicasException("no node holds a verified copy of " + id + ": " + String.join(", ", problems));
  }

  @Override
  public Optional<byte[]> get(Digest id) {
    try {
      return Optional.of(read(id, List.of()));
    } catch (InsufficientReplicasException e) {
      return Optional.empty();
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
   * Checks every node and rewrites missing or corrupt copies of {@code id} from a verified one.
   *
   * @throws InsufficientReplicasException if no node holds a verified copy
   */
  public RepairReport repair(Digest id) {
    byte[] good = null;
    List<String> bad = new ArrayList<>();
    List<String> unreachable = new ArrayList<>();
    for (StorageNode n : nodes.values()) {
      try {
        Optional<byte[]> got = n.store().get(id);
        if (got.isPresent()) {
          good = got.get();
        } else {
          bad.add(n.id());
        }
      } catch (BlobCorruptedException e) {
        bad.add(n.id());
      } catch (RuntimeException e) {
        unreachable.add(n.id());
      }
    }
    if (good == null) {
      throw new InsufficientReplicasException("no node holds a verified copy of " + id);
    }
    List<String> repaired = new ArrayList<>();
    for (String nid : bad) {
      try {
        nodes.get(nid).store().delete(id);
        nodes.get(nid).store().put(good);
        repaired.add(nid);
      } catch (RuntimeException e) {
        unreachable.add(nid);
      }
    }
    return new RepairReport(id, repaired, unreachable);
  }

  private void repairQuietly(Digest id, byte[] good, List<String> nodeIds) {
    for (String nid : nodeIds) {
      try {
        nodes.get(nid).store().delete(id);
        nodes.get(nid).store().put(good);
      } catch (RuntimeException ignored) {
        // the next read or an explicit repair() tries again
      }
    }
  }

  /** Outcome of {@link #erase}: nodes that held and deleted a copy, and nodes not reached. */
  public record ErasureReport(Digest id, List<String> deleted, List<String> unreachable) {
    /** Copies the lists. */
    public ErasureReport {
      deleted = List.copyOf(deleted);
      unreachable = List.copyOf(unreachable);
    }

    /** Whether every node was reached, so no copy remains. */
    public boolean complete() {
      return unreachable.isEmpty();
    }
  }

  /** Deletes every copy of {@code id}; nodes that could not be reached are listed for a retry. */
  public ErasureReport erase(Digest id) {
    List<String> deleted = new ArrayList<>();
    List<String> unreachable = new ArrayList<>();
    for (StorageNode n : nodes.values()) {
      try {
        if (n.store().delete(id)) {
          deleted.add(n.id());
        }
      } catch (RuntimeException e) {
        unreachable.add(n.id());
      }
    }
    return new ErasureReport(id, deleted, unreachable);
  }

  @Override
  public boolean delete(Digest id) {
    ErasureReport r = erase(id);
    if (!r.complete()) {
      throw new BlobUnavailableException("could not reach " + r.unreachable() + " to delete " + id);
    }
    return !r.deleted().isEmpty();
  }
}
