package io.medledger.anchor.bitcoin;

import io.medledger.crypto.Digest;
import java.math.BigInteger;
import java.time.Clock;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalLong;

/**
 * A validated chain of Bitcoin block headers, starting at the genesis block or at a trusted
 * checkpoint, that checks what a header-only (SPV) client can check, as Bitcoin Core does:
 *
 * <ul>
 *   <li>each header links to its parent's hash;
 *   <li>its proof of work meets its compact target, which is positive, does not overflow and is
 *       at most the network's limit;
 *   <li>its target equals the parent's, except at each retarget height (every 2016 blocks on
 *       mainnet), where it equals {@link BitcoinChainParams#nextWorkRequired}, computed from the
 *       first and last headers of the period that ends;
 *   <li>its time is above the median of the previous 11 headers' times (fewer near the start of
 *       the chain) and at most two hours ahead of the clock;
 *   <li>its version meets BIP 34/66/65 at its height.
 * </ul>
 *
 * <p>A retarget can only be checked if the chain holds the first header of the period that ends;
 * a chain that starts mid-period rejects the next retarget, so start at a height that is a
 * multiple of 2016 (as checkpoints are). The chain keeps one branch, the one with the most
 * cumulative work: {@link #reorganize} replaces the tip with a heavier competing branch.
 *
 * <p>Thread-safe: all methods are synchronized.
 */
public final class HeaderChain implements HeaderSource {
  /** Number of previous headers whose median time a new header must exceed. */
  public static final int MEDIAN_TIME_SPAN = 11;
  /** How far ahead of the clock a header's time may be, in seconds. */
  public static final long MAX_FUTURE_SECONDS = 2 * 60 * 60;

  private final BitcoinChainParams params;
  private final Clock clock;
  private final long baseHeight;
  private final List<ChainedHeader> headers = new ArrayList<>();
  private final Map<Digest, Long> heightByHash = new HashMap<>();

  private HeaderChain(BitcoinChainParams params, Clock clock, ChainedHeader start) {
    this.params = params;
    this.clock = clock;
    this.baseHeight = start.height();
    add(start);
  }

  /**
   * A chain that starts at the network's genesis block.
   *
   * @throws IllegalArgumentException if {@code genesis} is not that network's genesis header
   */
  public static HeaderChain fromGenesis(BitcoinChainParams params, BitcoinBlockHeader genesis) {
    return fromGenesis(params, genesis, Clock.systemUTC());
  }

  /** As {@link #fromGenesis(BitcoinChainParams, BitcoinBlockHeader)} with the given clock. */
  public static HeaderChain fromGenesis(BitcoinChainParams params, BitcoinBlockHeader genesis, Clock clock) {
    if (!genesis.hash().equals(params.genesisHash())) {
      throw new IllegalArgumentException("not the " + params.name() + " genesis header: " + genesis.hashHex());
    }
    return new HeaderChain(params, clock, new ChainedHeader(0, genesis, genesis.work()));
  }

  /**
   * A chain that starts at a trusted checkpoint: {@code header} at {@code height}, with the
   * cumulative work {@code chainWork} of blocks 0..height (Core's {@code chainwork}).
   *
   * @throws IllegalArgumentException if the header's proof of work does not hold or the
   *     arguments are out of range
   */
  public static HeaderChain fromCheckpoint(
      BitcoinChainParams params, long height, BitcoinBlockHeader header, BigInteger chainWork) {
    return fromCheckpoint(params, height, header, chainWork, Clock.systemUTC());
  }

  /** As {@link #fromCheckpoint(BitcoinChainParams, long, BitcoinBlockHeader, BigInteger)} with a clock. */
  public static HeaderChain fromCheckpoint(
      BitcoinChainParams params, long height, BitcoinBlockHeader header, BigInteger chainWork, Clock clock) {
    Objects.requireNonNull(params, "params");
    Objects.requireNonNull(clock, "clock");
    if (height < 0) {
      throw new IllegalArgumentException("negative height");
    }
    if (chainWork.compareTo(header.work()) < 0) {
      throw new IllegalArgumentException("chain work is below the checkpoint header's own work");
    }
    if (!header.checkProofOfWork(params)) {
      throw new IllegalArgumentException("checkpoint header fails proof of work: " + header.hashHex());
    }
    return new HeaderChain(params, clock, new ChainedHeader(height, header, chainWork));
  }

  /** The network parameters. */
  public BitcoinChainParams params() {
    return params;
  }

  /** The height of the first (trusted) header. */
  public long startHeight() {
    return baseHeight;
  }

  /** The last header of the chain. */
  public synchronized ChainedHeader tip() {
    return headers.get(headers.size() - 1);
  }

  /** The accepted header at {@code height}, if the chain holds it. */
  public synchronized Optional<ChainedHeader> chainedAt(long height) {
    long i = height - baseHeight;
    return i < 0 || i >= headers.size() ? Optional.empty() : Optional.of(headers.get((int) i));
  }

  @Override
  public Optional<BitcoinBlockHeader> headerAt(long height) {
    return chainedAt(height).map(ChainedHeader::header);
  }

  @Override
  public synchronized Optional<HeightAndHeader> headerByHash(Digest blockHash) {
    Long h = heightByHash.get(blockHash);
    return h == null ? Optional.empty() : Optional.of(new HeightAndHeader(h, headers.get((int) (h - baseHeight)).header()));
  }

  @Override
  public synchronized OptionalLong bestHeight() {
    return OptionalLong.of(tip().height());
  }

  /** The median time of the up to 11 headers ending at {@code height} (which the chain must hold). */
  public synchronized long medianTimePast(long height) {
    return medianTimePast(height, this::fromMain);
  }

