package io.medledger.cli;

import io.medledger.codec.MalformedEncodingException;
import io.medledger.crypto.Digest;
import io.medledger.internal.BoundedInput;
import io.medledger.node.DataDirectory;
import io.medledger.node.NodeClient;
import io.medledger.node.NodeConfig;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.io.Reader;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

/**
 * {@code medledger chain contains --dir D/node-N --ids FILE}: how many of the entry ids in FILE
 * (one hex id per line, blank lines ignored) the node's ledger holds. Prints
 * {@code present=P missing=M}; exit 2 when M > 0. Reads a stopped node's data directory, or asks
 * the running node.
 */
final class ContainsSupport {
  /** Most ids read from one file. */
  static final int MAX_IDS = 10_000_000;
  /** Most characters in one line of the ids file (an id is 64, the rest may be spaces). */
  static final int MAX_LINE = 256;
  /** Most lines in the ids file, blank ones included. */
  static final long MAX_LINES = 2L * MAX_IDS;

  private ContainsSupport() {}

  static int run(String[] args, PrintStream out, PrintStream err) throws Exception {
    Args a = Args.parse(args, 1);
    Path dir = Path.of(a.required("dir"));
    Path idsFile = Path.of(a.required("ids"));
    a.rejectUnknown();
    NodeConfig config = NodeCommand.config(dir);
    List<Digest> ids = readIds(idsFile);
    boolean[] present;
    Optional<boolean[]> local = DataDirectory.contains(config, ids);
    if (local.isPresent()) {
      present = local.get();
    } else {
      present = new boolean[ids.size()];
      try (NodeClient c = NodeCommand.ownClient(config)) {
        for (int from = 0; from < ids.size(); from += 50_000) {
          List<Digest> part = ids.subList(from, Math.min(ids.size(), from + 50_000));
          boolean[] has = c.contains(part).get(60, TimeUnit.SECONDS);
          System.arraycopy(has, 0, present, from, has.length);
        }
      }
    }
    long p = 0;
    for (boolean b : present) {
      p += b ? 1 : 0;
    }
    long m = ids.size() - p;
    out.println("present=" + p + " missing=" + m);
    return m > 0 ? 2 : 0;
  }

  /**
   * Reads the ids of {@code f}: a regular file (a named pipe would block for ever) of US-ASCII
   * lines, each at most {@value #MAX_LINE} characters, at most {@value #MAX_LINES} lines in all
   * (blank ones included), so that a file of one endless line or of endless blank lines is
   * refused at its bound instead of filling the memory or the time of the command.
   */
  static List<Digest> readIds(Path f) throws IOException {
    List<Digest> ids = new ArrayList<>();
    try (Reader r = new BufferedReader(new InputStreamReader(BoundedInput.openRegularFile(f), StandardCharsets.US_ASCII.newDecoder()))) {
      StringBuilder line = new StringBuilder();
      long n = 0;
      int c;
      do {
        c = r.read();
        if (c != '\n' && c >= 0) {
          if (line.length() >= MAX_LINE) {
            throw new CliException(f + " line " + (n + 1) + ": longer than " + MAX_LINE + " characters");
          }
          line.append((char) c);
          continue;
        }
        if (c < 0 && line.length() == 0) {
          break;
        }
        if (++n > MAX_LINES) {
          throw new CliException(f + ": more than " + MAX_LINES + " lines");
        }
        String t = line.toString().strip();
        line.setLength(0);
        if (t.isEmpty()) {
          continue;
        }
        if (ids.size() >= MAX_IDS) {
          throw new CliException(f + ": more than " + MAX_IDS + " ids");
        }
        try {
          ids.add(Digest.fromHex(t));
        } catch (IllegalArgumentException | MalformedEncodingException e) {
          throw new CliException(f + " line " + n + ": not a 64-digit hex entry id");
        }
      } while (c >= 0);
    } catch (CharacterCodingException e) {
      throw new CliException(f + ": not US-ASCII text");
    }
    return ids;
  }
}
