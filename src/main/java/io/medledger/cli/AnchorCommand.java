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
import io.medledger.codec.MalformedEncodingException;
import io.medledger.crypto.Digest;
import io.medledger.internal.BoundedInput;
import io.medledger.internal.node.SecretFile;
import io.medledger.internal.node.SecretLine;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Arrays;
import java.util.List;

/**
 * {@code medledger anchor tx}: builds and signs an anchor transaction and prints its raw hex.
 * The network follows from the change address and the WIF key; a mismatch is an error. The WIF
 * key is read from a file only its owner can read ({@code --key-file PATH}) or from standard input
 * ({@code --key-file -}), never from the command line, where {@code ps}, {@code /proc} and shell
 * history would show it.
 */
final class AnchorCommand implements Command {
  private static final String USAGE = "usage: medledger anchor tx --commitment HEX --utxo TXID:VOUT:SATS:SCRIPTPUBKEY_HEX"
      + " [--utxo ...] --key-file PATH|- --change ADDRESS --fee-rate SAT_PER_VB";
  /** The largest key file read: a WIF key is 51 or 52 characters. */
  private static final int MAX_KEY_FILE = 1024;

  @Override
  public int run(String[] args, InputStream in, PrintStream out, PrintStream err) throws IOException {
    if (args.length == 0 || !args[0].equals("tx")) {
      throw new CliException(USAGE);
    }
    Args a = Args.parse(args, 1);
    String commitmentHex = a.required("commitment");
    List<String> utxoSpecs = a.all("utxo");
    if (a.optional("key") != null) {
      throw new CliException("--key is refused: a key on the command line is visible in ps, /proc and shell history;"
          + " put the WIF key in a file only you can read and pass --key-file PATH, or pipe it with --key-file -");
    }
    String keyFile = a.required("key-file");
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
    } catch (IllegalArgumentException | MalformedEncodingException e) {
      throw new CliException("--commitment must be 32 bytes of hex");
    }
    char[] wif = null;
    BitcoinPrivateKey key;
    try {
      wif = readKey(keyFile, in);
      key = BitcoinPrivateKey.fromWif(wif);
    } catch (IllegalArgumentException | MalformedEncodingException e) {
      throw new CliException("the key in " + (keyFile.equals("-") ? "standard input (--key-file -)" : "--key-file " + keyFile)
          + " is not a valid WIF private key: " + e.getMessage());
    } finally {
      if (wif != null) {
        Arrays.fill(wif, '\0');
      }
    }
    try {
      return build(key, commitment, changeText, rateText, utxoSpecs, out);
    } finally {
      key.destroy();
    }
  }

  private static int build(BitcoinPrivateKey key, Digest commitment, String changeText, String rateText,
      List<String> utxoSpecs, PrintStream out) {
    Address change;
    try {
      change = Address.parse(changeText);
    } catch (IllegalArgumentException | MalformedEncodingException e) {
      throw new CliException("--change is not a valid address: " + e.getMessage());
    }
    if (!key.network().isCompatibleWith(change.network())) {
      throw new CliException("network mismatch: the key is for " + key.network().name().toLowerCase()
          + " but the change address is for " + change.network().name().toLowerCase());
    }
    FeeRate rate;
    try {
      rate = FeeRate.parseSatPerVbyte(rateText);
    } catch (IllegalArgumentException | MalformedEncodingException e) {
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

  /**
   * The WIF text of {@code --key-file} (its first line), for the caller to wipe: stdin for
   * {@code -}, else a file that only its owner can read.
   */
  private static char[] readKey(String keyFile, InputStream in) throws IOException {
    if (keyFile.equals("-")) {
      byte[] b = BoundedInput.read(in, MAX_KEY_FILE, "the key on standard input");
      try {
        return SecretLine.firstLine(b, "the key");
      } finally {
        Arrays.fill(b, (byte) 0);
      }
    } else {
      Path p = CliFiles.regularFile(keyFile, "key file");
      try {
        // checked (owner-only, of this account, not a link) and read in one opening
        return SecretLine.read(p, MAX_KEY_FILE, "the key file " + p, SecretFile.Access.OWNER_ONLY);
      } catch (SecretFile.RefusedException e) {
        if (e.kind() == SecretFile.RefusedException.Kind.MODE) {
          throw new CliException("key file " + p + " is accessible by others (" + PosixFilePermissions.toString(
              Files.getPosixFilePermissions(p, LinkOption.NOFOLLOW_LINKS)) + "); make it owner-only: chmod 600 " + p);
        }
        // owner-only, but of another account (which reads the key and can swap it), a link, or swapped
        throw new CliException("key file " + e.getMessage());
      }
    }
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
    } catch (IllegalArgumentException | MalformedEncodingException e) {
      throw new CliException("bad --utxo '" + spec + "': " + e.getMessage());
    }
  }
}
