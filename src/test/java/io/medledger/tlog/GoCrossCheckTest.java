package io.medledger.tlog;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Checks an exported log with Go's own packages: {@code golang.org/x/mod/sumdb/note} opens the
 * checkpoint with the exported vkeys, and {@code golang.org/x/mod/sumdb/tlog} reads the tiles
 * (verifying each against the checkpoint's tree), recomputes the root, proves every entry of the
 * bundles and checks consistency proofs. Runs where Debian's {@code golang-go} and
 * {@code golang-golang-x-mod-dev} are installed (GOPATH {@code /usr/share/gocode}, GO111MODULE
 * off, no network); skipped with a message elsewhere.
 */
class GoCrossCheckTest {
  static final Path GOPATH = Path.of("/usr/share/gocode");
  static final String PROGRAM = """
      package main

      import (
      \t"encoding/base64"
      \t"fmt"
      \t"os"
      \t"path/filepath"
      \t"strconv"
      \t"strings"

      \t"golang.org/x/mod/sumdb/note"
      \t"golang.org/x/mod/sumdb/tlog"
      )

      type dirTiles struct{ dir string }

      func (d dirTiles) Height() int { return 8 }

      func (d dirTiles) ReadTiles(tiles []tlog.Tile) ([][]byte, error) {
      \tout := make([][]byte, len(tiles))
      \tfor i, t := range tiles {
      \t\tp := strings.Replace(t.Path(), "tile/8/", "tile/", 1)
      \t\tp = strings.Replace(p, "tile/data/", "tile/entries/", 1)
      \t\tb, err := os.ReadFile(filepath.Join(d.dir, p))
      \t\tif err != nil {
      \t\t\treturn nil, err
      \t\t}
      \t\tout[i] = b
      \t}
      \treturn out, nil
      }

      func (d dirTiles) SaveTiles(tiles []tlog.Tile, data [][]byte) {}

      func fail(f string, a ...interface{}) {
      \tfmt.Fprintf(os.Stderr, f+"\\n", a...)
      \tos.Exit(1)
      }

      func main() {
      \tdir := os.Args[1]
      \tmsg, err := os.ReadFile(filepath.Join(dir, "checkpoint"))
      \tif err != nil {
      \t\tfail("%v", err)
      \t}
      \tvk, err := os.ReadFile(filepath.Join(dir, "checkpoint.vkeys"))
      \tif err != nil {
      \t\tfail("%v", err)
      \t}
      \tvar vs []note.Verifier
      \tfor _, line := range strings.Split(strings.TrimSpace(string(vk)), "\\n") {
      \t\tv, err := note.NewVerifier(line)
      \t\tif err != nil {
      \t\t\tcontinue // cosignature/v1 witness keys are not note keys
      \t\t}
      \t\tvs = append(vs, v)
      \t}
      \tn, err := note.Open(msg, note.VerifierList(vs...))
      \tif err != nil {
      \t\tfail("note: %v", err)
      \t}
      \tif len(n.Sigs) != len(vs) {
      \t\tfail("note: %d of %d keys verified", len(n.Sigs), len(vs))
      \t}
      \tlines := strings.Split(n.Text, "\\n")
      \tsize, err := strconv.ParseInt(lines[1], 10, 64)
      \tif err != nil {
      \t\tfail("size: %v", err)
      \t}
      \trootBytes, err := base64.StdEncoding.DecodeString(lines[2])
      \tif err != nil || len(rootBytes) != 32 {
      \t\tfail("root: %v", err)
      \t}
      \tvar root tlog.Hash
      \tcopy(root[:], rootBytes)
      \ttree := tlog.Tree{N: size, Hash: root}
      \thr := tlog.TileHashReader(tree, dirTiles{dir})
      \tgot, err := tlog.TreeHash(size, hr)
      \tif err != nil || got != root {
      \t\tfail("tree hash: %v", err)
      \t}
      \tvar index int64
      \tfor b := int64(0); b*256 < size; b++ {
      \t\tw := size - b*256
      \t\tif w > 256 {
      \t\t\tw = 256
      \t\t}
      \t\tt := tlog.Tile{H: 8, L: -1, N: b, W: int(w)}
      \t\tdata, err := dirTiles{dir}.ReadTiles([]tlog.Tile{t})
      \t\tif err != nil {
      \t\t\tfail("bundle: %v", err)
      \t\t}
      \t\tbuf := data[0]
      \t\tfor k := int64(0); k < w; k++ {
      \t\t\tl := int(buf[0])<<8 | int(buf[1])
      \t\t\tleaf := buf[2 : 2+l]
      \t\t\tbuf = buf[2+l:]
      \t\t\tp, err := tlog.ProveRecord(size, index, hr)
      \t\t\tif err != nil {
      \t\t\t\tfail("prove %d: %v", index, err)
      \t\t\t}
      \t\t\tif err := tlog.CheckRecord(p, size, root, index, tlog.RecordHash(leaf)); err != nil {
      \t\t\t\tfail("record %d: %v", index, err)
      \t\t\t}
      \t\t\tindex++
      \t\t}
      \t\tif len(buf) != 0 {
      \t\t\tfail("bundle %d has trailing bytes", b)
      \t\t}
      \t}
      \tfor _, m := range []int64{1, size / 3, size - 1, size} {
      \t\tif m < 1 {
      \t\t\tcontinue
      \t\t}
      \t\told, err := tlog.TreeHash(m, hr)
      \t\tif err != nil {
      \t\t\tfail("tree hash %d: %v", m, err)
      \t\t}
      \t\tp, err := tlog.ProveTree(size, m, hr)
      \t\tif err != nil {
      \t\t\tfail("prove tree %d: %v", m, err)
      \t\t}
      \t\tif err := tlog.CheckTree(p, size, root, m, old); err != nil {
      \t\t\tfail("tree %d: %v", m, err)
      \t\t}
      \t}
      \tfmt.Printf("ok %d %d\\n", size, index)
      }
      """;

  @TempDir Path tmp;

  static boolean goAvailable() {
    if (!Files.isDirectory(GOPATH.resolve("src/golang.org/x/mod/sumdb/tlog"))) {
      return false;
    }
    for (String d : System.getenv().getOrDefault("PATH", "").split(":")) {
      if (!d.isEmpty() && Files.isExecutable(Path.of(d, "go"))) {
        return true;
      }
    }
    return false;
  }

  @Test
  void goVerifiesTheExportedCheckpointAndTiles() throws IOException, InterruptedException {
    assumeTrue(goAvailable(), "Go or golang.org/x/mod is not installed (apt-get install golang-go "
        + "golang-golang-x-mod-dev); skipping the Go cross-check");
    Path node = tmp.resolve("node");
    Path out = tmp.resolve("export");
    long size;
    try (LogFixture f = new LogFixture(node, 1)) {
      LogExportTest.populate(f, 2);
      size = f.chain.ledger.tip().orElseThrow().ledgerSize();
    }
    LogExportTest.Run r = LogExportTest.run("log", "export", "--dir", node.toString(), "--out", out.toString());
    assertEquals(0, r.code(), r.err());
    Path src = tmp.resolve("go/check.go");
    Files.createDirectories(src.getParent());
    Files.writeString(src, PROGRAM);
    assertEquals("ok " + size + " " + size, runGo(src, out));
    // A flipped byte in a level-0 tile makes Go's tile reader refuse the tree.
    Path tile = out.resolve("tile/0/000");
    byte[] b = Files.readAllBytes(tile);
    b[77] ^= 1;
    Files.write(tile, b);
    String bad = runGo(src, out);
    assertTrue(!bad.startsWith("ok"), bad);
  }

  private String runGo(Path src, Path dir) throws IOException, InterruptedException {
    ProcessBuilder pb = new ProcessBuilder(List.of("go", "run", src.toString(), dir.toString()));
    pb.environment().put("GOPATH", GOPATH.toString());
    pb.environment().put("GO111MODULE", "off");
    pb.environment().put("GOFLAGS", "");
    pb.environment().put("GOPROXY", "off");
    pb.environment().put("GOCACHE", tmp.resolve("gocache").toString());
    pb.environment().put("HOME", tmp.toString());
    pb.redirectErrorStream(true);
    Process p = pb.start();
    try {
      if (!p.waitFor(240, TimeUnit.SECONDS)) {
        throw new AssertionError("go run timed out");
      }
      return new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
    } finally {
      p.destroyForcibly();
    }
  }
}
