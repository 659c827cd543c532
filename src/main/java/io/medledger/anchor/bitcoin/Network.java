package io.medledger.anchor.bitcoin;

/**
 * A Bitcoin network and its address and key prefixes.
 *
 * <p>Testnet and regtest share their Base58 prefixes (addresses {@code m}/{@code n}/{@code 2},
 * WIF {@code c}/{@code 9}); only their Bech32 prefixes ({@code tb}, {@code bcrt}) differ, so a
 * Base58 address or a WIF key parses as {@link #TESTNET} and is {@linkplain #isCompatibleWith
 * compatible with} regtest. Immutable.
 */
public enum Network {
  /** Bitcoin mainnet. */
  MAINNET("bc", 0x00, 0x05, 0x80),
  /** Testnet (testnet3/testnet4 and signet use the same prefixes). */
  TESTNET("tb", 0x6f, 0xc4, 0xef),
  /** Regression-test network. */
  REGTEST("bcrt", 0x6f, 0xc4, 0xef);

  private final String hrp;
  private final int p2pkhVersion;
  private final int p2shVersion;
  private final int wifVersion;

  Network(String hrp, int p2pkhVersion, int p2shVersion, int wifVersion) {
    this.hrp = hrp;
    this.p2pkhVersion = p2pkhVersion;
    this.p2shVersion = p2shVersion;
    this.wifVersion = wifVersion;
  }

  /** Bech32 human-readable part. */
  public String bech32Hrp() {
    return hrp;
  }

  /** Base58Check version byte of P2PKH addresses. */
  public int p2pkhVersion() {
    return p2pkhVersion;
  }

  /** Base58Check version byte of P2SH addresses. */
  public int p2shVersion() {
    return p2shVersion;
  }

  /** Base58Check version byte of WIF private keys. */
  public int wifVersion() {
    return wifVersion;
  }

  /**
   * True if a key or Base58 address of this network may be used with {@code other}: the same
   * network, or testnet and regtest (which share Base58 prefixes).
   */
  public boolean isCompatibleWith(Network other) {
    return this == other || (this != MAINNET && other != MAINNET);
  }
}
