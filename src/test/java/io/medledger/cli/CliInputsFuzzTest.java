package io.medledger.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import com.code_intelligence.jazzer.junit.FuzzTest;
import io.medledger.anchor.AnchorReceipt;
import io.medledger.anchor.AnchorReceiptTest;
import io.medledger.chain.ChainFixture;
import io.medledger.codec.Hex;
import io.medledger.crypto.Sha256;
import io.medledger.storage.FileBlockStore;
import io.medledger.testing.CodecProperties;
import io.medledger.testing.FuzzCorpus;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;

/**
 * Drives the command line's file and standard-input readers with hostile bytes: the first input
 * byte picks a command and which of its inputs is replaced (the others are valid files); the rest
 * is that input. Whatever the bytes, {@link Main#run} must return 0, 1 or 2, and on 2 print exactly
 * one line on stderr that is a message, not an exception class name (the fallback for an
 * unexpected exception); no exception or error may escape.
 */
class CliInputsFuzzTest {
  /** An unexpected exception reported by Main's catch-all: "medledger: SomeException: ...". */
  private static final Pattern UNEXPECTED = Pattern.compile("^medledger: [A-Za-z]+(Exception|Error)\\b.*");

  private static Path dir;
  private static Path receipt;
  private static Path headers;
  private static Path stamped;
  private static Path ots;
  private static Path store;
  private static Path pristineStore;
  private static Path segment;
  private static Path fuzzed;
  private static Map<String, byte[]> valid;

  /** One way to feed the fuzzed bytes to a command. */
  private record Target(String name, String... args) {}

  /** Targets; {@code @F} is the fuzzed file, {@code @STDIN} means the bytes are standard input. */
  private static final List<Target> TARGETS = List.of(
      new Target("receipt-verify-receipt", "receipt", "verify", "--receipt", "@F", "--headers", "@HEADERS",
          "--network", "regtest"),
      new Target("receipt-verify-headers", "receipt", "verify", "--receipt", "@RECEIPT", "--headers", "@F",
          "--network", "regtest"),
      new Target("receipt-export-ots", "receipt", "export-ots", "--receipt", "@F", "--out", "@OUT"),
      new Target("ots-info", "ots", "info", "--ots", "@F", "--file", "@STAMPED"),
      new Target("ots-verify-ots", "ots", "verify", "--file", "@STAMPED", "--ots", "@F", "--headers", "@HEADERS",
          "--network", "regtest"),
      new Target("ots-verify-headers", "ots", "verify", "--file", "@STAMPED", "--ots", "@OTS", "--headers", "@F",
          "--network", "regtest"),
      new Target("fhir-index", "fhir", "index", "@F"),
      new Target("pre-check-vectors", "pre", "umbral", "check-vectors", "@F"),
      new Target("merkle-root", "merkle", "root", "@STDIN"),
      new Target("merkle-inclusion", "merkle", "inclusion", "--index", "1", "@STDIN"),
      new Target("bitcoin-merkle-root", "bitcoin", "merkle-root", "@STDIN"),
      // the committed seed's chain was made before the registrar rule (its patient registration, at
      // height 1, is self-signed): it verifies with the height the rule binds from, as any such chain
      new Target("chain-verify-segment", "chain", "verify", "--store", "@STORE", "--chain", "fuzz-chain",
          "--registrars-from", "2"));

