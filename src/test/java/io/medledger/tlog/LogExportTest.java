package io.medledger.tlog;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.medledger.access.Purpose;
import io.medledger.chain.AccessScope;
import io.medledger.chain.ChainFixture.Actor;
import io.medledger.chain.Entry;
import io.medledger.cli.Main;
import io.medledger.testing.TestFiles;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code medledger log export|verify} on a node directory with signed, cosigned checkpoints. */
class LogExportTest {
  @TempDir Path tmp;
  Path node;
  Path out;
  long size;

  record Run(int code, String out, String err) {}

  static Run run(String... args) {
    ByteArrayOutputStream o = new ByteArrayOutputStream();
    ByteArrayOutputStream e = new ByteArrayOutputStream();
    int code = Main.run(args, new ByteArrayInputStream(new byte[0]), new PrintStream(o, true, StandardCharsets.UTF_8),
        new PrintStream(e, true, StandardCharsets.UTF_8));
    return new Run(code, o.toString(StandardCharsets.UTF_8), e.toString(StandardCharsets.UTF_8));
  }

  static void populate(LogFixture f, int blocks) {
    Actor doc = f.chain.actor("dr-a");
    Actor anna = f.chain.actor("anna");
    f.chain.commit(f.chain.registerClinician(doc, f.chain.hospitalA), f.chain.registerPatient(anna));
    f.chain.commit(f.chain.grant(anna, f.chain.hospitalA, Purpose.TREATMENT, AccessScope.all()));
    f.publishAll();
    for (int b = 0; b < blocks; b++) {
      List<Entry> es = new ArrayList<>();
      for (int i = 0; i < 150; i++) {
        es.add(i % 3 == 0 ? f.chain.record(doc, anna, f.chain.hospitalA, "Observation", "obs " + b + "/" + i)
            : f.chain.registerPatient(f.chain.actor("p" + b + "-" + i)));
      }
      f.chain.commit(es);
      f.publishAll();
    }
  }

  @BeforeEach
  void setUp() {
    node = tmp.resolve("node");
    out = tmp.resolve("export");
    try (LogFixture f = new LogFixture(node, 2)) {
      populate(f, 3);
      size = f.chain.ledger.tip().orElseThrow().ledgerSize();
    }
    Run r = run("log", "export", "--dir", node.toString(), "--out", out.toString());
    assertEquals(0, r.code(), r.err());
    assertEquals("size=" + size + " exported\n", r.out());
  }

  @Test
  void anExportedLogVerifies() {
    assertTrue(size > 256);
    assertTrue(Files.isRegularFile(out.resolve("tile/0/000")));
    assertTrue(Files.isRegularFile(out.resolve("tile/0/001.p/" + (size - 256))));
    assertTrue(Files.isRegularFile(out.resolve("tile/1/000.p/1")));
    assertTrue(Files.isRegularFile(out.resolve("tile/entries/000")));
    assertTrue(Files.isRegularFile(out.resolve("tile/entries/001.p/" + (size - 256))));
    Run r = run("log", "verify", "--dir", out.toString());
    assertEquals(0, r.code(), r.err());
    assertEquals("size=" + size + " verified\n", r.out());
  }

  private void flip(String rel, int offset) throws IOException {
    Path p = out.resolve(rel);
    byte[] b = Files.readAllBytes(p);
    b[offset < 0 ? b.length + offset : offset] ^= 1;
    Files.write(p, b);
  }

  private void assertMismatch(String mentions) {
    Run r = run("log", "verify", "--dir", out.toString());
    assertEquals(2, r.code(), r.out());
    assertTrue(r.err().contains(mentions), r.err());
    assertEquals(1, r.err().lines().count(), r.err());
  }

  @Test
  void aFlippedByteInAFullTileIsNamed() throws IOException {
    flip("tile/0/000", 4000);
    assertMismatch("tile/0/000 does not hash");
  }

