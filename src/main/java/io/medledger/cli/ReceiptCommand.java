package io.medledger.cli;

import io.medledger.anchor.AnchorReceipt;
import io.medledger.anchor.ReceiptVerdict;
import io.medledger.anchor.bitcoin.CheckpointedHeaderSource;
import io.medledger.anchor.bitcoin.FileHeaderSource;
import io.medledger.internal.Json;
import io.medledger.tlog.Checkpoint;
import io.medledger.tlog.CheckpointStore;
import io.medledger.tlog.CheckpointVerifier;
import io.medledger.tlog.NoteKey;
import io.medledger.tlog.SignedNote;
import java.io.InputStream;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.List;

/**
 * {@code medledger receipt verify --receipt PATH [--headers HEADERS.json [--network main|regtest]
 * [--confirmations N]] [--log-keys VKEYS [--signatures N] [--cosignatures K]]}: checks an anchor receipt offline, against
 * Bitcoin headers of the given network (main by default: they must form a valid chain from a
 * checkpoint embedded in the library through N confirmations, 6 by default),
 * against the log's note keys and witnesses (a {@code checkpoint.vkeys} file), or both. Exit 0 when
 * it is anchored in Bitcoin, or (Bitcoin not asked or not there yet) its checkpoint holds with N
 * log signatures and K witness cosignatures; exit 1 when it does not hold or is still pending;
 * exit 2 on malformed input.
 */
final class ReceiptCommand implements Command {
  private static final String USAGE = "usage: medledger receipt verify --receipt PATH"
      + " [--headers HEADERS.json [--network main|regtest] [--confirmations N]] [--log-keys VKEYS [--signatures N] [--cosignatures K]] | receipt export-ots --receipt PATH --out PROOF.ots [--force]";

  @Override
  public int run(String[] args, InputStream in, PrintStream out, PrintStream err) throws Exception {
    if (args.length > 0 && args[0].equals("export-ots")) {
      return exportOts(args, out);
    }
    if (args.length == 0 || !args[0].equals("verify")) {
      throw new CliException(USAGE);
    }
    Args a = Args.parse(args, 1);
    Path receiptPath = Path.of(a.required("receipt"));
    String headersArg = a.optional("headers");
    String network = a.optional("network");
    String keysArg = a.optional("log-keys");
    long signatures = a.optionalLong("signatures", 0);
    long cosignatures = a.optionalLong("cosignatures", 0);
    String confirmationsArg = a.optional("confirmations");
    a.rejectUnknown();
    if (headersArg == null && keysArg == null) {
      throw new CliException("give --headers (Bitcoin), --log-keys (checkpoint) or both; " + USAGE);
    }
    if (network != null && headersArg == null) {
      throw new CliException("--network needs --headers");
    }
    if (network == null) {
      network = "main";
    } else if (!network.equals("main") && !network.equals("regtest")) {
      throw new CliException("--network must be main or regtest");
    }
    int confirmations = confirmations(confirmationsArg, headersArg != null && network.equals("main"));
    if (keysArg == null && (signatures != 0 || cosignatures != 0)) {
      throw new CliException("--signatures and --cosignatures need --log-keys");
    }
    AnchorReceipt receipt = CliFiles.parse(receiptPath, () -> AnchorReceipt.fromJson(CliFiles.readJsonText(receiptPath)));
    Path headersPath = headersArg == null ? null : Path.of(headersArg);
    ReceiptVerdict v = headersPath == null ? null
        : receipt.verify(CliFiles.parse(headersPath, () -> headers(headersPath)), network, confirmations);
    ReceiptVerdict cp = keysArg == null ? null
        : receipt.verifyCheckpoint(policy(receipt, Path.of(keysArg), signatures, cosignatures),
            System.currentTimeMillis() / 1000);
    boolean anchored = v instanceof ReceiptVerdict.Anchored && (cp == null || cp.holds());
    boolean cosigned = cp != null && cp.holds() && !(v instanceof ReceiptVerdict.Invalid);
    out.println(Json.write(false, g -> {
      g.writeStartObject();
      g.writeStringField("leafHash", receipt.leafHash().toHex());
      g.writeStringField("commitment", receipt.commitment().digest().toHex());
      g.writeNumberField("ledgerHeight", receipt.commitment().height());
      if (anchored) {
        ReceiptVerdict.Anchored an = (ReceiptVerdict.Anchored) v;
        g.writeBooleanField("valid", true);
        g.writeStringField("status", "anchored");
        g.writeArrayFieldStart("attestations");
        g.writeStartObject();
        g.writeNumberField("height", an.height());
        g.writeNumberField("time", an.blockTime());
        g.writeStringField("blockHash", an.blockHash().reversed().toHex());
        g.writeStringField("txid", an.txid().reversed().toHex());
        g.writeNumberField("confirmations", an.confirmations());
        g.writeEndObject();
        g.writeEndArray();
      } else if (cosigned) {
        g.writeBooleanField("valid", true);
        g.writeStringField("status", "cosigned");
      } else if (v instanceof ReceiptVerdict.Invalid || cp instanceof ReceiptVerdict.Invalid) {
        g.writeBooleanField("valid", false);
        g.writeStringField("status", "invalid");
        g.writeStringField("reason", ((ReceiptVerdict.Invalid) (v instanceof ReceiptVerdict.Invalid ? v : cp)).reason());
      } else {
        g.writeBooleanField("valid", false);
        g.writeStringField("status", "pending");
        g.writeStringField("reason", "the ledger part holds; the Bitcoin part is not there yet");
      }
      if (cp instanceof ReceiptVerdict.Cosigned c) {
        g.writeObjectFieldStart("checkpoint");
        g.writeNumberField("size", c.treeSize());
        g.writeNumberField("cosignatures", c.cosignatures());
        g.writeEndObject();
      }
      g.writeEndObject();
    }));
    return anchored || cosigned ? 0 : 1;
  }