  private static synchronized void setUp() throws IOException {
    if (dir != null) {
      return;
    }
    dir = Files.createTempDirectory("medledger-cli-fuzz");
    // The companion files come from the committed seeds when there are some (the fixture's
    // transaction key is random, so a fresh receipt would not match the committed headers).
    Map<String, byte[]> committed = FuzzCorpus.writing() ? Map.of() : FuzzCorpus.inputs(CliInputsFuzzTest.class, "fuzz");
    byte[] receiptJson;
    byte[] headersJson;
    if (committed.containsKey("seed-receipt-verify-receipt") && committed.containsKey("seed-receipt-verify-headers")) {
      receiptJson = java.util.Arrays.copyOfRange(committed.get("seed-receipt-verify-receipt"), 1,
          committed.get("seed-receipt-verify-receipt").length);
      headersJson = java.util.Arrays.copyOfRange(committed.get("seed-receipt-verify-headers"), 1,
          committed.get("seed-receipt-verify-headers").length);
    } else {
      AnchorReceiptTest.Fixture f = new AnchorReceiptTest.Fixture();
      receiptJson = f.receipt(4).toJson().getBytes(StandardCharsets.UTF_8);
      headersJson = ("{\"" + f.height + "\":\"" + f.header.toHex() + "\"}").getBytes(StandardCharsets.UTF_8);
    }
    AnchorReceipt r = AnchorReceipt.fromJson(new String(receiptJson, StandardCharsets.UTF_8));
    receipt = Files.write(dir.resolve("receipt.json"), receiptJson);
    headers = Files.write(dir.resolve("headers.json"), headersJson);
    stamped = Files.write(dir.resolve("entry.bin"), r.stampedFile());
    ots = Files.write(dir.resolve("entry.bin.ots"), r.toOpenTimestamps().serialize());
    fuzzed = dir.resolve("fuzzed");
    pristineStore = dir.resolve("pristine-store");
    ChainFixture c = ChainFixture.builder().chainName("fuzz-chain").federationServers(1).auditServers(1)
        .store(FileBlockStore.open(pristineStore)).build();
    c.commit(c.registerPatient(c.actor("alice")));
    c.ledger.close();
    try (Stream<Path> s = Files.list(pristineStore)) {
      segment = pristineStore.relativize(s.filter(Files::isRegularFile)
          .max(Comparator.comparingLong(p -> p.toFile().length())).orElseThrow());
    }
    store = dir.resolve("store");
    valid = new LinkedHashMap<>();
    valid.put("receipt-verify-receipt", Files.readAllBytes(receipt));
    valid.put("receipt-verify-headers", Files.readAllBytes(headers));
    valid.put("receipt-export-ots", Files.readAllBytes(receipt));
    valid.put("ots-info", Files.readAllBytes(ots));
    valid.put("ots-verify-ots", Files.readAllBytes(ots));
    valid.put("ots-verify-headers", Files.readAllBytes(headers));
    valid.put("fhir-index", io.medledger.fhir.FhirSamples.BUNDLE.getBytes(StandardCharsets.UTF_8));
    byte[] factorySeed = Sha256.hash(new byte[] {5}).toByteArray();
    byte[] label = "label".getBytes(StandardCharsets.UTF_8);
    io.medledger.pre.SecretKeyFactory factory = io.medledger.pre.SecretKeyFactory.fromSecretSeed(factorySeed);
    valid.put("pre-check-vectors", ("{\"secret_key_factory\":[{\"seed\":\"" + Hex.encode(factorySeed)
        + "\",\"label\":\"" + Hex.encode(label) + "\",\"make_key_public\":\""
        + Hex.encode(factory.makeKey(label).publicKey().toBytes()) + "\"}]}").getBytes(StandardCharsets.UTF_8));
    String leaves = Hex.encode(new byte[] {1, 2}) + "\n\n" + Hex.encode(Sha256.hash(new byte[0]).toByteArray()) + "\n";
    valid.put("merkle-root", leaves.getBytes(StandardCharsets.UTF_8));
    valid.put("merkle-inclusion", leaves.getBytes(StandardCharsets.UTF_8));
    valid.put("bitcoin-merkle-root", (Sha256.hash(new byte[] {1}).toHex() + "\n" + Sha256.hash(new byte[] {2}).toHex())
        .getBytes(StandardCharsets.UTF_8));
    valid.put("chain-verify-segment", Files.readAllBytes(pristineStore.resolve(segment)));
  }

  @AfterAll
  static void tearDown() throws IOException {
    if (dir != null) {
      deleteTree(dir);
      dir = null;
    }
  }

  private static void deleteTree(Path p) throws IOException {
    if (!Files.exists(p)) {
      return;
    }
    try (Stream<Path> s = Files.walk(p)) {
      for (Path q : (Iterable<Path>) s.sorted(Comparator.reverseOrder())::iterator) {
        Files.delete(q);
      }
    }
  }

  /** The outcome of one run. */
  record Outcome(int code, String out, String err) {}

