package io.medledger.cli;

import io.medledger.anchor.bitcoin.Address;
import io.medledger.anchor.bitcoin.AnchorTransaction;
import io.medledger.anchor.bitcoin.AnchorTransactionBuilder;
import io.medledger.anchor.bitcoin.BitcoinPrivateKey;
import io.medledger.anchor.bitcoin.FeeRate;
import io.medledger.anchor.bitcoin.OutPoint;
import io.medledger.anchor.bitcoin.Script;
import io.medledger.anchor.bitcoin.Utxo;
import io.medledger.codec.Hex;
import io.medledger.crypto.Digest;
import java.io.InputStream;
import java.io.PrintStream;
import java.util.List;

/**
 * {@code medledger anchor tx}: builds and signs an anchor transaction and prints its raw hex.
 * The network follows from the change address and the WIF key; a mismatch is an error.
 */
final class AnchorCommand implements Command {
  private static final String USAGE = "usage: medledger anchor tx --commitment HEX --utxo TXID:VOUT:SATS:SCRIPTPUBKEY_HEX"
      + " [--utxo ...] --key WIF --change ADDRESS --fee-rate SAT_PER_VB";

  @Override
  public int run(String[] args, InputStream in, PrintStream out, PrintStream err) {
    if (args.length == 0 || !args[0].equals("tx")) {
      throw new CliException(USAGE);
    }
    Args a = Args.parse(args, 1);
    String commitmentHex = a.required("commitment");
    List<String> utxoSpecs = a.all("utxo");
    String wif = a.required("key");
    String changeText = a.required("change");
    String rateText = a.required("fee-rate");
    a.rejectUnknown();
    if (!a.positional().isEmpty()) {
      throw new CliException("unexpected argument '" + a.positional().get(0) + "'");
    }
    if (utxoSpecs.isEmpty()) {
      throw new CliException("at least one --utxo is required");
    }
    Digest commitment;
    try {
      commitment = Digest.of(Hex.decode(commitmentHex, Digest.LENGTH));
    } catch (IllegalArgumentException e) {
      throw new CliException("--commitment must be 32 bytes of hex");
    }
    BitcoinPrivateKey key;
    try {
      key = BitcoinPrivateKey.fromWif(wif);
    } catch (IllegalArgumentException e) {
      throw new CliException("--key is not a valid WIF private key: " + e.getMessage());
    }
    Address change;
    try {
      change = Address.parse(changeText);
    } catch (IllegalArgumentException e) {
      throw new CliException("--change is not a valid address: " + e.getMessage());
    }
    if (!key.network().isCompatibleWith(change.network())) {
      throw new CliException("network mismatch: the key is for " + key.network().name().toLowerCase()
          + " but the change address is for " + change.network().name().toLowerCase());
    }
    FeeRate rate;
    try {
      rate = FeeRate.parseSatPerVbyte(rateText);
    } catch (IllegalArgumentException e) {
      throw new CliException("--fee-rate: " + e.getMessage());
    }
    AnchorTransactionBuilder builder = AnchorTransactionBuilder.create(key, change).feeRate(rate);
    for (String spec : utxoSpecs) {
      builder.addUtxo(parseUtxo(spec));
    }
    AnchorTransaction tx = builder.build(commitment);
    out.println(tx.toHex());
    return 0;
  }

  private static Utxo parseUtxo(String spec) {
    String[] f = spec.split(":", -1);
    if (f.length != 4) {
      throw new CliException("--utxo must be TXID:VOUT:SATS:SCRIPTPUBKEY_HEX, got '" + spec + "'");
    }
    try {
      long vout = Long.parseLong(f[1]);
      long sats = Long.parseLong(f[2]);
      return new Utxo(OutPoint.fromDisplay(f[0], vout), sats, Script.fromHex(f[3]));
    } catch (IllegalArgumentException e) {
      throw new CliException("bad --utxo '" + spec + "': " + e.getMessage());
    }
  }
}
