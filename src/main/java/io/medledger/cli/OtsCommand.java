package io.medledger.cli;

import com.fasterxml.jackson.core.JsonGenerator;
import io.medledger.anchor.bitcoin.CheckpointedHeaderSource;
import io.medledger.anchor.bitcoin.FileHeaderSource;
import io.medledger.anchor.ots.OtsAttestation;
import io.medledger.anchor.ots.OtsCommitment;
import io.medledger.anchor.ots.OtsTimestamp;
import io.medledger.anchor.ots.OtsVerification;
import io.medledger.codec.Hex;
import io.medledger.codec.MalformedEncodingException;
import io.medledger.internal.Json;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.nio.file.Path;
import java.time.Instant;

/**
 * {@code medledger ots info|verify}: inspect an OpenTimestamps proof, or verify its Bitcoin
 * attestations against a file of block headers (on mainnet, validated from a checkpoint embedded
 * in the library through N confirmations, 6 by default).
 */
final class OtsCommand implements Command {
  private static final String USAGE = "usage: medledger ots info --ots PATH.ots [--file PATH]"
      + " | ots verify --file PATH --ots PATH.ots --headers HEADERS.json [--network main|regtest] [--confirmations N]";

  @Override
  public int run(String[] args, InputStream in, PrintStream out, PrintStream err) throws IOException {
    if (args.length == 0) {
      throw new CliException(USAGE);
    }
    Args a = Args.parse(args, 1);
    switch (args[0]) {
      case "info":
        return info(a, out);
      case "verify":
        return verify(a, out);
      default:
        throw new CliException("unknown ots subcommand '" + args[0] + "'; " + USAGE);
    }
  }

  private static OtsTimestamp readProof(String path) throws IOException {
    try {
      return OtsTimestamp.parse(CliFiles.read(existing(path), OtsTimestamp.MAX_PROOF_BYTES));
    } catch (MalformedEncodingException e) {
      throw new CliException("malformed proof " + path + ": " + e.getMessage(), e);
    }
  }

  private static Path existing(String path) {
    return CliFiles.regularFile(path, "file");
  }

  private int info(Args a, PrintStream out) throws IOException {
    String otsPath = a.required("ots");
    String file = a.optional("file");
    a.rejectUnknown();
    OtsTimestamp t = readProof(otsPath);
    Boolean matches = file == null ? null : t.matchesFile(existing(file));
    out.println(Json.write(true, g -> {
      g.writeStartObject();
      g.writeStringField("file_hash_op", t.fileHashOp().name());
      g.writeStringField("file_digest", t.fileDigestHex());
      if (matches != null) {
        g.writeBooleanField("file_matches", matches);
      }
      g.writeArrayFieldStart("attestations");
      for (OtsCommitment c : t.commitments()) {
        writeAttestation(g, c);
      }
      g.writeEndArray();
      g.writeEndObject();
    }));
    return 0;
  }

  private static void writeAttestation(JsonGenerator g, OtsCommitment c) throws IOException {
    OtsAttestation att = c.attestation();
    g.writeStartObject();
    g.writeStringField("kind", att.kind());
    if (att instanceof OtsAttestation.Bitcoin b) {
      g.writeNumberField("height", b.height());
    } else if (att instanceof OtsAttestation.Litecoin l) {
      g.writeNumberField("height", l.height());
    } else if (att instanceof OtsAttestation.Ethereum e) {
      g.writeNumberField("height", e.height());
    } else if (att instanceof OtsAttestation.Pending p) {
      g.writeStringField("calendar", p.uri());
    } else {
      g.writeStringField("tag", Hex.encode(att.tag()));
      g.writeStringField("payload", Hex.encode(att.payload()));
    }
    g.writeStringField("commitment", c.messageHex());
    byte[] msg = c.message();
    if (att instanceof OtsAttestation.Bitcoin && msg.length == 32) {
      byte[] rev = new byte[32];
      for (int i = 0; i < 32; i++) {
        rev[i] = msg[31 - i];
      }
      g.writeStringField("merkle_root_display", Hex.encode(rev));
    }
    g.writeNumberField("operations", c.path().size());
    g.writeEndObject();
  }

  private int verify(Args a, PrintStream out) throws IOException {
    String file = a.required("file");
    String otsPath = a.required("ots");
    String headersPath = a.required("headers");
    String network = a.optional("network");
    String confirmationsArg = a.optional("confirmations");
    a.rejectUnknown();
    io.medledger.anchor.bitcoin.BitcoinChainParams params;
    if (network == null || network.equals("main")) {
      params = io.medledger.anchor.bitcoin.BitcoinChainParams.MAINNET;
    } else if (network.equals("regtest")) {
      params = io.medledger.anchor.bitcoin.BitcoinChainParams.REGTEST;
    } else {
      throw new CliException("--network must be main or regtest");
    }
    OtsTimestamp t = readProof(otsPath);
    boolean matches = t.matchesFile(existing(file));
    FileHeaderSource headers;
    try {
      headers = ReceiptCommand.headers(existing(headersPath));
    } catch (MalformedEncodingException e) {
      throw new CliException("malformed headers file " + headersPath + ": " + e.getMessage(), e);
    }
    boolean main = params == io.medledger.anchor.bitcoin.BitcoinChainParams.MAINNET;
    int confirmations = ReceiptCommand.confirmations(confirmationsArg, main);
    OtsVerification v = t.verifyBitcoin(main ? new CheckpointedHeaderSource(headers, confirmations) : headers, params);
    boolean ok = matches && v.holds();
    String reason = !matches ? "the file does not match the proof's " + t.fileHashOp().name() + " digest" : v.reason();
    out.println(Json.write(true, g -> {
      g.writeStartObject();
      g.writeBooleanField("verified", ok);
      g.writeStringField("reason", reason);
      g.writeBooleanField("file_matches", matches);
      g.writeStringField("file_digest", t.fileDigestHex());
      if (ok) {
        long time = v.earliestBlockTime().getAsLong();
        g.writeNumberField("block_time", time);
        g.writeStringField("block_time_utc", Instant.ofEpochSecond(time).toString());
      }
      g.writeArrayFieldStart("attestations");
      for (OtsVerification.BitcoinCheck c : v.bitcoin()) {
        g.writeStartObject();
        g.writeStringField("kind", "bitcoin");
        g.writeNumberField("height", c.height());
        g.writeStringField("status", c.status().name().toLowerCase(java.util.Locale.ROOT));
        if (c.blockTime().isPresent()) {
          g.writeNumberField("block_time", c.blockTime().getAsLong());
          g.writeStringField("block_time_utc", Instant.ofEpochSecond(c.blockTime().getAsLong()).toString());
        }
        if (!c.blockHash().isEmpty()) {
          g.writeStringField("block_hash", c.blockHash());
        }
        g.writeStringField("commitment", c.commitmentHex());
        g.writeStringField("detail", c.detail());
        g.writeEndObject();
      }
      g.writeEndArray();
      g.writeEndObject();
    }));
    return ok ? 0 : 1;
  }
}