  /** Offers one header that must extend the tip; on rejection the chain is unchanged. */
  public HeaderValidation append(BitcoinBlockHeader header) {
    return appendAll(List.of(header));
  }

  /**
   * Offers headers that must extend the tip in order. All are validated before any is added:
   * on rejection the chain is unchanged.
   */
  public synchronized HeaderValidation appendAll(List<BitcoinBlockHeader> next) {
    if (next.isEmpty()) {
      return new HeaderValidation.Accepted(tip());
    }
    ChainedHeader t = tip();
    if (!next.get(0).previousBlockHash().equals(t.header().hash())) {
      return new HeaderValidation.Rejected(t.height() + 1, "does not extend the tip " + t.header().hashHex());
    }
    return connect(t, next, false);
  }

  /**
   * Offers a competing branch whose first header's parent is in the chain. If the branch is
   * valid and ends with more cumulative work than the current tip, it replaces the headers after
   * the fork point; otherwise the chain is unchanged. A branch that simply extends the tip is
   * accepted as by {@link #appendAll}.
   */
  public synchronized HeaderValidation reorganize(List<BitcoinBlockHeader> branch) {
    if (branch.isEmpty()) {
      return new HeaderValidation.Accepted(tip());
    }
    Long forkHeight = heightByHash.get(branch.get(0).previousBlockHash());
    if (forkHeight == null) {
      return new HeaderValidation.Rejected(-1, "the branch's parent " + branch.get(0).previousBlockHash().reversed().toHex() + " is not in the chain");
    }
    return connect(headers.get((int) (forkHeight - baseHeight)), branch, true);
  }

  private HeaderValidation connect(ChainedHeader fork, List<BitcoinBlockHeader> next, boolean needMoreWork) {
    List<ChainedHeader> pending = new ArrayList<>(next.size());
    long now = clock.instant().getEpochSecond();
    ChainedHeader prev = fork;
    for (BitcoinBlockHeader h : next) {
      long height = prev.height() + 1;
      final List<ChainedHeader> p = pending;
      final long forkHeight = fork.height();
      Ancestors view = x -> x <= forkHeight ? fromMain(x) : p.get((int) (x - forkHeight - 1));
      String reason = check(h, height, prev, view, now);
      if (reason != null) {
        return new HeaderValidation.Rejected(height, reason);
      }
      prev = new ChainedHeader(height, h, prev.chainWork().add(h.work()));
      pending.add(prev);
    }
    ChainedHeader oldTip = tip();
    if (needMoreWork && fork != oldTip && prev.chainWork().compareTo(oldTip.chainWork()) <= 0) {
      return new HeaderValidation.Rejected(prev.height(), "branch has no more work than the current tip");
    }
    while (tip() != fork) {
      ChainedHeader removed = headers.remove(headers.size() - 1);
      heightByHash.remove(removed.header().hash());
    }
    pending.forEach(this::add);
    return new HeaderValidation.Accepted(tip());
  }

  @FunctionalInterface
  private interface Ancestors {
    /** The header at {@code height}, or null if the chain starts after it. */
    ChainedHeader at(long height);
  }

  private ChainedHeader fromMain(long height) {
    long i = height - baseHeight;
    return i < 0 || i >= headers.size() ? null : headers.get((int) i);
  }

  private String check(BitcoinBlockHeader h, long height, ChainedHeader prev, Ancestors view, long now) {
    if (!h.previousBlockHash().equals(prev.header().hash())) {
      return "previous block hash does not match the parent " + prev.header().hashHex();
    }
    CompactTarget.Decoded target = h.target();
    if (!target.isUsableTarget() || target.target().compareTo(params.powLimit()) > 0) {
      return "bad compact target " + CompactTarget.toHex(h.bits());
    }
    if (!h.checkProofOfWork(params)) {
      return "proof of work fails: hash " + h.hashHex() + " above target";
    }
    int expectedBits;
    if (params.noRetargeting() || height % params.retargetInterval() != 0) {
      expectedBits = prev.header().bits();
    } else {
      ChainedHeader first = view.at(height - params.retargetInterval());
      if (first == null) {
        return "cannot check the retarget at height " + height + ": the period's first header (height "
            + (height - params.retargetInterval()) + ") precedes the chain's start";
      }
      expectedBits = params.nextWorkRequired(prev.header().bits(), first.header().time(), prev.header().time());
    }
    if (h.bits() != expectedBits) {
      return "wrong difficulty: bits " + CompactTarget.toHex(h.bits()) + ", expected " + CompactTarget.toHex(expectedBits);
    }
    long mtp = medianTimePast(prev.height(), view);
    if (h.time() <= mtp) {
      return "time " + h.time() + " is not above the median time past " + mtp;
    }
    if (h.time() > now + MAX_FUTURE_SECONDS) {
      return "time " + h.time() + " is more than two hours in the future";
    }
    if (h.version() < params.minimumVersionAt(height)) {
      return "obsolete version " + h.version() + " at height " + height;
    }
    return null;
  }

  private long medianTimePast(long height, Ancestors view) {
    long[] times = new long[MEDIAN_TIME_SPAN];
    int n = 0;
    for (long x = height; n < MEDIAN_TIME_SPAN && x >= baseHeight; x--) {
      ChainedHeader c = view.at(x);
      if (c == null) {
        break;
      }
      times[n++] = c.header().time();
    }
    if (n == 0) {
      throw new IllegalArgumentException("height " + height + " is not in the chain");
    }
    long[] sorted = Arrays.copyOf(times, n);
    Arrays.sort(sorted);
    return sorted[n / 2];
  }

  private void add(ChainedHeader c) {
    headers.add(c);
    heightByHash.put(c.header().hash(), c.height());
  }
}
