package io.medledger.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.medledger.testing.SharedVectors;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class OtsCommandTest {
  private static final String DIR = "vectors/ots/";
  private static final ObjectMapper MAPPER = new ObjectMapper();

  @TempDir
  Path tmp;

  private record Result(int code, String out, String err) {
    JsonNode json() throws Exception {
      return MAPPER.readTree(out);
    }
  }

  private static Result run(String... args) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    int code = Main.run(args, new ByteArrayInputStream(new byte[0]),
        new PrintStream(out, true, StandardCharsets.UTF_8), new PrintStream(err, true, StandardCharsets.UTF_8));
    return new Result(code, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
  }

  private static String shared(String rel) {
    return SharedVectors.path(DIR + rel).toString();
  }

  /** A HEADERS.json holding every block header the manifest gives. */
  private Path headersFile() throws Exception {
    StringBuilder sb = new StringBuilder("{");
    for (JsonNode item : SharedVectors.json(DIR + "manifest.json").get("items")) {
      if (!item.has("attestations")) {
        continue;
      }
      for (JsonNode a : item.get("attestations")) {
        if (a.has("block_header_hex") && !a.get("block_header_hex").isNull()
            && sb.indexOf("\"" + a.get("height").asLong() + "\"") < 0) {
          sb.append(sb.length() > 1 ? "," : "").append('"').append(a.get("height").asLong()).append("\":\"")
              .append(a.get("block_header_hex").asText()).append('"');
        }
      }
    }
    sb.append('}');
    Path p = tmp.resolve("headers.json");
    Files.writeString(p, sb);
    return p;
  }

  @Test
  void infoListsEveryAttestationOfEveryProof() throws Exception {
    for (JsonNode item : SharedVectors.json(DIR + "manifest.json").get("items")) {
      String file = item.get("file").asText();
      if (item.get("expected").get("parse").asText().equals("error")) {
        Result r = run("ots", "info", "--ots", shared(file));
        assertEquals(2, r.code(), file);
        assertTrue(r.err().startsWith("medledger: malformed proof"), r.err());
        assertEquals(1, r.err().strip().lines().count());
        assertEquals("", r.out());
        continue;
      }
      String[] args = item.has("stamped_files")
          ? new String[] {"ots", "info", "--ots", shared(file), "--file", shared(item.get("stamped_files").get(0).get("file").asText())}
          : new String[] {"ots", "info", "--ots", shared(file)};
      Result r = run(args);
      assertEquals(0, r.code(), r.err());
      JsonNode j = r.json();
      assertEquals(item.get("file_hash_op").asText(), j.get("file_hash_op").asText());
      assertEquals(item.get("file_digest").asText(), j.get("file_digest").asText());
      assertEquals(item.has("stamped_files"), j.has("file_matches"));
      if (j.has("file_matches")) {
        assertTrue(j.get("file_matches").asBoolean());
      }
      assertEquals(item.get("attestations").size(), j.get("attestations").size(), file);
      for (JsonNode expected : item.get("attestations")) {
        boolean found = false;
        for (JsonNode got : j.get("attestations")) {
          if (!got.get("commitment").asText().equals(expected.get("commitment_hex").asText())) {
            continue;
          }
          switch (expected.get("type").asText()) {
            case "BitcoinBlockHeaderAttestation":
              found |= got.get("kind").asText().equals("bitcoin") && got.get("height").asLong() == expected.get("height").asLong()
                  && got.get("merkle_root_display").asText().equals(expected.get("merkle_root_display_hex").asText());
              break;
            case "PendingAttestation":
              found |= got.get("kind").asText().equals("pending") && got.get("calendar").asText().equals(expected.get("uri").asText());
              break;
            case "UnknownAttestation":
              found |= got.get("kind").asText().equals("unknown") && got.get("tag").asText().equals(expected.get("tag_hex").asText());
              break;
            default:
              found |= got.get("kind").asText().equals("ethereum") && got.get("height").asLong() == expected.get("height").asLong();
          }
        }
        assertTrue(found, file + ": " + expected);
      }
    }
  }

  @Test
  void infoReportsAFileThatDoesNotMatch() throws Exception {
    Result r = run("ots", "info", "--ots", shared("hello-world.txt.ots"), "--file", shared("bad-stamp.txt"));
    assertEquals(0, r.code());
    assertFalse(r.json().get("file_matches").asBoolean());
  }

  /**
   * On mainnet a header counts only on a chain validated from an embedded checkpoint: block
   * 358391's real header on its own (what a forger could equally make at minimum difficulty for a
   * made-up Merkle root) proves nothing, and the reason says which headers are needed.
   */
  @Test
  void verifyRefusesALoneMainnetHeaderThatNoCheckpointedChainCarries() throws Exception {
    Path headers = headersFile();
    Result r = run("ots", "verify", "--file", shared("hello-world.txt"), "--ots", shared("hello-world.txt.ots"),
        "--headers", headers.toString());
    assertEquals(1, r.code(), r.out() + r.err());
    JsonNode j = r.json();
    assertFalse(j.get("verified").asBoolean());
    JsonNode a = j.get("attestations").get(0);
    assertEquals("no_header", a.get("status").asText());
    String needed = "they need every header from the trusted checkpoint at height 356832 to height 358848"
        + " (the next checkpoint), and height 356833 is missing";
    assertTrue(a.get("detail").asText().contains(needed), a.get("detail").asText());
    assertTrue(j.get("reason").asText().contains(needed), j.get("reason").asText());
    Result more = run("ots", "verify", "--file", shared("hello-world.txt"), "--ots", shared("hello-world.txt.ots"),
        "--headers", headers.toString(), "--confirmations", "10000");
    assertEquals(1, more.code(), more.out() + more.err());
    for (String bad : new String[] {"0", "10001", "-1", "six"}) {
      Result r2 = run("ots", "verify", "--file", shared("hello-world.txt"), "--ots", shared("hello-world.txt.ots"),
          "--headers", headers.toString(), "--confirmations", bad);
      assertEquals(2, r2.code(), bad);
      assertTrue(r2.err().contains("--confirmations must be 1..10000"), r2.err());
    }
    Result regtestConf = run("ots", "verify", "--file", shared("hello-world.txt"), "--ots", shared("hello-world.txt.ots"),
        "--headers", headers.toString(), "--network", "regtest", "--confirmations", "6");
    assertEquals(2, regtestConf.code());
  }

  /**
   * The rest of the check, with the headers file taken as it is ({@code --network regtest}, a local
   * chain, which a real mainnet header also satisfies).
   */
  @Test
  void verifyConfirmsTheHelloWorldProofAgainstHeadersTakenAsTheyAre() throws Exception {
    Path headers = headersFile();
    Result r = run("ots", "verify", "--file", shared("hello-world.txt"), "--ots", shared("hello-world.txt.ots"),
        "--headers", headers.toString(), "--network", "regtest");
    assertEquals(0, r.code(), r.out() + r.err());
    JsonNode j = r.json();
    assertTrue(j.get("verified").asBoolean());
    assertEquals(1432827678L, j.get("block_time").asLong());
    assertEquals("2015-05-28T15:41:18Z", j.get("block_time_utc").asText());
    JsonNode a = j.get("attestations").get(0);
    assertEquals(358391, a.get("height").asLong());
    assertEquals("verified", a.get("status").asText());
    assertEquals(1432827678L, a.get("block_time").asLong());
    assertEquals("000000000000000003e892881a8cdcdc117c06d444057c98b6f04a9ee75a2319", a.get("block_hash").asText());
  }

  @Test
  void verifyFailsWithReasons() throws Exception {
    Path headers = headersFile();
    // The deliberately bad stamp: its commitment is not block 358391's Merkle root.
    Result bad = run("ots", "verify", "--file", shared("bad-stamp.txt"), "--ots", shared("bad-stamp.txt.ots"),
        "--headers", headers.toString(), "--network", "regtest");
    assertEquals(1, bad.code());
    assertFalse(bad.json().get("verified").asBoolean());
    assertEquals("merkle_root_mismatch", bad.json().get("attestations").get(0).get("status").asText());
    assertTrue(bad.json().get("reason").asText().contains("is not the Merkle root"));
    // The right proof for the wrong file.
    Result wrongFile = run("ots", "verify", "--file", shared("bad-stamp.txt"), "--ots", shared("hello-world.txt.ots"),
        "--headers", headers.toString());
    assertEquals(1, wrongFile.code());
    assertTrue(wrongFile.json().get("reason").asText().contains("does not match"));
    // A pending proof has nothing to verify yet.
    Result pending = run("ots", "verify", "--file", shared("incomplete.txt"), "--ots", shared("incomplete.txt.ots"),
        "--headers", headers.toString());
    assertEquals(1, pending.code());
    assertTrue(pending.json().get("reason").asText().startsWith("no Bitcoin attestation"));
    // No header for the attested height.
    Result missing = run("ots", "verify", "--file", shared("empty"), "--ots", shared("empty.ots"),
        "--headers", headers.toString());
    assertEquals(1, missing.code());
    assertEquals("no_header", missing.json().get("attestations").get(0).get("status").asText());
    // A header whose bytes were altered is not on a chain from the checkpoint.
    String hdr = Files.readString(headers);
    Path forged = tmp.resolve("forged.json");
    Files.writeString(forged, hdr.replace("6272def6", "6272def7"));
    Result pow = run("ots", "verify", "--file", shared("hello-world.txt"), "--ots", shared("hello-world.txt.ots"),
        "--headers", forged.toString());
    assertEquals(1, pow.code());
    assertEquals("no_header", pow.json().get("attestations").get(0).get("status").asText());
  }

  @Test
  void badInputExitsTwo() throws Exception {
    Path headers = headersFile();
    Result malformed = run("ots", "verify", "--file", shared("hello-world.txt"),
        "--ots", shared("invalid/bad-major-version.ots"), "--headers", headers.toString());
    assertEquals(2, malformed.code());
    assertTrue(malformed.err().contains("unsupported major version 1151"), malformed.err());
    Path badHeaders = tmp.resolve("bad.json");
    Files.writeString(badHeaders, "{\"358391\": \"abcd\"}");
    Result bh = run("ots", "verify", "--file", shared("hello-world.txt"), "--ots", shared("hello-world.txt.ots"),
        "--headers", badHeaders.toString());
    assertEquals(2, bh.code());
    assertTrue(bh.err().contains("malformed headers file"), bh.err());
    assertEquals(2, run("ots", "info").code());
    assertEquals(2, run("ots", "info", "--ots", shared("hello-world.txt.ots"), "--bogus", "x").code());
    assertEquals(2, run("ots", "frobnicate").code());
    assertEquals(2, run("ots").code());
    assertEquals(2, run("ots", "info", "--ots", tmp.resolve("missing.ots").toString()).code());
  }
}