  @Test
  void aFlippedByteInAPartialTileBreaksTheRoot() throws IOException {
    flip("tile/0/001.p/" + (size - 256), 5);
    assertMismatch("root");
  }

  @Test
  void aFlippedByteInABundleIsNamed() throws IOException {
    flip("tile/entries/000", 900);
    assertMismatch("tile/entries/000");
  }

  @Test
  void aTruncatedOrMissingFileIsNamed() throws IOException {
    Path p = out.resolve("tile/entries/001.p/" + (size - 256));
    Files.write(p, java.util.Arrays.copyOf(Files.readAllBytes(p), 10));
    assertMismatch("tile/entries/001.p/");
    Files.delete(out.resolve("tile/1/000.p/1"));
    assertMismatch("tile/1/000.p/1");
  }

  @Test
  void aPipeOrDirectoryInPlaceOfAFileIsNamedNotWaitedFor() throws Exception {
    // an export unpacked from someone's tar archive, which can carry named pipes: reading one that
    // nothing writes to waited for ever
    Files.delete(out.resolve("tile/entries/000"));
    assumeTrue(TestFiles.fifo(out.resolve("tile/entries/000")), "mkfifo");
    assertTimeoutPreemptively(java.time.Duration.ofSeconds(20), () -> assertMismatch("tile/entries/000"));
    Files.delete(out.resolve("checkpoint"));
    assumeTrue(TestFiles.fifo(out.resolve("checkpoint")), "mkfifo");
    Run r = assertTimeoutPreemptively(java.time.Duration.ofSeconds(20), () -> run("log", "verify", "--dir", out.toString()));
    assertEquals(2, r.code(), r.out());
    assertTrue(r.err().contains("checkpoint") && r.err().contains("not a regular file"), r.err());
    assertEquals(1, r.err().lines().count(), r.err());
    Files.delete(out.resolve("checkpoint"));
    Files.createDirectory(out.resolve("checkpoint"));
    Run d = run("log", "verify", "--dir", out.toString());
    assertEquals(2, d.code(), d.out());
    assertTrue(d.err().contains("not a regular file"), d.err());
  }

  /** Changes one base64 character of the signature line that starts with {@code linePrefix}. */
  private void flipSignature(String linePrefix, int at) throws IOException {
    String cp = Files.readString(out.resolve("checkpoint"));
    int line = cp.lastIndexOf(linePrefix);
    int b64 = cp.indexOf(' ', line + 2) + 1 + at;
    char ch = cp.charAt(b64);
    Files.writeString(out.resolve("checkpoint"), cp.substring(0, b64) + (ch == 'A' ? 'B' : 'A') + cp.substring(b64 + 1));
  }

  @Test
  void aFlippedByteInASignatureIsRefused() throws IOException {
    flipSignature("\u2014 medledger/", 10);
    assertMismatch("BAD_SIGNATURE");
  }

  @Test
  void aFlippedWitnessCosignatureIsRefused() throws IOException {
    flipSignature("\u2014 witness.example/", 30);
    assertMismatch("BAD_COSIGNATURE");
  }

  /** A vkeys file naming one log key twice (under another name too) asks for that key's signature once. */
  @Test
  void aLogKeyListedUnderTwoNamesIsOneSigner() throws IOException {
    Path vkeys = out.resolve("checkpoint.vkeys");
    NoteKey first = CheckpointStore.parseVerifierKeys(Files.readAllBytes(vkeys)).stream()
        .filter(k -> k.type() == NoteKey.ED25519).findFirst().orElseThrow();
    NoteKey alias = new NoteKey("alias.example/log", NoteKey.ED25519, first.publicKey());
    Files.writeString(vkeys, Files.readString(vkeys) + alias.encode() + "\n");
    Run r = run("log", "verify", "--dir", out.toString());
    assertEquals(0, r.code(), r.err());
  }

