package io.medledger.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.medledger.internal.Json;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code testnet}, {@code node status}, {@code chain contains} and the error paths of {@code node run}, in-process. */
class NodeCommandsTest {
  @TempDir
  Path dir;

  private static ChainCommandTest.Run run(String... args) {
    return ChainCommandTest.run(args);
  }

  private static void oneLineExit2(ChainCommandTest.Run r, String contains) {
    assertEquals(2, r.code(), r.err());
    assertEquals(1, r.err().strip().lines().count(), "one line: " + r.err());
    assertTrue(r.err().contains(contains), r.err());
  }

  private Path testnet() {
    Path d = dir.resolve("net");
    ChainCommandTest.Run r = run("testnet", "--dir", d.toString(), "--federation", "1", "--audit", "1", "--storage", "1");
    assertEquals(0, r.code(), r.err());
    Map<String, Object> summary = Json.asObject(Json.parse(r.out()), "summary");
    assertEquals(3L, summary.get("nodes"));
    return d;
  }

  @Test
  void testnetWritesOwnerOnlyNodeDirectories() throws Exception {
    Path d = testnet();
    for (String f : new String[] {"passphrase", "client.json", "client-keys.json", "node-1/node.json",
        "node-1/data/keys.json", "node-3/genesis.block"}) {
      assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(d.resolve(f))), f);
    }
    assertEquals("rwx------", PosixFilePermissions.toString(Files.getPosixFilePermissions(d.resolve("node-2/data"))));
    oneLineExit2(run("testnet", "--dir", d.toString(), "--federation", "1", "--audit", "1"), "not empty");
  }

  @Test
  void testnetSetsTheRoundTimeoutOfEveryNode() throws Exception {
    Path d = dir.resolve("timeouts");
    ChainCommandTest.Run r = run("testnet", "--dir", d.toString(), "--federation", "1", "--audit", "1",
        "--round-timeout-ms", "3000");
    assertEquals(0, r.code(), r.err());
    for (String n : new String[] {"node-1", "node-2"}) {
      assertEquals(java.time.Duration.ofMillis(3000),
          io.medledger.node.NodeConfig.read(d.resolve(n).resolve("node.json")).consensus().roundTimeout(), n);
    }
    oneLineExit2(run("testnet", "--dir", dir.resolve("t2").toString(), "--federation", "1", "--round-timeout-ms", "5"),
        "--round-timeout-ms must be 10..600000");
  }

  @Test
  void badConfigurationsWrongPassphrasesAndBusyPortsExitTwoWithOneLine() throws Exception {
    Path d = testnet();
    Path cfg = d.resolve("node-1/node.json");
    String good = Files.readString(cfg);
    Files.writeString(cfg, good.replace("\"chain\"", "\"colour\" : \"red\", \"chain\""));
    oneLineExit2(run("node", "run", "--dir", d.resolve("node-1").toString()), "unknown field 'colour'");
    Files.writeString(cfg, good.replace("\"batch_delay_ms\" : 20", "\"batch_delay_ms\" : -1"));
    oneLineExit2(run("node", "run", "--dir", d.resolve("node-1").toString()), "'consensus.batch_delay_ms'");
    Files.writeString(cfg, good);

    Files.writeString(d.resolve("passphrase"), "not the passphrase\n");
    oneLineExit2(run("node", "run", "--dir", d.resolve("node-1").toString()), "wrong passphrase");
    Files.setPosixFilePermissions(d.resolve("passphrase"), PosixFilePermissions.fromString("rw-r--r--"));
    oneLineExit2(run("node", "run", "--dir", d.resolve("node-1").toString()), "chmod 600");
  }

  @Test
  void aPortInUseExitsTwo() throws Exception {
    Path d = testnet();
    Path cfg = d.resolve("node-1/node.json");
    try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      String c = Files.readString(cfg).replaceFirst("\"listen\" : \"127.0.0.1:[0-9]+\"",
          "\"listen\" : \"127.0.0.1:" + s.getLocalPort() + "\"");
      Files.writeString(cfg, c);
      oneLineExit2(run("node", "run", "--dir", d.resolve("node-1").toString()), "cannot listen on 127.0.0.1:" + s.getLocalPort());
    }
  }

  @Test
  void statusAndContainsReadAStoppedNode() throws Exception {
    Path d = testnet();
    oneLineExit2(run("node", "status", "--dir", d.resolve("node-2").toString()), "never started");
    // open and close the node's data directory once, as a node that ran and stopped
    io.medledger.node.NodeConfig c = io.medledger.node.NodeConfig.read(d.resolve("node-2/node.json"));
    io.medledger.node.NodeKeys k = io.medledger.node.NodeKeys.open(c.dataDirectory().resolve("keys.json"),
        io.medledger.node.NodeKeys.passphrase(c.keySource()));
    io.medledger.node.Node.start(c, k, new io.medledger.node.LocalNetwork().attach(k.ledgerKey()), true,
        io.medledger.node.NodeMetrics.NONE).close();
    // a torn tail, as kill -9 mid-append leaves: status skips it and changes nothing on disk
    Path segment;
    try (java.util.stream.Stream<Path> files = Files.list(c.dataDirectory().resolve("blocks"))) {
      segment = files.filter(f -> !f.getFileName().toString().equals("LOCK")).sorted().reduce((a, b) -> b).orElseThrow();
    }
    Files.write(segment, new byte[] {(byte) 0xB1, 0, 0}, java.nio.file.StandardOpenOption.APPEND); // a cut frame header
    byte[] before = Files.readAllBytes(segment);
    ChainCommandTest.Run s = run("node", "status", "--dir", d.resolve("node-2").toString());
    assertEquals(0, s.code(), s.err());
    assertArrayEquals(before, Files.readAllBytes(segment), "node status must not write to the block store");
    Map<String, Object> st = Json.asObject(Json.parse(s.out()), "status");
    assertEquals("audit", st.get("role"));
    assertEquals(0L, st.get("height"));
    assertEquals(64, ((String) st.get("tip")).length());
    assertTrue((Long) st.get("entries") > 0);
    assertEquals(-1L, st.get("peers_connected"));

    io.medledger.crypto.Digest genesisEntry = io.medledger.node.Node.readGenesis(c).block().entries().get(0).id();
    Path ids = dir.resolve("ids");
    Files.writeString(ids, genesisEntry.toHex() + "\n\n");
    ChainCommandTest.Run p = run("chain", "contains", "--dir", d.resolve("node-2").toString(), "--ids", ids.toString());
    assertEquals(0, p.code(), p.err());
    assertEquals("present=1 missing=0", p.out().strip());
    Files.writeString(ids, genesisEntry.toHex() + "\n" + "ab".repeat(32) + "\n");
    ChainCommandTest.Run m = run("chain", "contains", "--dir", d.resolve("node-2").toString(), "--ids", ids.toString());
    assertEquals(2, m.code());
    assertEquals("present=1 missing=1", m.out().strip());
    Files.writeString(ids, "xyz\n");
    oneLineExit2(run("chain", "contains", "--dir", d.resolve("node-2").toString(), "--ids", ids.toString()), "line 1");
  }
}
