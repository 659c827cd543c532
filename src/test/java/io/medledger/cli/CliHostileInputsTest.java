package io.medledger.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.medledger.anchor.AnchorReceipt;
import io.medledger.anchor.AnchorReceiptTest;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.channels.FileChannel;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Every command that reads a path, given a hostile file in that place (a directory, a named pipe
 * nothing writes to, a link to an endless device, a 2 GiB sparse file, an unreadable file, bytes
 * that are not UTF-8, a byte-order mark, 100,000 levels of nesting, duplicate keys, numbers beyond
 * any range), and every command given hostile arguments: each must exit 2 within a bounded time
 * with exactly one line on stderr that names the file (for a file), nothing on stdout, and no
 * exception class or stack frame.
 */
class CliHostileInputsTest {
  /** Per case; a case that hangs on a pipe or reads an endless device fails here. */
  private static final Duration LIMIT = Duration.ofSeconds(30);

  private static Path base;
  private static Path receipt;
  private static Path headers;
  private static Path ots;
  private static Path stamped;
  private static Path testnet;
  private static Path ids;
  private static Path sparse;
  private static int counter;

  /** A kind of hostile file. */
  enum Hostile {
    MISSING, DIRECTORY, FIFO, DEV_ZERO, DEV_URANDOM, SPARSE_2_GIB, EMPTY, UNREADABLE, NOT_UTF8, BOM_JSON,
    NESTED_100K, DUPLICATE_KEYS, NUMBER_1E999999, NUMBER_2_POW_64
  }

  /**
   * A command with one hostile path: {@code args} gets the case's copy of the testnet (or null) and
   * the hostile path; {@code place} says where the hostile path goes, given the testnet copy.
   */
  private record Target(String name, Function<Path, Path> place, ArgsFor args, Kind kind) {
    Target(String name, Function<Path, Path> place, ArgsFor args) {
      this(name, place, args, Kind.FILE);
    }
  }

  /** What the command expects at the hostile path. */
  private enum Kind {
    /** A file whose content the command parses. */
    FILE,
    /** A directory: an empty one is a valid input, so {@link Hostile#DIRECTORY} is no attack. */
    DIRECTORY,
    /** A file of any bytes and any size (a stamped file, streamed through a hash). */
    OPAQUE,
    /** A directory to write to: absent or empty is valid, so those are no attack. */
    OUTPUT_DIRECTORY,
    /** A file to write: absent is valid. */
    OUTPUT_FILE
  }

  @FunctionalInterface
  private interface ArgsFor {
    String[] of(Path net, Path hostile);
  }

  private static String s(Path p) {
    return p.toString();
  }

