package io.medledger.cli;

import io.medledger.anchor.AnchorReceipt;
import io.medledger.anchor.ReceiptVerdict;
import io.medledger.anchor.bitcoin.FileHeaderSource;
import io.medledger.internal.Json;
import java.io.InputStream;
import java.io.PrintStream;
import java.nio.file.Path;

/**
 * {@code medledger receipt verify --receipt PATH --headers HEADERS.json}: checks an anchor receipt
 * offline. Exit 0 with the Bitcoin height and block time when it holds; exit 1 when it does not
 * or is still pending; exit 2 on malformed input.
 */
final class ReceiptCommand implements Command {
  @Override
  public int run(String[] args, InputStream in, PrintStream out, PrintStream err) throws Exception {
    if (args.length > 0 && args[0].equals("export-ots")) {
      return exportOts(args, out);
    }
    if (args.length == 0 || !args[0].equals("verify")) {
      throw new CliException("usage: medledger receipt verify --receipt PATH --headers HEADERS.json"
          + " | receipt export-ots --receipt PATH --out PROOF.ots [--force]");
    }
    Args a = Args.parse(args, 1);
    Path receiptPath = Path.of(a.required("receipt"));
    Path headersPath = Path.of(a.required("headers"));
    a.rejectUnknown();
    AnchorReceipt receipt = AnchorReceipt.fromJson(CliFiles.readJsonText(receiptPath));
    FileHeaderSource headers = headers(headersPath);
    ReceiptVerdict v = receipt.verify(headers);
    out.println(Json.write(false, g -> {
      g.writeStartObject();
      g.writeStringField("leafHash", receipt.leafHash().toHex());
      g.writeStringField("commitment", receipt.commitment().digest().toHex());
      g.writeNumberField("ledgerHeight", receipt.commitment().height());
      if (v instanceof ReceiptVerdict.Anchored an) {
        g.writeBooleanField("valid", true);
        g.writeStringField("status", "anchored");
        g.writeArrayFieldStart("attestations");
        g.writeStartObject();
        g.writeNumberField("height", an.height());
        g.writeNumberField("time", an.blockTime());
        g.writeStringField("blockHash", an.blockHash().reversed().toHex());
        g.writeStringField("txid", an.txid().reversed().toHex());
        g.writeEndObject();
        g.writeEndArray();
      } else if (v instanceof ReceiptVerdict.Pending) {
        g.writeBooleanField("valid", false);
        g.writeStringField("status", "pending");
        g.writeStringField("reason", "the ledger part holds; the Bitcoin part is not there yet");
      } else {
        g.writeBooleanField("valid", false);
        g.writeStringField("status", "invalid");
        g.writeStringField("reason", ((ReceiptVerdict.Invalid) v).reason());
      }
      g.writeEndObject();
    }));
    return v instanceof ReceiptVerdict.Anchored ? 0 : 1;
  }

  /** Writes the receipt's .ots proof and, beside it, the stamped file (0x00 || entry). */
  private static int exportOts(String[] args, PrintStream out) throws java.io.IOException {
    Args a = Args.parse(args, 1, "force");
    Path receiptPath = Path.of(a.required("receipt"));
    Path ots = Path.of(a.required("out"));
    boolean force = a.flag("force");
    a.rejectUnknown();
    if (!ots.getFileName().toString().endsWith(".ots")) {
      throw new CliException("--out must name a file ending in .ots");
    }
    AnchorReceipt receipt = AnchorReceipt.fromJson(CliFiles.readJsonText(receiptPath));
    if (!receipt.isComplete()) {
      throw new CliException("the receipt is pending: there is no Bitcoin attestation to export yet");
    }
    String name = ots.getFileName().toString();
    Path stamped = ots.resolveSibling(name.substring(0, name.length() - 4));
    CliFiles.refuseToOverwrite(force, stamped, ots);
    CliFiles.write(stamped, receipt.stampedFile(), force);
    CliFiles.write(ots, receipt.toOpenTimestamps().serialize(), force);
    out.println(Json.write(false, g -> {
      g.writeStartObject();
      g.writeStringField("ots", ots.toString());
      g.writeStringField("file", stamped.toString());
      g.writeStringField("fileSha256", receipt.leafHash().toHex());
      g.writeNumberField("bitcoinHeight", receipt.bitcoin().orElseThrow().height());
      g.writeEndObject();
    }));
    return 0;
  }

  /** Reads a {@code --headers} file: a JSON object of heights to header hex, bounded and UTF-8. */
  static FileHeaderSource headers(Path p) throws java.io.IOException {
    return FileHeaderSource.parse(new java.io.ByteArrayInputStream(CliFiles.readJson(p)));
  }
}