  @Test
  void badUsageExitsTwo() {
    assertEquals(2, run("log", "verify").code());
    assertEquals(2, run("log", "export", "--dir", tmp.resolve("nothing").toString(), "--out", "x").code());
    assertEquals(2, run("log", "frobnicate", "--dir", "x").code());
    Run again = run("log", "export", "--dir", node.toString(), "--out", out.toString());
    assertEquals(2, again.code());
    assertTrue(again.err().contains("--force"), again.err());
    assertEquals(0, run("log", "export", "--dir", node.toString(), "--out", out.toString(), "--force").code());
  }

  /**
   * An export with {@code --force} rewrote existing files in place, following symbolic links: a
   * link planted in the output (a tile, {@code checkpoint.vkeys}) made it overwrite the file it
   * points to, any file the operator can write. Now each file is replaced by a new one, so the
   * link goes and its target is untouched.
   */
  @Test
  void anExportReplacesASymbolicLinkInTheOutputInsteadOfWritingThroughIt() throws IOException {
    Path victim = Files.writeString(tmp.resolve("victim"), "the operator's file\n");
    Path victim2 = Files.writeString(tmp.resolve("victim2"), "another file of the operator\n");
    Files.delete(out.resolve("tile/0/000"));
    Files.createSymbolicLink(out.resolve("tile/0/000"), victim);
    Files.delete(out.resolve(CheckpointStore.VKEYS));
    Files.createSymbolicLink(out.resolve(CheckpointStore.VKEYS), victim2);
    Run r = run("log", "export", "--dir", node.toString(), "--out", out.toString(), "--force");
    assertEquals("the operator's file\n", new String(Files.readAllBytes(victim), StandardCharsets.ISO_8859_1));
    assertEquals("another file of the operator\n", new String(Files.readAllBytes(victim2), StandardCharsets.ISO_8859_1));
    assertEquals(0, r.code(), r.err());
    assertFalse(Files.isSymbolicLink(out.resolve("tile/0/000")) || Files.isSymbolicLink(out.resolve(CheckpointStore.VKEYS)));
    Run v = run("log", "verify", "--dir", out.toString());
    assertEquals(0, v.code(), v.err());
  }

  /** A directory of the output that is a symbolic link is refused, nothing written through it. */
  @Test
  void anExportRefusesASymbolicLinkInPlaceOfADirectoryOfTheOutput() throws IOException {
    Path elsewhere = Files.createDirectory(tmp.resolve("elsewhere"));
    Path entries = out.resolve("tile/entries");
    Files.move(entries, tmp.resolve("entries-moved-away"));
    Files.createSymbolicLink(entries, elsewhere);
    Run r = run("log", "export", "--dir", node.toString(), "--out", out.toString(), "--force");
    try (var s = Files.list(elsewhere)) {
      assertEquals(List.of(), s.toList());
    }
    assertEquals(2, r.code(), r.out());
    assertTrue(r.err().contains("tile/entries") && r.err().contains("symbolic link"), r.err());
    assertEquals(1, r.err().lines().count(), r.err());
  }

  /**
   * Into a directory others may write, a local account could swap one of its directories for a
   * link while the export runs (between any check and the write), so such a target is refused.
   */
  @Test
  void anExportRefusesAnOutputDirectoryOthersMayWrite() throws IOException {
    assumeTrue(tmp.getFileSystem().supportedFileAttributeViews().contains("posix"));
    Path shared = Files.createDirectory(tmp.resolve("shared"));
    Files.setPosixFilePermissions(shared, java.nio.file.attribute.PosixFilePermissions.fromString("rwxrwxrwx"));
    Run r = run("log", "export", "--dir", node.toString(), "--out", shared.toString());
    assertEquals(2, r.code(), r.out());
    assertTrue(r.err().contains(shared.toString()) && r.err().contains("writable by group or others"), r.err());
    try (var s = Files.list(shared)) {
      assertEquals(0, s.count());
    }
  }
}
