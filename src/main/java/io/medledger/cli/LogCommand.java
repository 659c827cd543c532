package io.medledger.cli;

import io.medledger.storage.FileBlockStore;
import io.medledger.tlog.CheckpointStore;
import io.medledger.tlog.LogExport;
import io.medledger.tlog.TileLog;
import java.io.InputStream;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * {@code medledger log export --dir D --out T [--force]} writes the ledger-wide log of the node data
 * directory {@code D} ({@code D/blocks} block store, {@code D/log} tiles and checkpoints) as a
 * static C2SP {@code tlog-tiles} tree in {@code T}; {@code medledger log verify --dir T} checks
 * such a tree offline and prints {@code size=N verified}, or exits 2 naming the first mismatch.
 */
final class LogCommand implements Command {
  static final String USAGE = "usage: medledger log export --dir D --out T [--force] | verify --dir T";

  @Override
  public int run(String[] args, InputStream in, PrintStream out, PrintStream err) throws Exception {
    if (args.length == 0) {
      throw new CliException(USAGE);
    }
    String sub = args[0];
    Args a = Args.parse(args, 1, "force");
    Path dir = Path.of(a.required("dir"));
    switch (sub) {
      case "export" -> {
        Path target = Path.of(a.required("out"));
        boolean force = a.flag("force");
        a.rejectUnknown();
        if (!force && Files.exists(target) && !isEmptyDirectory(target)) {
          throw new CliException(target + " already exists; pass --force to overwrite it");
        }
        if (!Files.isDirectory(dir.resolve("blocks")) || !Files.isDirectory(dir.resolve("log"))) {
          throw new CliException("no node data directory " + dir + " (expected blocks/ and log/ in it)");
        }
        try (FileBlockStore blocks = FileBlockStore.open(dir.resolve("blocks"));
            TileLog log = TileLog.open(dir.resolve("log"))) {
          long n = LogExport.export(blocks, log, CheckpointStore.open(dir.resolve("log")), target);
          out.println("size=" + n + " exported");
        }
        return 0;
      }
      case "verify" -> {
        a.rejectUnknown();
        if (!Files.isDirectory(dir)) {
          throw new CliException("no exported log directory " + dir);
        }
        LogExport.Verdict v = LogExport.verify(dir, System.currentTimeMillis() / 1000);
        if (!v.verified()) {
          err.println("medledger: log verify: " + v.mismatch().orElseThrow());
          return 2;
        }
        out.println("size=" + v.size() + " verified");
        return 0;
      }
      default -> throw new CliException("unknown log subcommand '" + sub + "'; " + USAGE);
    }
  }

  private static boolean isEmptyDirectory(Path p) throws java.io.IOException {
    if (!Files.isDirectory(p)) {
      return false;
    }
    try (java.util.stream.Stream<Path> s = Files.list(p)) {
      return s.findAny().isEmpty();
    }
  }
}
