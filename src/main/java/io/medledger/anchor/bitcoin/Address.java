package io.medledger.anchor.bitcoin;

import io.medledger.codec.MalformedEncodingException;
import io.medledger.internal.bitcoin.Base58;
import io.medledger.internal.bitcoin.Bech32;
import java.util.Arrays;
import java.util.Locale;
import java.util.Objects;

/**
 * A Bitcoin address: Base58Check P2PKH or P2SH, or a segwit address (Bech32 for witness version 0,
 * Bech32m for versions 1 to 16, BIP 173/350).
 *
 * <p>A Base58 address with the shared testnet/regtest prefix parses as {@link Network#TESTNET}
 * (see {@link Network#isCompatibleWith}). Immutable and thread-safe.
 */
public final class Address {
  private final Network network;
  private final Script scriptPubKey;
  private final String text;

  private Address(Network network, Script scriptPubKey, String text) {
    this.network = network;
    this.scriptPubKey = scriptPubKey;
    this.text = text;
  }

  /**
   * Parses an address of any supported kind and network.
   *
   * @throws MalformedEncodingException if the text is not a valid address
   */
  public static Address parse(String text) {
    Objects.requireNonNull(text, "text");
    if (text.length() > Bech32.MAX_LENGTH) {
      throw new MalformedEncodingException("address longer than 90 characters");
    }
    int sep = text.lastIndexOf('1');
    if (sep > 0) {
      String hrp = text.substring(0, sep).toLowerCase(Locale.ROOT);
      for (Network n : Network.values()) {
        if (n.bech32Hrp().equals(hrp)) {
          Bech32.WitnessProgram wp = Bech32.decodeSegwit(text);
          return new Address(n, Script.witnessProgram(wp.version(), wp.program()), text.toLowerCase(Locale.ROOT));
        }
      }
    }
    byte[] payload;
    try {
      payload = Base58.decodeCheck(text);
    } catch (MalformedEncodingException e) {
      throw new MalformedEncodingException("not a Bech32 address of a known network nor valid Base58Check: "
          + e.getMessage(), e);
    }
    if (payload.length != 21) {
      throw new MalformedEncodingException("not an address: unknown prefix or wrong payload length");
    }
    int v = payload[0] & 0xff;
    byte[] hash = Arrays.copyOfRange(payload, 1, 21);
    for (Network n : new Network[] {Network.MAINNET, Network.TESTNET}) {
      if (v == n.p2pkhVersion()) {
        return new Address(n, Script.p2pkh(hash), text);
      }
      if (v == n.p2shVersion()) {
        return new Address(n, Script.p2sh(hash), text);
      }
    }
    throw new MalformedEncodingException("unknown Base58 address version 0x" + Integer.toHexString(v));
  }

  /**
   * Parses an address that must belong to {@code network} (testnet Base58 addresses are accepted
   * for regtest).
   */
  public static Address parse(String text, Network network) {
    Address a = parse(text);
    if (!a.isFor(network)) {
      throw new MalformedEncodingException("address is for " + a.network + ", not " + network);
    }
    return a;
  }

  /**
   * The address of a standard output script on {@code network}.
   *
   * @throws IllegalArgumentException if the script has no address form (OP_RETURN, bare scripts)
   */
  public static Address fromScript(Script script, Network network) {
    byte[] payload = script.payload().orElseThrow(
        () -> new IllegalArgumentException("script type " + script.type() + " has no address"));
    String text;
    switch (script.type()) {
      case P2PKH:
        text = base58(network.p2pkhVersion(), payload);
        break;
      case P2SH:
        text = base58(network.p2shVersion(), payload);
        break;
      default:
        text = Bech32.encodeSegwit(network.bech32Hrp(), script.witnessVersion(), payload);
    }
    return new Address(network, script, text);
  }

  private static String base58(int version, byte[] hash) {
    byte[] p = new byte[21];
    p[0] = (byte) version;
    System.arraycopy(hash, 0, p, 1, 20);
    return Base58.encodeCheck(p);
  }

  /** The network the address was parsed or built for. */
  public Network network() {
    return network;
  }

  /** True if the address can be used on {@code other} (Base58 testnet addresses also on regtest). */
  public boolean isFor(Network other) {
    return network == other || (isBase58() && network.isCompatibleWith(other));
  }

  /** True for a Base58Check address (P2PKH or P2SH). */
  public boolean isBase58() {
    ScriptType t = scriptPubKey.type();
    return t == ScriptType.P2PKH || t == ScriptType.P2SH;
  }

  /** The output script this address pays to. */
  public Script scriptPubKey() {
    return scriptPubKey;
  }

  /** The script template. */
  public ScriptType type() {
    return scriptPubKey.type();
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof Address a && a.text.equals(text);
  }

  @Override
  public int hashCode() {
    return text.hashCode();
  }

  /** The address text (segwit addresses in lowercase). */
  @Override
  public String toString() {
    return text;
  }
}
