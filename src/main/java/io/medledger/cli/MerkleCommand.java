package io.medledger.cli;

import io.medledger.crypto.Digest;
import io.medledger.internal.Json;
import io.medledger.merkle.ConsistencyProof;
import io.medledger.merkle.InclusionProof;
import io.medledger.merkle.MerkleLog;
import java.io.InputStream;
import java.io.PrintStream;
import java.util.List;

/**
 * {@code medledger merkle root|inclusion --index I|consistency --size1 M}: RFC 9162 roots and
 * proofs over the leaves on stdin, one hex-encoded leaf input per line.
 */
final class MerkleCommand implements Command {
  @Override
  public int run(String[] args, InputStream in, PrintStream out, PrintStream err) throws Exception {
    if (args.length == 0) {
      throw new CliException("usage: medledger merkle root | inclusion --index I | consistency --size1 M  (leaves as hex lines on stdin)");
    }
    String sub = args[0];
    Args a = Args.parse(args, 1);
    switch (sub) {
      case "root" -> {
        a.rejectUnknown();
        out.println(read(in).root().toHex());
      }
      case "inclusion" -> {
        long index = a.requiredLong("index");
        a.rejectUnknown();
        MerkleLog log = read(in);
        long n = log.size();
        if (index < 0 || index >= n) {
          throw new CliException("--index must be in 0.." + (n - 1) + " for " + n + " leaves, got " + index);
        }
        InclusionProof p = log.inclusionProof(index, n);
        Digest root = log.root();
        out.println(Json.write(false, g -> {
          g.writeStartObject();
          g.writeNumberField("treeSize", n);
          g.writeNumberField("leafIndex", index);
          writePath(g, p.path());
          g.writeStringField("root", root.toHex());
          g.writeEndObject();
        }));
      }
      case "consistency" -> {
        long size1 = a.requiredLong("size1");
        a.rejectUnknown();
        MerkleLog log = read(in);
        long n = log.size();
        if (size1 < 1 || size1 > n) {
          throw new CliException("--size1 must be in 1.." + n + " for " + n + " leaves, got " + size1);
        }
        ConsistencyProof p = log.consistencyProof(size1, n);
        Digest root1 = log.root(size1);
        Digest root = log.root();
        out.println(Json.write(false, g -> {
          g.writeStartObject();
          g.writeNumberField("treeSize", n);
          g.writeNumberField("size1", size1);
          writePath(g, p.path());
          g.writeStringField("root1", root1.toHex());
          g.writeStringField("root", root.toHex());
          g.writeEndObject();
        }));
      }
      default -> throw new CliException("unknown merkle subcommand '" + sub + "'; use root, inclusion or consistency");
    }
    return 0;
  }

  private static MerkleLog read(InputStream in) throws java.io.IOException {
    MerkleLog log = new MerkleLog();
    for (byte[] leaf : HexLines.read(in, -1)) {
      log.append(leaf);
    }
    return log;
  }

  private static void writePath(com.fasterxml.jackson.core.JsonGenerator g, List<Digest> path) throws java.io.IOException {
    g.writeArrayFieldStart("path");
    for (Digest d : path) {
      g.writeString(d.toHex());
    }
    g.writeEndArray();
  }
}
