package io.medledger.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.medledger.testing.SharedVectors;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** {@code merkle root|inclusion|consistency} and {@code bitcoin merkle-root} through Main.run. */
class MerkleCommandsTest {
  private static final JsonNode RFC = SharedVectors.json("vectors/merkle/rfc6962.json");
  private static final JsonNode GEN = SharedVectors.json("vectors/merkle/generated-1000.json");

  record Run(int code, String out, String err) {}

  static Run run(String stdin, String... args) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    int code = Main.run(args, new ByteArrayInputStream(stdin.getBytes(StandardCharsets.UTF_8)),
        new PrintStream(out, true, StandardCharsets.UTF_8), new PrintStream(err, true, StandardCharsets.UTF_8));
    return new Run(code, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
  }

  static String lines(JsonNode arr, int n) {
    StringBuilder sb = new StringBuilder();
    for (int i = 0; i < n; i++) {
      sb.append(arr.get(i).asText()).append('\n');
    }
    return sb.toString();
  }

  static List<String> strings(JsonNode arr) {
    List<String> out = new ArrayList<>();
    arr.forEach(x -> out.add(x.asText()));
    return out;
  }

  @Test
  void rootMatchesTheVectors() {
    JsonNode leaves = GEN.get("leaf_inputs");
    for (int n : new int[] {1, 2, 5, 7, 100, 1000}) {
      Run r = run(lines(leaves, n), "merkle", "root");
      assertEquals(0, r.code(), r.err());
      assertEquals(GEN.get("roots_by_size").get(Integer.toString(n)).asText() + System.lineSeparator(), r.out());
    }
    // Without the final newline, and with CR LF line ends.
    String two = leaves.get(0).asText() + "\r\n" + leaves.get(1).asText();
    assertEquals(GEN.get("roots_by_size").get("2").asText(), run(two, "merkle", "root").out().trim());
    // The transparency-dev leaves include the empty leaf (a blank line).
    assertEquals(RFC.get("roots_by_size").get("8").asText(), run(lines(RFC.get("leaves"), 8), "merkle", "root").out().trim());
  }

  @Test
  void emptyInputGivesTheEmptyTreeHash() {
    Run r = run("", "merkle", "root");
    assertEquals(0, r.code());
    assertEquals("e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855", r.out().trim());
  }

  @Test
  void badInputExitsTwoWithOneLine() {
    for (Run r : List.of(
        run("00\nzz\n", "merkle", "root"),
        run("0\n", "merkle", "root"),
        run("00\n", "merkle", "inclusion", "--index", "1"),
        run("00\n", "merkle", "inclusion"),
        run("00\n", "merkle", "inclusion", "--index", "x"),
        run("00\n01\n", "merkle", "consistency", "--size1", "0"),
        run("00\n01\n", "merkle", "consistency", "--size1", "3"),
        run("00\n", "merkle", "root", "--bogus", "1"),
        run("00\n", "merkle", "nope"),
        run("", "merkle"),
        run("", "bitcoin", "merkle-root"),
        run("abcd\n", "bitcoin", "merkle-root"),
        run("", "bitcoin"))) {
      assertEquals(2, r.code(), r.err());
      assertEquals("", r.out());
      assertTrue(r.err().startsWith("medledger: "), r.err());
      assertEquals(1, r.err().lines().count(), r.err());
    }
  }

  @Test
  void inclusionMatchesTheVectors() throws Exception {
    ObjectMapper json = new ObjectMapper();
    JsonNode leaves = GEN.get("leaf_inputs");
    int checked = 0;
    for (JsonNode p : GEN.get("inclusion_proofs")) {
      int size = p.get("tree_size").asInt();
      if (size > 300 && checked > 40) {
        continue;
      }
      Run r = run(lines(leaves, size), "merkle", "inclusion", "--index", p.get("leaf_index").asText());
      assertEquals(0, r.code(), r.err());
      JsonNode got = json.readTree(r.out());
      assertEquals(size, got.get("treeSize").asLong());
      assertEquals(p.get("leaf_index").asLong(), got.get("leafIndex").asLong());
      assertEquals(strings(p.get("path")), strings(got.get("path")));
      assertEquals(p.get("root").asText(), got.get("root").asText());
      assertEquals(4, got.size());
      checked++;
    }
    assertTrue(checked > 40);
  }

  @Test
  void consistencyMatchesTheVectors() throws Exception {
    ObjectMapper json = new ObjectMapper();
    JsonNode leaves = GEN.get("leaf_inputs");
    int checked = 0;
    for (JsonNode p : GEN.get("consistency_proofs")) {
      Run r = run(lines(leaves, p.get("size2").asInt()), "merkle", "consistency", "--size1", p.get("size1").asText());
      assertEquals(0, r.code(), r.err());
      JsonNode got = json.readTree(r.out());
      assertEquals(p.get("size2").asLong(), got.get("treeSize").asLong());
      assertEquals(p.get("size1").asLong(), got.get("size1").asLong());
      assertEquals(strings(p.get("path")), strings(got.get("path")));
      assertEquals(p.get("root1").asText(), got.get("root1").asText());
      assertEquals(p.get("root2").asText(), got.get("root").asText());
      assertEquals(5, got.size());
      checked++;
    }
    assertEquals(24, checked);
  }

  @Test
  void bitcoinMerkleRootOfMainnetBlocks() {
    JsonNode blocks = SharedVectors.json("vectors/bitcoin/mainnet-blocks.json").get("blocks");
    for (JsonNode b : blocks) {
      Run r = run(lines(b.get("txids"), b.get("txids").size()), "bitcoin", "merkle-root");
      assertEquals(0, r.code(), r.err());
      assertEquals(b.get("merkle_root").asText(), r.out().trim(), b.get("hash").asText());
    }
  }
}
