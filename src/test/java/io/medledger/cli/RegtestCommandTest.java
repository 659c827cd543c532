package io.medledger.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code medledger regtest run}: refusals are one line on stderr with exit 2 (the serving path runs in TestnetDemoProcessTest). */
class RegtestCommandTest {
  @TempDir
  Path dir;

  private String refusal(String... args) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    int rc = Main.run(args, new ByteArrayInputStream(new byte[0]), new PrintStream(out, true, StandardCharsets.UTF_8),
        new PrintStream(err, true, StandardCharsets.UTF_8));
    String e = err.toString(StandardCharsets.UTF_8);
    assertEquals(2, rc, e);
    assertTrue(e.startsWith("medledger: ") && e.indexOf('\n') == e.length() - 1, e);
    assertEquals("", out.toString(StandardCharsets.UTF_8));
    return e;
  }

  @Test
  void refusesWhatItCannotServe() throws Exception {
    assertTrue(refusal("regtest").contains("usage: medledger regtest run --dir DIR"));
    assertTrue(refusal("regtest", "run", "--dir", dir.toString()).contains("no stand-in configuration"));
    Files.writeString(dir.resolve("regtest.json"), "{\"listen\": \"10.1.2.3:18443\", \"fund\": []}");
    assertTrue(refusal("regtest", "run", "--dir", dir.toString()).contains("loopback only"));
    Files.writeString(dir.resolve("regtest.json"), "{\"listen\": \"127.0.0.1:18443\", \"fund\": [], \"rpc_password\": \"x\"}");
    assertTrue(refusal("regtest", "run", "--dir", dir.toString()).contains("rpc_password"));
    Files.writeString(dir.resolve("regtest.json"), "{\"listen\": \"127.0.0.1:18443\", "
        + "\"fund\": [{\"address\": \"bc1qw508d6qejxtdg4y5r3zarvary0c5xw7kv8f3t4\", \"coins\": 1, \"sats\": 1000}]}");
    refusal("regtest", "run", "--dir", dir.toString()); // a mainnet address: not a regtest one
  }
}
