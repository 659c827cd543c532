package io.medledger.cli;

import java.io.InputStream;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.util.Arrays;
import java.util.Map;
import java.util.TreeMap;

/**
 * Entry point of {@code bin/medledger}. Results go to stdout as JSON or lowercase hex; errors go
 * to stderr as one line with exit code 2, resource exhaustion ({@link OutOfMemoryError},
 * {@link StackOverflowError}) included.
 */
public final class Main {
  private Main() {}

  private static Map<String, Command> commands() {
    Map<String, Command> m = new TreeMap<>();
    m.put("anchor", new AnchorCommand());
    m.put("demo", new DemoCommand());
    m.put("merkle", new MerkleCommand());
    m.put("bitcoin", new BitcoinCommand());
    m.put("chain", new ChainCommand());
    m.put("pre", new PreCommand());
    m.put("fhir", new FhirCommand());
    m.put("receipt", new ReceiptCommand());
    m.put("regtest", new RegtestCommand());
    m.put("ots", new OtsCommand());
    m.put("simulate", new SimulateCommand());
    m.put("log", new LogCommand());
    m.put("testnet", new TestnetCommand());
    m.put("node", new NodeCommand());
    m.put("load", new LoadCommand());
    m.put("bench", new BenchCommand());
    m.put("governance", new GovernanceCommand());
    m.put("storage", new StorageCommand());
    return m;
  }

  /** Runs the front end and exits the JVM with its exit code. */
  public static void main(String[] args) {
    int code = run(args, System.in, System.out, System.err);
    System.out.flush();
    if (code != 0) {
      System.exit(code);
    }
  }

  /** An error message as the one stderr line the contract allows (line breaks become spaces). */
  static String oneLine(String message) {
    return message.replaceAll("[\\r\\n]+", " ");
  }

  /** What went wrong with a file, in words: the JDK gives only the path for the common cases. */
  static String ioMessage(java.io.IOException e) {
    if (e instanceof java.nio.file.NoSuchFileException n) {
      return "no such file or directory: " + n.getFile();
    }
    if (e instanceof java.nio.file.AccessDeniedException d) {
      return "permission denied: " + d.getFile();
    }
    if (e instanceof java.nio.file.FileAlreadyExistsException x) {
      return "already exists: " + x.getFile();
    }
    if (e instanceof java.nio.file.NotDirectoryException x) {
      return "not a directory: " + x.getFile();
    }
    if (e instanceof java.nio.file.FileSystemException f && f.getFile() != null && f.getReason() != null) {
      return f.getFile() + ": " + f.getReason();
    }
    return "I/O error: " + e.getMessage();
  }

  /** Runs the front end without exiting; returns the exit code. */
  public static int run(String[] args, InputStream in, PrintStream out, PrintStream err) {
    Map<String, Command> commands = commands();
    String usage = "usage: medledger <command> [args]; commands: " + String.join(", ", commands.keySet());
    if (args.length == 0) {
      err.println("medledger: " + usage);
      return 2;
    }
    if (args[0].equals("--help") || args[0].equals("help")) {
      out.println(usage);
      return 0;
    }
    Command c = commands.get(args[0]);
    if (c == null) {
      err.println("medledger: unknown command '" + args[0] + "'; commands: " + String.join(", ", commands.keySet()));
      return 2;
    }
    try {
      return c.run(Arrays.copyOfRange(args, 1, args.length), in, out, err);
    } catch (CliException e) {
      err.println(oneLine("medledger: " + e.getMessage()));
      return 2;
    } catch (io.medledger.node.NodeException e) {
      err.println(oneLine("medledger: " + e.getMessage()));
      return 2;
    } catch (UncheckedIOException e) {
      err.println(oneLine("medledger: " + ioMessage(e.getCause())));
      return 2;
    } catch (IllegalArgumentException | io.medledger.MedLedgerException | IllegalStateException e) {
      err.println(oneLine("medledger: " + e.getMessage()));
      return 2;
    } catch (java.io.IOException e) {
      err.println(oneLine("medledger: " + ioMessage(e)));
      return 2;
    } catch (Exception e) {
      err.println(oneLine("medledger: " + e.getClass().getSimpleName() + ": " + e.getMessage()));
      return 2;
    } catch (OutOfMemoryError e) {
      // the failed command's objects are unreachable by now, so printing one line is safe
      err.println("medledger: out of memory: the input is too large for this JVM's heap (-Xmx)");
      return 2;
    } catch (StackOverflowError e) {
      err.println("medledger: stack exhausted: the input is nested too deeply");
      return 2;
    }
  }
}
