package io.medledger.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
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

  /**
   * The stand-in writes its cookie (replacing what is there) and deletes it when it stops: a
   * {@code cookie_file} of a copied or hostile {@code regtest.json} naming a path outside its
   * directory would replace, then delete, any file of the account running it. Here the port is
   * taken, so a stand-in that wrote the cookie first fails only after the damage.
   */
  @Test
  void aCookieFileOutsideTheStandInsDirectoryIsRefusedBeforeAnythingIsWritten() throws Exception {
    Path victim = dir.resolve("victim.txt");
    Files.writeString(victim, "keep me\n");
    Path rd = Files.createDirectory(dir.resolve("regtest"));
    try (java.net.ServerSocket taken = new java.net.ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
      for (String name : new String[] {"../victim.txt", victim.toString(), "sub/.cookie", "..", "."}) {
        Files.writeString(rd.resolve("regtest.json"), "{\"listen\": \"127.0.0.1:" + taken.getLocalPort()
            + "\", \"cookie_file\": \"" + name.replace("\\", "\\\\") + "\", \"fund\": []}");
        String e = refusal("regtest", "run", "--dir", rd.toString());
        assertEquals("keep me\n", Files.readString(victim), name);
        assertTrue(e.contains("cookie_file") && e.contains("regtest.json"), e);
      }
    }
    assertFalse(Files.exists(rd.resolve("sub")));
  }

  @Test
  void aPortOutOfRangeNamesTheFileAndTheField() throws Exception {
    for (String port : new String[] {"65536", "-1", "99999999999"}) {
      Files.writeString(dir.resolve("regtest.json"), "{\"listen\": \"127.0.0.1:" + port + "\", \"fund\": []}");
      String e = refusal("regtest", "run", "--dir", dir.toString());
      assertTrue(e.contains("regtest.json") && e.contains("listen") && e.contains("0..65535"), e);
    }
  }
}
