package io.medledger.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.medledger.anchor.AnchorReceipt;
import io.medledger.anchor.AnchorReceiptTest;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ReceiptCommandTest {
  @TempDir Path dir;

  private String[] run(String... args) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    int code = Main.run(args, new ByteArrayInputStream(new byte[0]), new PrintStream(out, true, StandardCharsets.UTF_8),
        new PrintStream(err, true, StandardCharsets.UTF_8));
    return new String[] {String.valueOf(code), out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8)};
  }

  @Test
  void verifiesCompleteRefusesPendingAndTampered() throws Exception {
    AnchorReceiptTest.Fixture f = new AnchorReceiptTest.Fixture();
    AnchorReceipt r = f.receipt(7);
    Path receipt = Files.writeString(dir.resolve("r.json"), r.toJson());
    Path headers = Files.writeString(dir.resolve("h.json"), "{\"" + f.height + "\":\"" + f.header.toHex() + "\"}");
    String[] ok = run("receipt", "verify", "--receipt", receipt.toString(), "--headers", headers.toString(),
        "--network", "regtest");
    assertEquals("0", ok[0], ok[2]);
    assertTrue(ok[1].contains("\"valid\":true") && ok[1].contains("\"height\":150") && ok[1].contains("\"time\":1780000000"), ok[1]);
    assertTrue(ok[1].contains("\"txid\":\"" + r.bitcoin().orElseThrow().branch().txid().reversed().toHex()
        + "\",\"confirmations\":1}"), "the confirmations seen follow the existing fields: " + ok[1]);

    Path pending = Files.writeString(dir.resolve("p.json"),
        AnchorReceipt.pending(r.entry(), r.logProof(), r.commitment()).toJson());
    String[] p = run("receipt", "verify", "--receipt", pending.toString(), "--headers", headers.toString(),
        "--network", "regtest");
    assertEquals("1", p[0]);
    assertTrue(p[1].contains("\"status\":\"pending\""), p[1]);

    Path other = Files.writeString(dir.resolve("h2.json"), "{\"151\":\"" + f.header.toHex() + "\"}");
    String[] bad = run("receipt", "verify", "--receipt", receipt.toString(), "--headers", other.toString(),
        "--network", "regtest");
    assertEquals("1", bad[0]);
    assertTrue(bad[1].contains("\"status\":\"invalid\""), bad[1]);

    Path garbage = Files.writeString(dir.resolve("g.json"), "{\"format\":1}");
    String[] g = run("receipt", "verify", "--receipt", garbage.toString(), "--headers", headers.toString());
    assertEquals("2", g[0]);
    assertTrue(g[2].startsWith("medledger: "), g[2]);
    assertEquals("2", run("receipt", "verify", "--receipt", dir.resolve("none").toString(), "--headers", headers.toString())[0]);

    Path ots = dir.resolve("entry.bin.ots");
    String[] ex = run("receipt", "export-ots", "--receipt", receipt.toString(), "--out", ots.toString());
    assertEquals("0", ex[0], ex[2]);
    io.medledger.anchor.ots.OtsTimestamp t = io.medledger.anchor.ots.OtsTimestamp.read(ots);
    assertTrue(t.matchesFile(dir.resolve("entry.bin")));
    assertTrue(t.verifyBitcoin(io.medledger.anchor.bitcoin.FileHeaderSource.read(headers),
        io.medledger.anchor.bitcoin.BitcoinChainParams.REGTEST).holds());
    assertEquals("2", run("receipt", "export-ots", "--receipt", pending.toString(), "--out", ots.toString())[0]);
  }

  /**
   * A complete receipt whose transaction puts the commitment beyond the OpenTimestamps argument
   * limit cannot be exported: the command exits 2 with one line naming why (not the catch-all's
   * exception name) and writes neither the proof nor the stamped file beside it.
   */
  /**
   * A receipt names the network its anchor is on, and so the proof of work its headers must meet:
   * one labelled regtest, whose header meets only regtest's (almost any header does), verified as
   * anchored without the verifier naming a network, while {@code ots verify} checks mainnet's. The
   * network is now the verifier's ({@code --network}, main by default).
   */
  @Test
  void theVerifierNotTheReceiptNamesTheNetwork() throws Exception {
    AnchorReceiptTest.Fixture f = new AnchorReceiptTest.Fixture();
    Path receipt = Files.writeString(dir.resolve("r.json"), f.receipt(7).toJson());
    Path headers = Files.writeString(dir.resolve("h.json"), "{\"" + f.height + "\":\"" + f.header.toHex() + "\"}");
    String[] main = run("receipt", "verify", "--receipt", receipt.toString(), "--headers", headers.toString());
    assertEquals("1", main[0], main[1]);
    assertTrue(main[1].contains("\"status\":\"invalid\"") && main[1].contains("attested on regtest, not main"), main[1]);
    assertEquals("0", run("receipt", "verify", "--receipt", receipt.toString(), "--headers", headers.toString(),
        "--network", "regtest")[0]);
    String[] unknown = run("receipt", "verify", "--receipt", receipt.toString(), "--headers", headers.toString(),
        "--network", "testnet");
    assertEquals("2", unknown[0]);
    assertTrue(unknown[2].contains("--network must be main or regtest"), unknown[2]);
    assertEquals("2", run("receipt", "verify", "--receipt", receipt.toString(), "--network", "regtest")[0],
        "a network without headers");
  }

  /**
   * Under {@code --network main} the attested block's header counts only on a chain validated
   * from an embedded checkpoint through the confirmations asked for: a headers file holding just
   * that header is refused (exit 1, {@code invalid}, the reason naming the checkpoint).
   */
  @Test
  void mainnetHeadersMustChainFromATrustedCheckpoint() throws Exception {
    AnchorReceiptTest.Fixture f = new AnchorReceiptTest.Fixture();
    String json = f.receipt(7).toJson();
    String mainJson = json.replaceFirst("\"network\"\\s*:\\s*\"regtest\"", "\"network\":\"main\"");
    assertTrue(!mainJson.equals(json), json);
    Path receipt = Files.writeString(dir.resolve("main.json"), mainJson);
    Path headers = Files.writeString(dir.resolve("h.json"), "{\"" + f.height + "\":\"" + f.header.toHex() + "\"}");
    String[] r = run("receipt", "verify", "--receipt", receipt.toString(), "--headers", headers.toString());
    assertEquals("1", r[0], r[1] + r[2]);
    assertTrue(r[1].contains("\"status\":\"invalid\"") && r[1].contains("from the trusted checkpoint at height 0 to height 2016"
        + " (the next checkpoint), and height 1 is missing"), r[1]);
    String[] nine = run("receipt", "verify", "--receipt", receipt.toString(), "--headers", headers.toString(),
        "--confirmations", "9");
    assertEquals("1", nine[0], nine[2]);
    assertTrue(nine[1].contains("\"status\":\"invalid\""), nine[1]);
    assertEquals("2", run("receipt", "verify", "--receipt", receipt.toString(), "--headers", headers.toString(),
        "--confirmations", "0")[0]);
    assertEquals("2", run("receipt", "verify", "--receipt", receipt.toString(), "--headers", headers.toString(),
        "--network", "regtest", "--confirmations", "6")[0]);
  }

  @Test
  void aReceiptThatCannotBeExportedWritesNothing() throws Exception {
    AnchorReceiptTest.Fixture f = new AnchorReceiptTest.Fixture();
    Path receipt = Files.writeString(dir.resolve("far.json"), f.receiptBeyondTheOtsArgumentLimit(7).toJson());
    Path ots = dir.resolve("entry.bin.ots");
    String[] ex = run("receipt", "export-ots", "--receipt", receipt.toString(), "--out", ots.toString());
    assertEquals("2", ex[0], ex[2]);
    assertEquals("medledger: the anchor transaction does not fit the OpenTimestamps argument limit\n",
        ex[2].replace("\r\n", "\n"));
    assertTrue(Files.notExists(ots) && Files.notExists(dir.resolve("entry.bin")), "export-ots left files behind");
  }
}