  /**
   * The checkpoint policy of a {@code checkpoint.vkeys} file: its Ed25519 note keys are the log's
   * ({@code signatures} of them must sign; 0 means all), its cosignature keys the witnesses
   * ({@code cosignatures} of them must cosign).
   */
  private static CheckpointVerifier policy(AnchorReceipt receipt, Path vkeys, long signatures, long cosignatures)
      throws java.io.IOException {
    List<NoteKey> keys = CliFiles.parse(vkeys, () -> CheckpointStore.parseVerifierKeys(CliFiles.read(vkeys, SignedNote.MAX_BYTES)));
    List<NoteKey> log = keys.stream().filter(k -> k.type() == NoteKey.ED25519).distinct().toList();
    List<NoteKey> witnesses = keys.stream().filter(k -> k.type() == NoteKey.COSIGNATURE_V1).distinct().toList();
    long logSigners = log.stream().map(NoteKey::publicKey).distinct().count();
    long witnessSigners = witnesses.stream().map(NoteKey::publicKey).distinct().count();
    long n = signatures == 0 ? logSigners : signatures;
    if (log.isEmpty() || n < 1 || n > logSigners) {
      throw new CliException(vkeys + " lists " + logSigners + " distinct log note keys; --signatures must be 1.."
          + logSigners);
    }
    if (cosignatures < 0 || cosignatures > witnessSigners) {
      throw new CliException(vkeys + " lists " + witnessSigners + " distinct witness keys; --cosignatures must be 0.."
          + witnessSigners);
    }
    return CheckpointVerifier.of(Checkpoint.originOf(receipt.commitment().chainId()), log).requireSignatures((int) n)
        .requireWitnesses(witnesses, (int) cosignatures);
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
    AnchorReceipt receipt = CliFiles.parse(receiptPath, () -> AnchorReceipt.fromJson(CliFiles.readJsonText(receiptPath)));
    if (!receipt.isComplete()) {
      throw new CliException("the receipt is pending: there is no Bitcoin attestation to export yet");
    }
    String name = ots.getFileName().toString();
    Path stamped = ots.resolveSibling(name.substring(0, name.length() - 4));
    CliFiles.refuseToOverwrite(force, stamped, ots);
    byte[] proof = receipt.toOpenTimestamps().serialize();
    CliFiles.write(stamped, receipt.stampedFile(), force);
    CliFiles.write(ots, proof, force);
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

  /**
   * The {@code --confirmations} value (default {@link CheckpointedHeaderSource#DEFAULT_CONFIRMATIONS}),
   * allowed only where mainnet headers are checked ({@code mainHeaders}).
   */
  static int confirmations(String arg, boolean mainHeaders) {
    if (arg == null) {
      return CheckpointedHeaderSource.DEFAULT_CONFIRMATIONS;
    }
    if (!mainHeaders) {
      throw new CliException("--confirmations needs --headers of --network main");
    }
    if (!arg.matches("[0-9]{1,5}") || Integer.parseInt(arg) < 1
        || Integer.parseInt(arg) > CheckpointedHeaderSource.MAX_CONFIRMATIONS) {
      throw new CliException("--confirmations must be 1.." + CheckpointedHeaderSource.MAX_CONFIRMATIONS);
    }
    return Integer.parseInt(arg);
  }

  /** Reads a {@code --headers} file: a JSON object of heights to header hex, bounded and UTF-8. */
  static FileHeaderSource headers(Path p) throws java.io.IOException {
    return FileHeaderSource.parse(new java.io.ByteArrayInputStream(CliFiles.readJson(p)));
  }
}