  private static final List<Target> TARGETS = List.of(
      new Target("receipt verify --receipt", null,
          (n, f) -> new String[] {"receipt", "verify", "--receipt", s(f), "--headers", s(headers), "--network", "regtest"}),
      new Target("receipt verify --headers", null,
          (n, f) -> new String[] {"receipt", "verify", "--receipt", s(receipt), "--headers", s(f), "--network", "regtest"}),
      new Target("receipt verify --log-keys", null,
          (n, f) -> new String[] {"receipt", "verify", "--receipt", s(receipt), "--log-keys", s(f)}),
      new Target("receipt export-ots --receipt", null,
          (n, f) -> new String[] {"receipt", "export-ots", "--receipt", s(f), "--out", s(f.resolveSibling("out.ots"))}),
      new Target("ots info --ots", null, (n, f) -> new String[] {"ots", "info", "--ots", s(f)}),
      new Target("ots info --file", null, (n, f) -> new String[] {"ots", "info", "--ots", s(ots), "--file", s(f)},
          Kind.OPAQUE),
      new Target("ots verify --file", null, (n, f) -> new String[] {"ots", "verify", "--file", s(f), "--ots", s(ots),
          "--headers", s(headers), "--network", "regtest"}, Kind.OPAQUE),
      new Target("ots verify --ots", null, (n, f) -> new String[] {"ots", "verify", "--file", s(stamped), "--ots", s(f),
          "--headers", s(headers), "--network", "regtest"}),
      new Target("ots verify --headers", null, (n, f) -> new String[] {"ots", "verify", "--file", s(stamped), "--ots",
          s(ots), "--headers", s(f), "--network", "regtest"}),
      new Target("fhir index", null, (n, f) -> new String[] {"fhir", "index", s(f)}),
      new Target("pre umbral check-vectors", null, (n, f) -> new String[] {"pre", "umbral", "check-vectors", s(f)}),
      new Target("anchor tx --key-file", null, (n, f) -> new String[] {"anchor", "tx", "--commitment", "00".repeat(32),
          "--utxo", "11".repeat(32) + ":0:100000:0014" + "22".repeat(20), "--key-file", s(f),
          "--change", "bcrt1qw508d6qejxtdg4y5r3zarvary0c5xw7kygt080", "--fee-rate", "1"}),
      new Target("chain verify --store", null, (n, f) -> new String[] {"chain", "verify", "--store", s(f), "--chain", "x"},
          Kind.DIRECTORY),
      new Target("chain block --store", null,
          (n, f) -> new String[] {"chain", "block", "--store", s(f), "--chain", "x", "--height", "0"}, Kind.DIRECTORY),
      new Target("chain contains --ids", null,
          (n, f) -> new String[] {"chain", "contains", "--dir", s(n.resolve("node-1")), "--ids", s(f)}),
      new Target("chain contains --dir", null, (n, f) -> new String[] {"chain", "contains", "--dir", s(f), "--ids", s(ids)},
          Kind.DIRECTORY),
      new Target("log verify --dir", null, (n, f) -> new String[] {"log", "verify", "--dir", s(f)}, Kind.DIRECTORY),
      new Target("log export --dir", null,
          (n, f) -> new String[] {"log", "export", "--dir", s(f), "--out", s(f.resolveSibling("export"))}, Kind.DIRECTORY),
      new Target("node status --dir", null, (n, f) -> new String[] {"node", "status", "--dir", s(f)}, Kind.DIRECTORY),
      new Target("node run: node.json", n -> n.resolve("node-1/node.json"),
          (n, f) -> new String[] {"node", "run", "--dir", s(n.resolve("node-1"))}),
      new Target("node run: passphrase file", n -> n.resolve("passphrase"),
          (n, f) -> new String[] {"node", "run", "--dir", s(n.resolve("node-1"))}),
      new Target("node run: key store", n -> n.resolve("node-1/data/keys.json"),
          (n, f) -> new String[] {"node", "run", "--dir", s(n.resolve("node-1"))}),
      new Target("node run: genesis block", n -> n.resolve("node-1/genesis.block"),
          (n, f) -> new String[] {"node", "run", "--dir", s(n.resolve("node-1"))}),
      new Target("load --client", null,
          (n, f) -> new String[] {"load", "--client", s(f), "--rate", "1", "--duration", "1"}),
      new Target("load: client key store", n -> n.resolve("client-keys.json"),
          (n, f) -> new String[] {"load", "--client", s(n.resolve("client.json")), "--rate", "1", "--duration", "1"}),
      new Target("load: client passphrase file", n -> n.resolve("passphrase"),
          (n, f) -> new String[] {"load", "--client", s(n.resolve("client.json")), "--rate", "1", "--duration", "1"}),
      new Target("load --institutions", n -> n.resolve("institutions/institution-1.json"),
          (n, f) -> new String[] {"load", "--client", s(n.resolve("client.json")), "--rate", "1", "--duration", "1",
              "--workload", "mixed", "--institutions", s(n.resolve("institutions"))}),
      new Target("demo --testnet: client.json", n -> n.resolve("client.json"),
          (n, f) -> new String[] {"demo", "--testnet", s(n)}),
      new Target("regtest run: regtest.json", n -> n.resolve("regtest/regtest.json"),
          (n, f) -> new String[] {"regtest", "run", "--dir", s(n.resolve("regtest"))}),
      new Target("bench query: properties", n -> n.resolve("bench/bench.properties"),
          (n, f) -> new String[] {"bench", "query", "--dir", s(n.resolve("bench"))}),
      new Target("testnet --dir", null,
          (n, f) -> new String[] {"testnet", "--dir", s(f), "--federation", "1", "--audit", "1"}, Kind.OUTPUT_DIRECTORY),
      new Target("demo --testnet", null, (n, f) -> new String[] {"demo", "--testnet", s(f)}, Kind.DIRECTORY),
      new Target("demo --out", null, (n, f) -> new String[] {"demo", "--out", s(f)}, Kind.OUTPUT_DIRECTORY),
      new Target("bench ingest --dir", null,
          (n, f) -> new String[] {"bench", "ingest", "--dir", s(f), "--entries", "100000"}, Kind.OUTPUT_DIRECTORY),
      new Target("log export --out", null, (n, f) -> new String[] {"log", "export", "--dir", s(n.resolve("node-1")),
          "--out", s(f)}, Kind.OUTPUT_DIRECTORY),
      new Target("pre umbral make-interop --out", null,
          (n, f) -> new String[] {"pre", "umbral", "make-interop", "--out", s(f)}, Kind.OUTPUT_FILE),
      new Target("governance endorse --in", null, (n, f) -> new String[] {"governance", "endorse", "--dir",
          s(n.resolve("node-1")), "--in", s(f), "--out", s(f.resolveSibling("endorsed.json"))}),
      new Target("governance submit --in", null, (n, f) -> new String[] {"governance", "submit", "--client",
          s(n.resolve("client.json")), "--in", s(f)}),
      new Target("governance show --in", null,
          (n, f) -> new String[] {"governance", "show", "--in", s(f), "--chain", "x"}),
      new Target("storage rebalance --client", null,
          (n, f) -> new String[] {"storage", "rebalance", "--client", s(f)}),
      new Target("storage rebalance: client key store", n -> n.resolve("client-keys.json"),
          (n, f) -> new String[] {"storage", "rebalance", "--client", s(n.resolve("client.json"))}));

