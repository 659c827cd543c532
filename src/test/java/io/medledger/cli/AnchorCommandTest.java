package io.medledger.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.medledger.anchor.bitcoin.Address;
import io.medledger.anchor.bitcoin.BitcoinPrivateKey;
import io.medledger.anchor.bitcoin.InputVerifier;
import io.medledger.anchor.bitcoin.Network;
import io.medledger.anchor.bitcoin.OpReturnAnchor;
import io.medledger.anchor.bitcoin.Script;
import io.medledger.anchor.bitcoin.Transaction;
import io.medledger.anchor.bitcoin.TxOutput;
import io.medledger.codec.Hex;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code medledger anchor tx} through {@link Main#run}. */
class AnchorCommandTest {
  private static final String TXID1 = "aa".repeat(32);
  private static final String TXID2 = "bb".repeat(32);
  private static final String COMMITMENT = "0123456789abcdef".repeat(4);

  @TempDir
  Path tmp;

  private record Result(int code, String out, String err) {}

  private static Result run(String... args) {
    return runWithStdin("", args);
  }

  private static Result runWithStdin(String stdin, String... args) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    int code = Main.run(args, new ByteArrayInputStream(stdin.getBytes(StandardCharsets.UTF_8)),
        new PrintStream(out, true, StandardCharsets.UTF_8), new PrintStream(err, true, StandardCharsets.UTF_8));
    return new Result(code, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
  }

  /** An owner-only (0600) file holding {@code wif} and a newline. */
  private String keyFile(String wif) {
    try {
      Path p = Files.createTempFile(tmp, "key", ".wif");
      Files.writeString(p, wif + "\n");
      Files.setPosixFilePermissions(p, PosixFilePermissions.fromString("rw-------"));
      return p.toString();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  @Test
  void buildsASignedRegtestTransaction() {
    BitcoinPrivateKey key = BitcoinPrivateKey.fromSecretBytes(Hex.decode("11".repeat(32)), Network.TESTNET, true);
    Script wpkh = key.publicKey().p2wpkhScript();
    Script tr = key.publicKey().p2trScript();
    String change = Address.fromScript(wpkh, Network.REGTEST).toString();
    Result r = run("anchor", "tx", "--commitment", COMMITMENT,
        "--utxo", TXID1 + ":0:50000:" + wpkh.toHex(), "--utxo", TXID2 + ":7:20000:" + tr.toHex(),
        "--key-file", keyFile(new String(key.exportSecretWif())), "--change", change, "--fee-rate", "2.5");
    assertEquals(0, r.code(), r.err());
    String hex = r.out().trim();
    assertTrue(hex.matches("[0-9a-f]+"), "lowercase hex on stdout");
    Transaction tx = Transaction.fromHex(hex);
    assertEquals(COMMITMENT, OpReturnAnchor.find(tx).orElseThrow().toHex());
    assertEquals(1, tx.inputs().size(), "largest UTXO alone pays the fee");
    assertEquals(TXID1, tx.inputs().get(0).outPoint().txidHex());
    List<TxOutput> spent = new ArrayList<>(List.of(new TxOutput(50000, wpkh)));
    assertTrue(InputVerifier.verifyAllStandard(tx, spent));
    assertTrue(tx.fee(spent) * 1000 >= 2500 * tx.vsize());
    assertEquals(Address.parse(change).scriptPubKey(), tx.outputs().get(1).scriptPubKey());
  }

  @Test
  void mismatchedNetworksAndBadInputExitTwo() {
    BitcoinPrivateKey key = BitcoinPrivateKey.fromSecretBytes(Hex.decode("22".repeat(32)), Network.MAINNET, true);
    Script wpkh = key.publicKey().p2wpkhScript();
    String testChange = Address.fromScript(wpkh, Network.TESTNET).toString();
    String mainChange = Address.fromScript(wpkh, Network.MAINNET).toString();
    String utxo = TXID1 + ":1:50000:" + wpkh.toHex();
    Result r = run("anchor", "tx", "--commitment", COMMITMENT, "--utxo", utxo, "--key-file", keyFile(new String(key.exportSecretWif())),
        "--change", testChange, "--fee-rate", "1");
    assertEquals(2, r.code());
    assertTrue(r.err().contains("network mismatch"), r.err());
    assertEquals("", r.out());
    assertEquals(1, r.err().trim().lines().count(), "one line on stderr");
    assertFalse(r.err().contains(new String(key.exportSecretWif())), "the key never appears in errors");

    String[][] bad = {
      {"--commitment", "abcd", "--utxo", utxo, "--key-file", keyFile(new String(key.exportSecretWif())), "--change", mainChange, "--fee-rate", "1"},
      {"--commitment", COMMITMENT, "--utxo", "xyz", "--key-file", keyFile(new String(key.exportSecretWif())), "--change", mainChange, "--fee-rate", "1"},
      {"--commitment", COMMITMENT, "--utxo", utxo, "--key-file", keyFile("notawif"), "--change", mainChange, "--fee-rate", "1"},
      {"--commitment", COMMITMENT, "--utxo", utxo, "--key-file", keyFile(new String(key.exportSecretWif())), "--change", "bc1nope", "--fee-rate", "1"},
      {"--commitment", COMMITMENT, "--utxo", utxo, "--key-file", keyFile(new String(key.exportSecretWif())), "--change", mainChange, "--fee-rate", "-1"},
      {"--commitment", COMMITMENT, "--key-file", keyFile(new String(key.exportSecretWif())), "--change", mainChange, "--fee-rate", "1"},
      {"--commitment", COMMITMENT, "--utxo", TXID1 + ":1:100:" + wpkh.toHex(), "--key-file", keyFile(new String(key.exportSecretWif())),
          "--change", mainChange, "--fee-rate", "1"},
      {"--commitment", COMMITMENT, "--utxo", TXID1 + ":1:5000:" + Script.p2wpkh(new byte[20]).toHex(),
          "--key-file", keyFile(new String(key.exportSecretWif())), "--change", mainChange, "--fee-rate", "1"},
      {"--commitment", COMMITMENT, "--utxo", utxo, "--key-file", keyFile(new String(key.exportSecretWif())), "--change", mainChange,
          "--fee-rate", "1", "--bogus", "x"},
      // an exponent BigDecimal reads but cannot move three places: ArithmeticException reached the catch-all
      {"--commitment", COMMITMENT, "--utxo", utxo, "--key-file", keyFile(new String(key.exportSecretWif())), "--change", mainChange,
          "--fee-rate", "1E+2147483647"},
    };
    String[] expect = {"--commitment", "--utxo", "--key", "--change", "--fee-rate", "--utxo", "insufficient funds",
        "key does not match UTXO", "unknown option", "medledger: --fee-rate: "};
    for (int i = 0; i < bad.length; i++) {
      String[] args = new String[bad[i].length + 2];
      args[0] = "anchor";
      args[1] = "tx";
      System.arraycopy(bad[i], 0, args, 2, bad[i].length);
      Result b = run(args);
      assertEquals(2, b.code(), String.join(" ", bad[i]));
      assertTrue(b.err().contains(expect[i]), "case " + i + ": " + b.err());
      assertEquals("", b.out());
    }
    assertEquals(2, run("anchor").code());
    assertEquals(2, run("anchor", "send").code());
  }

  /** Issue 13, finding 7: the key never travels on the command line. */
  /** A testnet key's WIF, a regtest change address of it and a coin it can spend. */
  private record Wallet(String change, String utxo, String wif) {}

  private static Wallet wallet() {
    BitcoinPrivateKey key = BitcoinPrivateKey.fromSecretBytes(Hex.decode("33".repeat(32)), Network.TESTNET, true);
    Script wpkh = key.publicKey().p2wpkhScript();
    return new Wallet(Address.fromScript(wpkh, Network.REGTEST).toString(), TXID1 + ":0:50000:" + wpkh.toHex(),
        new String(key.exportSecretWif()));
  }

  @Test
  void theKeyComesFromAnOwnerOnlyFileOrStdinNeverFromArgv() throws IOException {
    Wallet w = wallet();
    String change = w.change();
    String utxo = w.utxo();
    String wif = w.wif();

    Result onArgv = run("anchor", "tx", "--commitment", COMMITMENT, "--utxo", utxo, "--key", wif,
        "--change", change, "--fee-rate", "1");
    assertEquals(2, onArgv.code());
    assertTrue(onArgv.err().contains("--key is refused") && onArgv.err().contains("--key-file"), onArgv.err());
    assertFalse(onArgv.err().contains(wif));
    assertEquals("", onArgv.out());

    String file = keyFile(wif);
    Result fromFile = run("anchor", "tx", "--commitment", COMMITMENT, "--utxo", utxo, "--key-file", file,
        "--change", change, "--fee-rate", "1");
    assertEquals(0, fromFile.code(), fromFile.err());
    Result fromStdin = runWithStdin(wif + "\n", "anchor", "tx", "--commitment", COMMITMENT, "--utxo", utxo,
        "--key-file", "-", "--change", change, "--fee-rate", "1");
    assertEquals(0, fromStdin.code(), fromStdin.err());
    assertEquals(fromFile.out(), fromStdin.out(), "same key, same deterministic signature");

    for (String perms : new String[] {"rw-r-----", "rw----r--", "rw-rw-rw-", "rw-----w-"}) {
      Files.setPosixFilePermissions(Path.of(file), PosixFilePermissions.fromString(perms));
      Result open = run("anchor", "tx", "--commitment", COMMITMENT, "--utxo", utxo, "--key-file", file,
          "--change", change, "--fee-rate", "1");
      assertEquals(2, open.code(), perms);
      assertTrue(open.err().contains("accessible by others") && open.err().contains("chmod 600"), open.err());
      assertFalse(open.err().contains(wif));
      assertEquals(1, open.err().trim().lines().count());
    }
    assertEquals(2, run("anchor", "tx", "--commitment", COMMITMENT, "--utxo", utxo, "--key-file",
        tmp.resolve("absent").toString(), "--change", change, "--fee-rate", "1").code());
  }

  @Test
  void aKeyFileOwnedByAnotherAccountIsRefused() throws IOException {
    Wallet w = wallet();
    String change = w.change();
    String utxo = w.utxo();
    String wif = w.wif();
    String file = keyFile(wif);
    // mode 0600, but owned by another account (which reads the key and can swap it): refused too
    Files.setPosixFilePermissions(Path.of(file), PosixFilePermissions.fromString("rw-------"));
    java.nio.file.attribute.UserPrincipal other;
    try {
      other = tmp.getFileSystem().getUserPrincipalLookupService().lookupPrincipalByName("nobody");
      Files.setOwner(Path.of(file), other);
    } catch (IOException e) {
      other = null;
    }
    // only a process that may give files away (root) can set this up
    org.junit.jupiter.api.Assumptions.assumeTrue(other != null && Files.getOwner(Path.of(file)).equals(other)
        && !other.getName().equals(System.getProperty("user.name")), "chown to another user");
    Result foreign = run("anchor", "tx", "--commitment", COMMITMENT, "--utxo", utxo, "--key-file", file,
        "--change", change, "--fee-rate", "1");
    assertEquals(2, foreign.code(), foreign.err());
    assertTrue(foreign.err().contains("owned by nobody"), foreign.err());
    assertFalse(foreign.err().contains(wif));
    assertEquals(1, foreign.err().trim().lines().count());
  }
}