  /** Runs the target {@code data[0]} picks on {@code data[1..]} and checks the contract. */
  static Outcome runOne(byte[] data) {
    if (data.length == 0) {
      return null;
    }
    try {
      setUp();
      Target t = TARGETS.get((data[0] & 0xff) % TARGETS.size());
      byte[] input = java.util.Arrays.copyOfRange(data, 1, data.length);
      byte[] stdin = new byte[0];
      List<String> args = new ArrayList<>();
      Path out = dir.resolve("out.ots");
      Files.deleteIfExists(out);
      Files.deleteIfExists(dir.resolve("out"));
      for (String a : t.args()) {
        switch (a) {
          case "@F" -> {
            Files.write(fuzzed, input);
            args.add(fuzzed.toString());
          }
          case "@STDIN" -> stdin = input;
          case "@HEADERS" -> args.add(headers.toString());
          case "@RECEIPT" -> args.add(receipt.toString());
          case "@STAMPED" -> args.add(stamped.toString());
          case "@OTS" -> args.add(ots.toString());
          case "@OUT" -> args.add(out.toString());
          case "@STORE" -> {
            deleteTree(store);
            io.medledger.testing.TestFiles.copyTree(pristineStore, store);
            Files.write(store.resolve(segment), input);
            args.add(store.toString());
          }
          default -> args.add(a);
        }
      }
      ByteArrayOutputStream o = new ByteArrayOutputStream();
      ByteArrayOutputStream e = new ByteArrayOutputStream();
      int code = Main.run(args.toArray(String[]::new), new ByteArrayInputStream(stdin),
          new PrintStream(o, true, StandardCharsets.UTF_8), new PrintStream(e, true, StandardCharsets.UTF_8));
      String err = e.toString(StandardCharsets.UTF_8);
      String where = t.name() + " on " + CodecProperties.show(input);
      if (code < 0 || code > 2) {
        throw new AssertionError(where + ": exit code " + code + "; stderr " + err);
      }
      if (code == 2) {
        String[] lines = err.split("\n", -1);
        if (lines.length != 2 || !lines[1].isEmpty() || lines[0].isBlank()) {
          throw new AssertionError(where + ": exit 2 must print one line on stderr, got: " + err);
        }
        if (UNEXPECTED.matcher(lines[0]).matches()) {
          throw new AssertionError(where + ": an unexpected exception reached the front end: " + lines[0]);
        }
      }
      return new Outcome(code, o.toString(StandardCharsets.UTF_8), err);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  @FuzzTest
  void fuzz(byte[] data) {
    runOne(data);
  }

  /** Valid inputs are accepted (exit 0), and every truncation of each passes the contract. */
  @Test
  void validInputsRunAndTruncationsFollowTheContract() throws IOException {
    setUp();
    Map<String, byte[]> seeds = new LinkedHashMap<>();
    for (int i = 0; i < TARGETS.size(); i++) {
      Target t = TARGETS.get(i);
      byte[] v = valid.get(t.name());
      byte[] file = new byte[v.length + 1];
      file[0] = (byte) i;
      System.arraycopy(v, 0, file, 1, v.length);
      seeds.put(t.name(), file);
      Outcome ok = runOne(file);
      assertEquals(0, ok.code(), t.name() + ": " + ok.err());
      for (int n = 0; n < v.length; n += Math.max(1, v.length / 64)) {
        runOne(java.util.Arrays.copyOf(file, n + 1));
      }
    }
    if (FuzzCorpus.writing()) {
      FuzzCorpus.writeSeeds(getClass(), "fuzz", seeds);
    }
  }

  /** The committed seed files still run successfully (exit 0). */
  @Test
  void committedSeedsStillRun() {
    Map<String, byte[]> inputs = FuzzCorpus.inputs(getClass(), "fuzz");
    assertFalse(inputs.isEmpty(), "no seed corpus; run with -D" + FuzzCorpus.WRITE_SEEDS + "=true");
    inputs.forEach((name, d) -> {
      Outcome o = runOne(d);
      if (name.startsWith("seed-")) {
        assertEquals(0, o.code(), name + ": " + o.err());
      }
    });
  }
}
