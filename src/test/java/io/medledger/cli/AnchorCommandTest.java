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
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** {@code medledger anchor tx} through {@link Main#run}. */
class AnchorCommandTest {
  private static final String TXID1 = "aa".repeat(32);
  private static final String TXID2 = "bb".repeat(32);
  private static final String COMMITMENT = "0123456789abcdef".repeat(4);

  private record Result(int code, String out, String err) {}

  private static Result run(String... args) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    int code = Main.run(args, new ByteArrayInputStream(new byte[0]), new PrintStream(out, true, StandardCharsets.UTF_8),
        new PrintStream(err, true, StandardCharsets.UTF_8));
    return new Result(code, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
  }

  @Test
  void buildsASignedRegtestTransaction() {
    BitcoinPrivateKey key = BitcoinPrivateKey.fromSecretBytes(Hex.decode("11".repeat(32)), Network.TESTNET, true);
    Script wpkh = key.publicKey().p2wpkhScript();
    Script tr = key.publicKey().p2trScript();
    String change = Address.fromScript(wpkh, Network.REGTEST).toString();
    Result r = run("anchor", "tx", "--commitment", COMMITMENT,
        "--utxo", TXID1 + ":0:50000:" + wpkh.toHex(), "--utxo", TXID2 + ":7:20000:" + tr.toHex(),
        "--key", key.exportSecretWif(), "--change", change, "--fee-rate", "2.5");
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
    Result r = run("anchor", "tx", "--commitment", COMMITMENT, "--utxo", utxo, "--key", key.exportSecretWif(),
        "--change", testChange, "--fee-rate", "1");
    assertEquals(2, r.code());
    assertTrue(r.err().contains("network mismatch"), r.err());
    assertEquals("", r.out());
    assertEquals(1, r.err().trim().lines().count(), "one line on stderr");
    assertFalse(r.err().contains(key.exportSecretWif()), "the key never appears in errors");

    String[][] bad = {
      {"--commitment", "abcd", "--utxo", utxo, "--key", key.exportSecretWif(), "--change", mainChange, "--fee-rate", "1"},
      {"--commitment", COMMITMENT, "--utxo", "xyz", "--key", key.exportSecretWif(), "--change", mainChange, "--fee-rate", "1"},
      {"--commitment", COMMITMENT, "--utxo", utxo, "--key", "notawif", "--change", mainChange, "--fee-rate", "1"},
      {"--commitment", COMMITMENT, "--utxo", utxo, "--key", key.exportSecretWif(), "--change", "bc1nope", "--fee-rate", "1"},
      {"--commitment", COMMITMENT, "--utxo", utxo, "--key", key.exportSecretWif(), "--change", mainChange, "--fee-rate", "-1"},
      {"--commitment", COMMITMENT, "--key", key.exportSecretWif(), "--change", mainChange, "--fee-rate", "1"},
      {"--commitment", COMMITMENT, "--utxo", TXID1 + ":1:100:" + wpkh.toHex(), "--key", key.exportSecretWif(),
          "--change", mainChange, "--fee-rate", "1"},
      {"--commitment", COMMITMENT, "--utxo", TXID1 + ":1:5000:" + Script.p2wpkh(new byte[20]).toHex(),
          "--key", key.exportSecretWif(), "--change", mainChange, "--fee-rate", "1"},
      {"--commitment", COMMITMENT, "--utxo", utxo, "--key", key.exportSecretWif(), "--change", mainChange,
          "--fee-rate", "1", "--bogus", "x"},
    };
    String[] expect = {"--commitment", "--utxo", "--key", "--change", "--fee-rate", "--utxo", "insufficient funds",
        "key does not match UTXO", "unknown option"};
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
}
