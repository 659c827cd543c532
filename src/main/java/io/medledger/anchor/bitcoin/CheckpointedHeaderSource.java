package io.medledger.anchor.bitcoin;

import io.medledger.crypto.Digest;
import java.time.Clock;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalLong;

/**
 * Headers from an untrusted source (a headers file, a peer) that a verifier accepts only as part
 * of a chain validated from a trusted checkpoint. The header at a height {@code h} is served only
 * if the source holds every header from the highest checkpoint at or below {@code h} up to
 * {@code h + confirmations - 1} and, when {@code h} is below the highest checkpoint, up to the
 * next checkpoint above {@code h}; and if, from the checkpoint on, they form a valid
 * {@link HeaderChain} (links, proof of work, the difficulty the retarget rules give, times,
 * versions) that passes through every checkpoint on the way unchanged. Otherwise
 * {@link #headerAt} is empty and {@link #missingReason} says why.
 *
 * <p>So a forger must either change nothing up to a checkpoint (which fixes every header below it
 * through the hash links) or mine, above the highest checkpoint, blocks at mainnet's difficulty
 * from that checkpoint on.
 *
 * <p>Each header of the untrusted source is read and validated at most once and the outcome kept,
 * so use one instance per verification over a source that does not change meanwhile (a file).
 * Thread-safe if the underlying source is (validation is synchronized).
 */
public final class CheckpointedHeaderSource implements HeaderSource {
  /** Confirmations asked for by default: the attested block and five on top of it. */
  public static final int DEFAULT_CONFIRMATIONS = 6;
  /** Most confirmations that may be asked for. */
  public static final int MAX_CONFIRMATIONS = 10_000;
  /** Most headers validated for one height (about nine years of blocks above a checkpoint). */
  public static final long MAX_HEADERS = 500_000;

  private final HeaderSource untrusted;
  private final HeaderCheckpoints checkpoints;
  private final int confirmations;
  private final Clock clock;
  private final Map<Long, Progress> progress = new HashMap<>();

  /**
   * Headers of {@code untrusted} validated from the embedded mainnet checkpoints, each with at
   * least {@code confirmations} blocks (itself included).
   *
   * @throws IllegalArgumentException if {@code confirmations} is outside 1..{@link #MAX_CONFIRMATIONS}
   */
  public CheckpointedHeaderSource(HeaderSource untrusted, int confirmations) {
    this(untrusted, HeaderCheckpoints.mainnet(), confirmations, Clock.systemUTC());
  }

  /**
   * As {@link #CheckpointedHeaderSource(HeaderSource, int)} with the given checkpoints and the
   * clock that bounds header times.
   *
   * @throws IllegalArgumentException if {@code confirmations} is outside 1..{@link #MAX_CONFIRMATIONS}
   */
  public CheckpointedHeaderSource(HeaderSource untrusted, HeaderCheckpoints checkpoints, int confirmations, Clock clock) {
    this.untrusted = Objects.requireNonNull(untrusted, "untrusted");
    this.checkpoints = Objects.requireNonNull(checkpoints, "checkpoints");
    this.clock = Objects.requireNonNull(clock, "clock");
    if (confirmations < 1 || confirmations > MAX_CONFIRMATIONS) {
      throw new IllegalArgumentException("confirmations must be 1.." + MAX_CONFIRMATIONS);
    }
    this.confirmations = confirmations;
  }

  /** The confirmations asked for. */
  public int confirmations() {
    return confirmations;
  }

  @Override
  public Optional<BitcoinBlockHeader> headerAt(long height) {
    Proof p = prove(height);
    return Optional.ofNullable(p.header());
  }

  @Override
  public Optional<HeightAndHeader> headerByHash(Digest blockHash) {
    Optional<HeightAndHeader> claimed = untrusted.headerByHash(blockHash);
    if (claimed.isEmpty()) {
      return Optional.empty();
    }
    BitcoinBlockHeader proven = prove(claimed.get().height()).header();
    return proven != null && proven.hash().equals(blockHash) ? claimed : Optional.empty();
  }

  /**
   * The highest height up to which the source's headers form a valid chain from a trusted
   * checkpoint (validating up to the source's own best height, at most {@link #MAX_HEADERS}
   * headers above the checkpoint below it), so that a depth counted from it is a depth of
   * validated headers; empty if the source has no headers or its best height is below the lowest
   * checkpoint. The source's own best height is not trusted: a stray header far above the chain
   * does not count.
   */
  @Override
  public synchronized OptionalLong bestHeight() {
    OptionalLong claimed = untrusted.bestHeight();
    if (claimed.isEmpty()) {
      return OptionalLong.empty();
    }
    Optional<ChainedHeader> below = checkpoints.atOrBelow(claimed.getAsLong());
    if (below.isEmpty()) {
      return OptionalLong.empty();
    }
    ChainedHeader start = below.get();
    Optional<BitcoinBlockHeader> atStart = untrusted.headerAt(start.height());
    if (atStart.isPresent() && !atStart.get().equals(start.header())) {
      return OptionalLong.of(start.height());
    }
    Progress p = progress.computeIfAbsent(start.height(), k -> new Progress(
        HeaderChain.fromCheckpoint(checkpoints.params(), start.height(), start.header(), start.chainWork(), clock)));
    long end = Math.min(claimed.getAsLong(), start.height() + MAX_HEADERS);
    if (p.failure == null && p.chain.tip().height() < end) {
      extend(p, start, end, end, Optional.empty());
    }
    return OptionalLong.of(p.chain.tip().height());
  }

