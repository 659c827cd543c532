package io.medledger.anchor.bitcoin;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * Block headers a verifier trusts without proof: real mainnet headers at retarget heights, each
 * with its height and cumulative chain work, from which {@link CheckpointedHeaderSource} validates
 * the headers a party supplies. The mainnet set is embedded in the library: the genesis block and
 * every multiple of 2016 up to {@link #highest()} (height 878,976, December 2024), taken from
 * bitcoinj's checkpoint file (see {@code mainnet-checkpoints.txt} beside this class for the
 * provenance). Immutable and thread-safe.
 */
public final class HeaderCheckpoints {
  private static final String MAINNET_RESOURCE = "mainnet-checkpoints.txt";

  private final BitcoinChainParams params;
  private final List<ChainedHeader> checkpoints;

  private HeaderCheckpoints(BitcoinChainParams params, List<ChainedHeader> checkpoints) {
    this.params = params;
    this.checkpoints = List.copyOf(checkpoints);
  }

  /** The checkpoints embedded in the library for mainnet. */
  public static HeaderCheckpoints mainnet() {
    return MainnetHolder.MAINNET;
  }

  /**
   * Checkpoints of {@code params}'s network, in increasing height order, each with a valid proof
   * of work; for tests and for callers that pin checkpoints of their own.
   *
   * @throws IllegalArgumentException if the list is empty, not strictly increasing in height, or
   *     a header fails its proof of work or has less chain work than its own
   */
  public static HeaderCheckpoints of(BitcoinChainParams params, List<ChainedHeader> checkpoints) {
    Objects.requireNonNull(params, "params");
    if (checkpoints.isEmpty()) {
      throw new IllegalArgumentException("no checkpoint");
    }
    long last = -1;
    for (ChainedHeader c : checkpoints) {
      if (c.height() <= last) {
        throw new IllegalArgumentException("checkpoint heights must increase: " + c.height() + " after " + last);
      }
      if (!c.header().checkProofOfWork(params) || c.chainWork().compareTo(c.header().work()) < 0) {
        throw new IllegalArgumentException("checkpoint at height " + c.height() + " is not a valid header");
      }
      last = c.height();
    }
    return new HeaderCheckpoints(params, checkpoints);
  }

  /**
   * A trusted header as a checkpoint: {@code header} at {@code height}, with the cumulative work
   * {@code chainWork} of blocks 0..height.
   *
   * @throws IllegalArgumentException if the height is negative
   */
  public static ChainedHeader checkpoint(long height, BitcoinBlockHeader header, BigInteger chainWork) {
    if (height < 0 || chainWork.signum() <= 0) {
      throw new IllegalArgumentException("negative height or non-positive chain work");
    }
    return new ChainedHeader(height, header, chainWork);
  }

  /** The network the checkpoints are on. */
  public BitcoinChainParams params() {
    return params;
  }

  /** All checkpoints, lowest first. */
  public List<ChainedHeader> all() {
    return checkpoints;
  }

  /** The lowest checkpoint. */
  public ChainedHeader lowest() {
    return checkpoints.get(0);
  }

  /** The highest checkpoint. */
  public ChainedHeader highest() {
    return checkpoints.get(checkpoints.size() - 1);
  }

  /** The highest checkpoint at or below {@code height}, if any. */
  public Optional<ChainedHeader> atOrBelow(long height) {
    ChainedHeader found = null;
    for (ChainedHeader c : checkpoints) {
      if (c.height() > height) {
        break;
      }
      found = c;
    }
    return Optional.ofNullable(found);
  }

  /** The lowest checkpoint above {@code height}, if any. */
  public Optional<ChainedHeader> above(long height) {
    return checkpoints.stream().filter(c -> c.height() > height).findFirst();
  }

  /** The checkpoint at exactly {@code height}, if any. */
  public Optional<ChainedHeader> at(long height) {
    return atOrBelow(height).filter(c -> c.height() == height);
  }

  private static HeaderCheckpoints loadMainnet() {
    List<ChainedHeader> list = new ArrayList<>();
    try (InputStream in = HeaderCheckpoints.class.getResourceAsStream(MAINNET_RESOURCE)) {
      if (in == null) {
        throw new IllegalStateException("the embedded " + MAINNET_RESOURCE + " is missing");
      }
      for (String line : new String(in.readAllBytes(), StandardCharsets.US_ASCII).split("\n")) {
        if (line.isBlank() || line.startsWith("#")) {
          continue;
        }
        String[] f = line.trim().split(" ");
        list.add(checkpoint(Long.parseLong(f[0]), BitcoinBlockHeader.fromHex(f[2]), new BigInteger(f[1], 16)));
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    if (!list.get(0).header().hash().equals(BitcoinChainParams.MAINNET.genesisHash())) {
      throw new IllegalStateException("the embedded mainnet checkpoints do not start at the genesis block");
    }
    return of(BitcoinChainParams.MAINNET, list);
  }

  /** Loads the embedded mainnet set once, on first use. */
  private static final class MainnetHolder {
    static final HeaderCheckpoints MAINNET = loadMainnet();
  }
}