  @BeforeAll
  static void setUp() throws IOException {
    base = Files.createTempDirectory("medledger-cli-hostile");
    AnchorReceiptTest.Fixture fx = new AnchorReceiptTest.Fixture();
    AnchorReceipt r = fx.receipt(4);
    receipt = Files.writeString(base.resolve("receipt.json"), r.toJson());
    headers = Files.writeString(base.resolve("headers.json"), "{\"" + fx.height + "\":\"" + fx.header.toHex() + "\"}");
    stamped = Files.write(base.resolve("entry.bin"), r.stampedFile());
    ots = Files.write(base.resolve("entry.bin.ots"), r.toOpenTimestamps().serialize());
    ids = Files.writeString(base.resolve("ids.txt"), "00".repeat(32) + "\n");
    testnet = base.resolve("net");
    ChainCommandTest.Run t = run("testnet", "--dir", s(testnet), "--federation", "1", "--audit", "1");
    assertEquals(0, t.code(), t.err());
    Files.createDirectory(testnet.resolve("bench"));
    sparse = base.resolve("sparse-2g");
    try (RandomAccessFile f = new RandomAccessFile(sparse.toFile(), "rw")) {
      f.setLength(2L << 30);
    }
  }

  @AfterAll
  static void tearDown() throws IOException {
    if (base == null) {
      return;
    }
    Files.walkFileTree(base, new SimpleFileVisitor<>() {
      @Override
      public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) throws IOException {
        Files.delete(file);
        return FileVisitResult.CONTINUE;
      }

      @Override
      public FileVisitResult postVisitDirectory(Path d, IOException e) throws IOException {
        Files.delete(d);
        return FileVisitResult.CONTINUE;
      }
    });
  }

  private static ChainCommandTest.Run run(String... args) {
    return ChainCommandTest.run(args); // in process, empty standard input
  }

  /**
   * Whether {@code h} given for {@code t} is an attack at all: an empty directory is a valid
   * directory, an absent output is created, any bytes (or none) are a valid stamped file, no ids
   * is a valid list, and {@code load --institutions} still finds the other institution's key store.
   */
  private static boolean isAttack(Target t, Hostile h) {
    return !((t.kind() == Kind.DIRECTORY || t.kind() == Kind.OUTPUT_DIRECTORY) && h == Hostile.DIRECTORY)
        && !((t.kind() == Kind.OUTPUT_DIRECTORY || t.kind() == Kind.OUTPUT_FILE) && h == Hostile.MISSING)
        && !(t.name().equals("load --institutions") && h == Hostile.MISSING)
        && !(t.kind() == Kind.OPAQUE && h.compareTo(Hostile.SPARSE_2_GIB) >= 0)
        && !(t.name().equals("chain contains --ids") && h == Hostile.EMPTY);
  }

  static Stream<Arguments> fileCases() {
    List<Arguments> cases = new ArrayList<>();
    for (Target t : TARGETS) {
      for (Hostile h : Hostile.values()) {
        if (isAttack(t, h)) {
          cases.add(Arguments.of(t.name(), h));
        }
      }
    }
    return cases.stream();
  }

  private static void copyTree(Path from, Path to) throws IOException {
    Files.walkFileTree(from, new SimpleFileVisitor<>() {
      @Override
      public FileVisitResult preVisitDirectory(Path d, BasicFileAttributes attrs) throws IOException {
        Files.createDirectories(to.resolve(from.relativize(d).toString()));
        return FileVisitResult.CONTINUE;
      }

      @Override
      public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) throws IOException {
        Path copy = to.resolve(from.relativize(file).toString());
        Files.copy(file, copy, StandardCopyOption.COPY_ATTRIBUTES);
        if (copy.getFileName().toString().endsWith(".json")) {
          // configurations name files outside a node's directory (the passphrase) by absolute path
          Files.writeString(copy, Files.readString(copy).replace(from.toString(), to.toString()));
        }
        return FileVisitResult.CONTINUE;
      }
    });
  }

  /** Puts the hostile kind {@code h} at {@code p} (replacing what is there) and returns {@code p}. */
  private static Path make(Path p, Hostile h) throws IOException, InterruptedException {
    if (Files.isDirectory(p, LinkOption.NOFOLLOW_LINKS)) {
      try (Stream<Path> s = Files.list(p)) {
        for (Path c : (Iterable<Path>) s::iterator) {
          Files.delete(c);
        }
      }
    }
    Files.deleteIfExists(p);
    switch (h) {
      case MISSING -> { }
      case DIRECTORY -> Files.createDirectory(p);
      case FIFO -> {
        Process mk = new ProcessBuilder("mkfifo", "-m", "600", p.toString()).start();
        assertTrue(mk.waitFor(10, TimeUnit.SECONDS) && mk.exitValue() == 0, "mkfifo");
      }
      case DEV_ZERO -> Files.createSymbolicLink(p, Path.of("/dev/zero"));
      case DEV_URANDOM -> Files.createSymbolicLink(p, Path.of("/dev/urandom"));
      case SPARSE_2_GIB -> Files.createSymbolicLink(p, sparse);
      case EMPTY -> Files.write(p, new byte[0]);
      case UNREADABLE -> {
        Files.writeString(p, "{}");
        Files.setPosixFilePermissions(p, PosixFilePermissions.fromString("---------"));
      }
      case NOT_UTF8 -> Files.write(p, new byte[] {'{', '"', (byte) 0xc3, (byte) 0x28, '"', ':', '1', '}', (byte) 0xff});
      case BOM_JSON -> Files.write(p, new byte[] {(byte) 0xef, (byte) 0xbb, (byte) 0xbf, '{', '}'});
      case NESTED_100K -> Files.writeString(p, "[".repeat(100_000));
      case DUPLICATE_KEYS -> Files.writeString(p, "{\"a\":1,\"a\":2}");
      case NUMBER_1E999999 -> Files.writeString(p, "{\"a\":1e999999}");
      case NUMBER_2_POW_64 -> Files.writeString(p, "{\"a\":18446744073709551616}");
      default -> throw new AssertionError(h);
    }
    if (h != Hostile.MISSING && h != Hostile.UNREADABLE && h != Hostile.FIFO && !Files.isSymbolicLink(p)) {
      Files.setPosixFilePermissions(p, PosixFilePermissions.fromString(h == Hostile.DIRECTORY ? "rwx------" : "rw-------"));
    }
    return p;
  }

  /** Opens a pipe read-write (which does not block) and closes it, so a reader blocked on it sees its end. */
  private static void release(Path fifo) {
    try (FileChannel c = FileChannel.open(fifo, StandardOpenOption.READ, StandardOpenOption.WRITE)) {
      // opening is enough
    } catch (IOException e) {
      // not a pipe any more: nothing blocks on it
    }
  }

  private static void assertOneLineExitTwo(ChainCommandTest.Run r, String mustName) {
    assertEquals("", r.out(), "nothing on stdout; stderr: " + r.err());
    assertEquals(2, r.code(), r.err());
    assertTrue(r.err().endsWith("\n") && r.err().indexOf('\n') == r.err().length() - 1, "one line: " + r.err());
    assertTrue(r.err().startsWith("medledger: "), r.err());
    assertFalse(r.err().contains("Exception") || r.err().contains("Error:") || r.err().contains("at io."),
        "no exception or stack frame: " + r.err());
    if (mustName != null) {
      assertTrue(r.err().contains(mustName), "the message names " + mustName + ": " + r.err());
    }
  }

  @ParameterizedTest(name = "{0} <- {1}")
  @MethodSource("fileCases")
  void aHostileFileExitsTwoWithOneLineNamingIt(String targetName, Hostile h) throws Exception {
    if (h == Hostile.UNREADABLE) {
      Assumptions.assumeFalse("root".equals(System.getProperty("user.name")), "root reads a file of mode 000");
    }
    Target t = TARGETS.stream().filter(x -> x.name().equals(targetName)).findFirst().orElseThrow();
    Path caseDir = Files.createDirectory(base.resolve("case-" + (++counter)));
    Path net = caseDir.resolve("net");
    copyTree(testnet, net);
    Path hostile = make(t.place() == null ? caseDir.resolve("hostile-" + h.name().toLowerCase()) : t.place().apply(net), h);
    String[] args = t.args().of(net, hostile);
    try {
      ChainCommandTest.Run r = assertTimeoutPreemptively(LIMIT, () -> run(args), () -> "timed out: " + String.join(" ", args));
      if (t.name().equals("pre umbral check-vectors") && h.name().startsWith("NUMBER_")) {
        // well-formed JSON of another shape holds no checks: a failed verdict, exit 1
        assertEquals(1, r.code(), r.err());
        assertEquals("", r.err());
        assertTrue(r.out().contains("no checks found"), r.out());
        return;
      }
      assertOneLineExitTwo(r, hostile.getFileName().toString());
    } finally {
      if (h == Hostile.FIFO) {
        release(hostile);
      }
    }
  }

  /**
   * The load generator's warnings about unreachable nodes (one line each, by design) and its final
   * error must be messages, not a transport library's exception class.
   */
  @org.junit.jupiter.api.Test
  void unreachableNodesAreReportedWithoutAnExceptionClass() throws Exception {
    Path net = Files.createDirectory(base.resolve("case-" + (++counter))).resolve("net");
    copyTree(testnet, net); // no node of it runs
    ChainCommandTest.Run r = assertTimeoutPreemptively(LIMIT,
        () -> run("load", "--client", s(net.resolve("client.json")), "--rate", "1", "--duration", "1", "--wait", "1"));
    assertEquals(2, r.code(), r.err());
    assertEquals("", r.out());
    List<String> lines = r.err().lines().toList();
    assertTrue(lines.get(lines.size() - 1).startsWith("medledger: no node of 2 "), r.err());
    for (String line : lines) {
      assertTrue(line.startsWith("medledger: "), line);
      assertFalse(line.contains("Exception") || line.contains("io.netty"), "no exception class: " + line);
    }
  }

  /** {@code storage rebalance} of a client configuration that does not exist, with {@code more}. */
  private static String[] rebalance(String... more) {
    return Stream.concat(Stream.of("storage", "rebalance", "--client", "/nonexistent-client.json"), Stream.of(more))
        .toArray(String[]::new);
  }

  static Stream<Arguments> argumentCases() {
    String hex32 = "00".repeat(32);
    String utxo = "11".repeat(32) + ":0:100000:0014" + "22".repeat(20);
    String change = "bcrt1qw508d6qejxtdg4y5r3zarvary0c5xw7kygt080";
    return Stream.of(
        Arguments.of("commitment of odd length", new String[] {"anchor", "tx", "--commitment", "0".repeat(63),
            "--utxo", utxo, "--key-file", "-", "--change", change, "--fee-rate", "1"}, "--commitment"),
        Arguments.of("commitment not hex", new String[] {"anchor", "tx", "--commitment", "zz".repeat(32),
            "--utxo", utxo, "--key-file", "-", "--change", change, "--fee-rate", "1"}, "--commitment"),
        Arguments.of("negative fee rate", new String[] {"anchor", "tx", "--commitment", hex32,
            "--utxo", utxo, "--key-file", "-", "--change", change, "--fee-rate", "-1"}, null),
        Arguments.of("genesis of odd length", new String[] {"chain", "verify", "--store", "/nonexistent-store",
            "--chain", "x", "--genesis", "abc"}, "--genesis"),
        Arguments.of("genesis not hex", new String[] {"chain", "verify", "--store", "/nonexistent-store",
            "--chain", "x", "--genesis", "x".repeat(64)}, "--genesis"),
        Arguments.of("height 2^64", new String[] {"chain", "block", "--store", "/nonexistent-store", "--chain", "x",
            "--height", "18446744073709551616"}, "--height"),
        Arguments.of("height negative", new String[] {"chain", "block", "--store", "/nonexistent-store", "--chain", "x",
            "--height", "-1"}, null),
        Arguments.of("index 2^64", new String[] {"merkle", "inclusion", "--index", "18446744073709551616"}, "--index"),
        Arguments.of("index negative", new String[] {"merkle", "inclusion", "--index", "-1"}, null),
        Arguments.of("size1 1e999999", new String[] {"merkle", "consistency", "--size1", "1e999999"}, "--size1"),
        Arguments.of("confirmations 2^64", new String[] {"receipt", "verify", "--receipt", "/nonexistent.json",
            "--headers", "/nonexistent-h.json", "--confirmations", "18446744073709551616"}, null),
        Arguments.of("bench count negative", new String[] {"bench", "ed25519-verify", "--count", "-5"}, "--count"),
        Arguments.of("bench count 2^32+10", new String[] {"bench", "ed25519-verify", "--count", "4294967306"}, "--count"),
        Arguments.of("bench query count 2^32+10", new String[] {"bench", "query", "--dir", "/nonexistent-bench",
            "--count", "4294967306"}, "--count"),
        Arguments.of("simulate seeds negative", new String[] {"simulate", "--protocol", "solo", "--seeds", "-1"}, "--seeds"),
        Arguments.of("simulate servers 2^32+4", new String[] {"simulate", "--protocol", "solo", "--seeds", "1",
            "--servers", "4294967300"}, "--servers"),
        Arguments.of("testnet federation 2^32+1", new String[] {"testnet", "--dir", "/nonexistent-net",
            "--federation", "4294967297"}, "--federation"),
        Arguments.of("testnet base port 70000", new String[] {"testnet", "--dir", "/nonexistent-net",
            "--federation", "1", "--base-port", "70000"}, "--base-port"),
        Arguments.of("load rate negative", new String[] {"load", "--client", "/nonexistent-client.json",
            "--rate", "-1", "--duration", "1"}, "--rate"),
        Arguments.of("load duration 2^63", new String[] {"load", "--client", "/nonexistent-client.json",
            "--rate", "1", "--duration", "9223372036854775808"}, "--duration"),
        Arguments.of("load patients 2^32+5", new String[] {"load", "--client", "/nonexistent-client.json",
            "--rate", "1", "--duration", "1", "--workload", "mixed", "--institutions", "/x", "--patients",
            "4294967301"}, "--patients"),
        Arguments.of("rebalance max-payloads negative", rebalance("--max-payloads", "-3"), "--max-payloads"),
        Arguments.of("rebalance max-payloads 1", rebalance("--max-payloads", "1"), "--max-payloads"),
        Arguments.of("rebalance max-payloads 2^32+2", rebalance("--max-payloads", "4294967298"), "--max-payloads"),
        Arguments.of("rebalance max-bytes 0", rebalance("--max-bytes", "0"), "--max-bytes"),
        Arguments.of("rebalance max-bytes 2^63", rebalance("--max-bytes", "9223372036854775808"), "--max-bytes"),
        Arguments.of("rebalance after not a number", rebalance("--after", "abc"), "--after"),
        Arguments.of("rebalance after -2", rebalance("--after", "-2"), "--after"),
        Arguments.of("rebalance replicas 0", rebalance("--replicas", "0"), "--replicas"),
        Arguments.of("rebalance unknown option", rebalance("--colour", "red"), "--colour"),
        Arguments.of("storage unknown subcommand", new String[] {"storage", "explode"}, "explode"),
        Arguments.of("option given twice", new String[] {"ots", "info", "--ots", "/a.ots", "--ots", "/b.ots"},
            "--ots given more than once"),
        Arguments.of("unknown option", new String[] {"fhir", "index", "/x.json", "--colour", "red"}, "--colour"),
        Arguments.of("option without value", new String[] {"chain", "verify", "--store"}, "--store"),
        Arguments.of("unknown subcommand", new String[] {"chain", "explode"}, "explode"));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("argumentCases")
  void aHostileArgumentExitsTwoWithOneLine(String name, String[] args, String mustName) {
    ChainCommandTest.Run r = assertTimeoutPreemptively(LIMIT, () -> run(args), () -> "timed out: " + String.join(" ", args));
    assertOneLineExitTwo(r, mustName);
  }
}