  @Override
  public String missingReason(long height) {
    Proof p = prove(height);
    return p.header() != null ? "the header at height " + height + " is there" : p.reason();
  }

  /** The validated header at a height, or why there is none. */
  private record Proof(BitcoinBlockHeader header, String reason) {}

  private synchronized Proof prove(long height) {
    Optional<ChainedHeader> below = checkpoints.atOrBelow(height);
    if (below.isEmpty()) {
      return new Proof(null, "height " + height + " is below the lowest trusted checkpoint (height "
          + checkpoints.lowest().height() + ")");
    }
    ChainedHeader start = below.get();
    long end = height + confirmations - 1;
    Optional<ChainedHeader> next = checkpoints.above(height);
    if (next.isPresent()) {
      end = Math.max(end, next.get().height());
    }
    if (end - start.height() > MAX_HEADERS) {
      return new Proof(null, "height " + height + " is too far above the highest trusted checkpoint (height "
          + checkpoints.highest().height() + ")");
    }
    Optional<BitcoinBlockHeader> atStart = untrusted.headerAt(start.height());
    if (atStart.isPresent() && !atStart.get().equals(start.header())) {
      return new Proof(null, "the header at height " + start.height() + " is not the trusted checkpoint "
          + start.header().hashHex());
    }
    Progress p = progress.computeIfAbsent(start.height(), k -> new Progress(
        HeaderChain.fromCheckpoint(checkpoints.params(), start.height(), start.header(), start.chainWork(), clock)));
    if (p.failure != null && p.failedAt <= end) {
      return new Proof(null, p.failure);
    }
    String why = extend(p, start, end, height, next);
    if (why != null) {
      return new Proof(null, why);
    }
    return new Proof(p.chain.headerAt(height).orElseThrow(), null);
  }

  /**
   * Extends the chain from {@code start} to {@code end}; a failure is remembered with the height
   * at which it arises, so that every header is read and validated at most once.
   */
  private String extend(Progress p, ChainedHeader start, long end, long height, Optional<ChainedHeader> next) {
    List<BitcoinBlockHeader> run = new ArrayList<>();
    for (long x = p.chain.tip().height() + 1; x <= end; x++) {
      Optional<BitcoinBlockHeader> h = untrusted.headerAt(x);
      if (h.isEmpty()) {
        String bad = appendAndRemember(p, start, run);
        return bad != null ? bad : "the headers do not prove height " + height + ": they need every header from the"
            + " trusted checkpoint at height " + start.height() + " to height " + end + " ("
            + (next.isPresent() && next.get().height() == end ? "the next checkpoint" : confirmations + " confirmations")
            + "), and height " + x + " is missing";
      }
      Optional<ChainedHeader> cp = checkpoints.at(x);
      if (cp.isPresent() && !cp.get().header().equals(h.get())) {
        String bad = appendAndRemember(p, start, run);
        if (bad != null) {
          return bad;
        }
        p.remember(x, "the header at height " + x + " is not the trusted checkpoint " + cp.get().header().hashHex());
        return p.failure;
      }
      run.add(h.get());
    }
    return appendAndRemember(p, start, run);
  }

  private static String appendAndRemember(Progress p, ChainedHeader start, List<BitcoinBlockHeader> run) {
    long base = p.chain.tip().height();
    HeaderValidation v = p.chain.appendAll(run);
    if (v instanceof HeaderValidation.Rejected r) {
      p.chain.appendAll(run.subList(0, (int) (r.height() - base - 1)));
      p.remember(r.height(), "the header at height " + r.height() + " is not on a valid chain from the trusted checkpoint"
          + " at height " + start.height() + ": " + r.reason());
      return p.failure;
    }
    return null;
  }

  /** How far the headers from one checkpoint have been validated, and where they first failed. */
  private static final class Progress {
    final HeaderChain chain;
    long failedAt = Long.MAX_VALUE;
    String failure;

    Progress(HeaderChain chain) {
      this.chain = chain;
    }

    void remember(long height, String reason) {
      if (failure == null) {
        failedAt = height;
        failure = reason;
      }
    }
  }
}
