package io.medledger.anchor.bitcoin;

import io.medledger.crypto.Digest;
import java.math.BigInteger;

/**
 * The proof-of-work consensus parameters that header validation needs.
 *
 * <p>Only networks whose difficulty rule this library implements exactly are offered: mainnet
 * (2016-block retargets with the 4x clamp) and regtest (no retargeting). Testnet's 20-minute
 * minimum-difficulty exception is not modelled, so there is no testnet constant.
 * Instances are immutable and thread-safe.
 *
 * @param name a short name, e.g. {@code main}
 * @param genesisHash the genesis block hash (internal byte order)
 * @param powLimit the easiest allowed target
 * @param retargetInterval blocks per difficulty period (2016)
 * @param targetTimespan seconds a period should take (two weeks)
 * @param noRetargeting whether the target never changes (regtest)
 * @param bip34Height first height that needs header version 2 or more
 * @param bip66Height first height that needs header version 3 or more
 * @param bip65Height first height that needs header version 4 or more
 */
public record BitcoinChainParams(
    String name,
    Digest genesisHash,
    BigInteger powLimit,
    int retargetInterval,
    long targetTimespan,
    boolean noRetargeting,
    long bip34Height,
    long bip66Height,
    long bip65Height) {

  /** Bitcoin mainnet. */
  public static final BitcoinChainParams MAINNET = new BitcoinChainParams(
      "main",
      Digest.fromHex("000000000019d6689c085ae165831e934ff763ae46a2a6c172b3f1b60a8ce26f").reversed(),
      new BigInteger("00000000ffffffffffffffffffffffffffffffffffffffffffffffffffffffff", 16),
      2016,
      14L * 24 * 60 * 60,
      false,
      227_931,
      363_725,
      388_381);

  /** Bitcoin Core's regression-test network. */
  public static final BitcoinChainParams REGTEST = new BitcoinChainParams(
      "regtest",
      Digest.fromHex("0f9188f13cb7b2c71f2a335e3a4fc328bf5beb436012afca590b1a11466e2206").reversed(),
      new BigInteger("7fffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff", 16),
      2016,
      14L * 24 * 60 * 60,
      true,
      1,
      1,
      1);

  /** Validates the parameters. */
  public BitcoinChainParams {
    java.util.Objects.requireNonNull(name, "name");
    java.util.Objects.requireNonNull(genesisHash, "genesisHash");
    if (powLimit.signum() <= 0 || powLimit.bitLength() > 256) {
      throw new IllegalArgumentException("powLimit must be in (0, 2^256)");
    }
    if (retargetInterval <= 0 || targetTimespan <= 0) {
      throw new IllegalArgumentException("retarget interval and timespan must be positive");
    }
  }

  /** The minimum header version required at {@code height} (BIP 34, 66, 65). */
  public int minimumVersionAt(long height) {
    if (height >= bip65Height) {
      return 4;
    }
    if (height >= bip66Height) {
      return 3;
    }
    if (height >= bip34Height) {
      return 2;
    }
    return 0;
  }

  /**
   * Core's {@code CalculateNextWorkRequired}: the compact target of the first block of a period,
   * given the last period's compact target and the times of its first and last blocks. The
   * timespan is clamped to [timespan/4, timespan*4] and the result capped at {@link #powLimit}.
   */
  public int nextWorkRequired(int lastBits, long periodFirstTime, long periodLastTime) {
    if (noRetargeting) {
      return lastBits;
    }
    long actual = periodLastTime - periodFirstTime;
    actual = Math.max(actual, targetTimespan / 4);
    actual = Math.min(actual, targetTimespan * 4);
    BigInteger target = CompactTarget.decode(lastBits).target();
    target = target.multiply(BigInteger.valueOf(actual)).divide(BigInteger.valueOf(targetTimespan));
    if (target.compareTo(powLimit) > 0) {
      target = powLimit;
    }
    return CompactTarget.encode(target);
  }
}
