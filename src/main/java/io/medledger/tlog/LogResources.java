package io.medledger.tlog;

import io.medledger.chain.BlockHeader;
import io.medledger.chain.Entry;
import io.medledger.chain.Ledger;
import io.medledger.codec.MalformedEncodingException;
import java.io.ByteArrayOutputStream;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * The read-only resources of the ledger-wide log as C2SP {@code tlog-tiles} serves them, by path
 * relative to the log's prefix: {@code checkpoint}, {@code tile/<L>/<N>[.p/<W>]} and
 * {@code tile/entries/<N>[.p/<W>]}. Transport-agnostic: an HTTP server, a peer protocol or a test
 * maps a request path to {@link #read}. Only resources of trees up to the latest checkpoint are
 * served; anything else, including every malformed path, is absent.
 *
 * <p>Thread-safe if the log, store and ledger are (all three are).
 */
public final class LogResources {
  /** How a resource should be cached by a client or proxy. */
  public enum Caching {
    /** Changes as the log grows (the checkpoint): cache for seconds at most. */
    MUTABLE,
    /** Never changes once served (tiles and bundles). */
    IMMUTABLE
  }

  /** One served resource: its bytes and its caching class. */
  public record Resource(byte[] body, Caching caching) {
    /** Copies nothing: the body is freshly built for each read. */
    public Resource {
      Objects.requireNonNull(body, "body");
      Objects.requireNonNull(caching, "caching");
    }

    /** Equal when the bodies are equal byte for byte and the caching classes are equal. */
    @Override
    public boolean equals(Object o) {
      return o instanceof Resource r && java.util.Arrays.equals(body, r.body) && caching == r.caching;
    }

    @Override
    public int hashCode() {
      return 31 * java.util.Arrays.hashCode(body) + caching.hashCode();
    }

    @Override
    public String toString() {
      return "Resource[body=" + body.length + " bytes, caching=" + caching + "]";
    }
  }

  /** The leaves of the log by index (the exact bytes the RFC 9162 leaf hash covers). */
  @FunctionalInterface
  public interface Leaves {
    /** The leaves {@code from} (inclusive) to {@code to} (exclusive), all below the log's size. */
    List<byte[]> read(long from, long to);
  }

  private final TileLog log;
  private final CheckpointStore checkpoints;
  private final Leaves leaves;

  /** Serves {@code log}'s tiles, {@code checkpoints}' latest checkpoint and bundles of {@code leaves}. */
  public LogResources(TileLog log, CheckpointStore checkpoints, Leaves leaves) {
    this.log = Objects.requireNonNull(log, "log");
    this.checkpoints = Objects.requireNonNull(checkpoints, "checkpoints");
    this.leaves = Objects.requireNonNull(leaves, "leaves");
  }

  /** The leaves of a ledger: its entries' canonical encodings, found through the block headers. */
  public static Leaves ledgerLeaves(Ledger ledger) {
    return (from, to) -> {
      List<byte[]> out = new java.util.ArrayList<>((int) (to - from));
      long h = blockOf(ledger, from);
      long next = from;
      while (next < to) {
        BlockHeader hd = ledger.header(h);
        long first = hd.ledgerSize() - hd.entryCount();
        List<Entry> es = ledger.block(h).block().entries();
        for (long i = next - first; i < es.size() && next < to; i++, next++) {
          out.add(es.get((int) i).encode());
        }
        h++;
      }
      return out;
    };
  }

  /** The height of the block holding ledger index {@code index} (binary search over headers). */
  private static long blockOf(Ledger ledger, long index) {
    long lo = 0;
    long hi = ledger.height();
    while (lo < hi) {
      long mid = (lo + hi) >>> 1;
      if (ledger.header(mid).ledgerSize() <= index) {
        lo = mid + 1;
      } else {
        hi = mid;
      }
    }
    return lo;
  }

  /** The resource at {@code path}, or empty if there is none (or the path is malformed). */
  public Optional<Resource> read(String path) {
    if (path == null) {
      return Optional.empty();
    }
    Optional<SignedNote> latest = checkpoints.latest();
    if (path.equals(CheckpointStore.LATEST)) {
      return latest.map(n -> new Resource(n.toBytes(), Caching.MUTABLE));
    }
    if (latest.isEmpty()) {
      return Optional.empty();
    }
    TilePath p;
    try {
      p = TilePath.parse(path);
    } catch (IllegalArgumentException | MalformedEncodingException e) {
      return Optional.empty();
    }
    // tiles of the log as far as both the checkpoint and the log reach (a stored checkpoint may be ahead of the log)
    long n = Math.min(Checkpoint.parse(latest.get().text()).size(), log.size());
    int shift = p.isEntries() ? 0 : TilePath.HEIGHT * p.level();
    long units = p.level() >= 8 ? 0 : n >>> shift;
    long end = p.index() * TilePath.FULL + p.width();
    if (p.index() > (Long.MAX_VALUE >>> TilePath.HEIGHT) || end > units) {
      return Optional.empty();
    }
    if (p.isEntries()) {
      long from = p.index() * TilePath.FULL;
      ByteArrayOutputStream b = new ByteArrayOutputStream();
      for (byte[] leaf : leaves.read(from, end)) {
        if (leaf.length > LogExport.MAX_ENTRY) {
          return Optional.empty();
        }
        b.write(leaf.length >>> 8);
        b.write(leaf.length & 0xff);
        b.writeBytes(leaf);
      }
      return Optional.of(new Resource(b.toByteArray(), Caching.IMMUTABLE));
    }
    long treeSize = end << shift;
    return Optional.of(new Resource(log.tile(p, treeSize), Caching.IMMUTABLE));
  }

  /** The size of the latest checkpoint, 0 if none. */
  public long checkpointSize() {
    return checkpoints.latest().map(n -> Checkpoint.parse(n.text()).size()).orElse(0L);
  }

}
