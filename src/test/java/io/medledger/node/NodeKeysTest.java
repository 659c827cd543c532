package io.medledger.node;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.SecureRandom;
import java.time.Duration;
import com.google.common.primitives.Bytes;
import io.medledger.testing.HeapResidue;
import io.medledger.testing.TestFiles;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class NodeKeysTest {
  @TempDir
  Path dir;

  private static final char[] PASS = "correct horse battery staple".toCharArray();

  private Path saved(NodeKeys k) {
    Path f = dir.resolve("data").resolve(NodeKeys.FILE_NAME);
    k.save(f, PASS, new SecureRandom());
    return f;
  }

  @Test
  void savesOwnerOnlyAndOpensWithThePassphrase() throws Exception {
    NodeKeys k = NodeKeys.generate(new SecureRandom());
    Path f = saved(k);
    assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(f)));
    assertEquals("rwx------", PosixFilePermissions.toString(Files.getPosixFilePermissions(f.getParent())));
    String text = Files.readString(f);
    assertFalse(text.contains(io.medledger.codec.Hex.encode(k.ledgerSecretKey().exportSecretBytes())), "secret in clear");
    NodeKeys back = NodeKeys.open(f, PASS);
    assertEquals(k.ledgerKey(), back.ledgerKey());
    assertArrayEquals(k.encryptionSecretKey().exportSecretBytes(), back.encryptionSecretKey().exportSecretBytes());
    assertArrayEquals(k.fragmentSigningSecretKey().exportSecretBytes(), back.fragmentSigningSecretKey().exportSecretBytes());
    assertEquals(k.ledgerKey(), NodeKeys.readPublicKey(f));
    byte[] msg = "m".getBytes(StandardCharsets.US_ASCII);
    assertTrue(k.ledgerKey().verify(msg, back.signer().sign(msg)));
    assertFalse(k.toString().contains(io.medledger.codec.Hex.encode(k.ledgerSecretKey().exportSecretBytes())));
  }

  /**
   * A save killed between writing its temporary copy and linking it leaves a sealed copy of the
   * keys beside the store; opening the store removes it (a passphrase file's copies likewise).
   */
  @Test
  void openingAKeyStoreRemovesTheCopiesACrashedSaveLeft() throws Exception {
    Path f = saved(NodeKeys.generate(new SecureRandom()));
    Path copy = f.resolveSibling("." + NodeKeys.FILE_NAME + ".5012345678901234567.tmp");
    Files.copy(f, copy);
    Path pass = dir.resolve("data").resolve("passphrase");
    Files.writeString(pass, new String(PASS) + "\n");
    Files.setPosixFilePermissions(pass, PosixFilePermissions.fromString("rw-------"));
    Path passCopy = pass.resolveSibling(".passphrase.77.tmp");
    Files.copy(pass, passCopy);
    Path unrelated = f.resolveSibling(".genesis.block.77.tmp");
    Files.copy(pass, unrelated);

    NodeKeys.open(f, PASS).destroy();
    assertFalse(Files.exists(copy), "the sealed copy is still there");
    java.util.Arrays.fill(NodeKeys.passphrase(new NodeConfig.KeySource.File(pass)), '\0');
    assertFalse(Files.exists(passCopy), "the passphrase copy is still there");
    assertTrue(Files.exists(unrelated));
  }

  @Test
  void refusesToOverwrite() {
    saved(NodeKeys.generate(new SecureRandom()));
    NodeException e = assertThrows(NodeException.class, () -> saved(NodeKeys.generate(new SecureRandom())));
    assertEquals(NodeException.Reason.KEY_STORE, e.reason());
  }

  @Test
  void aWrongPassphraseIsReported() {
    Path f = saved(NodeKeys.generate(new SecureRandom()));
    NodeException e = assertThrows(NodeException.class, () -> NodeKeys.open(f, "wrong".toCharArray()));
    assertEquals(NodeException.Reason.PASSPHRASE, e.reason());
    assertTrue(e.getMessage().startsWith("wrong passphrase for key store"), e.getMessage());
  }

  @Test
  void tamperingIsDetected() throws Exception {
    Path f = saved(NodeKeys.generate(new SecureRandom()));
    String text = Files.readString(f);
    // a flipped ciphertext nibble
    int at = text.indexOf("\"ciphertext\" : \"") + 16;
    char c = text.charAt(at);
    Files.writeString(f, text.substring(0, at) + (c == '0' ? '1' : '0') + text.substring(at + 1));
    assertThrows(NodeException.class, () -> NodeKeys.open(f, PASS));
    // another public key in clear (bound as associated data)
    String other = NodeKeys.generate(new SecureRandom()).ledgerKey().toHex();
    Files.writeString(f, text.replaceFirst("\"ledger_key\" : \"[0-9a-f]+\"", "\"ledger_key\" : \"" + other + "\""));
    assertEquals(NodeException.Reason.PASSPHRASE, assertThrows(NodeException.class, () -> NodeKeys.open(f, PASS)).reason());
    // lowered KDF cost (also bound)
    Files.writeString(f, text.replace("\"iterations\" : 2", "\"iterations\" : 1"));
    assertThrows(NodeException.class, () -> NodeKeys.open(f, PASS));
    // a KDF cost beyond the bound is refused before deriving
    Files.writeString(f, text.replace("\"memory_kib\" : 19456", "\"memory_kib\" : 999999999"));
    assertEquals(NodeException.Reason.KEY_STORE, assertThrows(NodeException.class, () -> NodeKeys.open(f, PASS)).reason());
    Files.writeString(f, text.replace("\"aead\"", "\"extra\" : 1, \"aead\""));
    assertEquals(NodeException.Reason.KEY_STORE, assertThrows(NodeException.class, () -> NodeKeys.open(f, PASS)).reason());
  }

  @Test
  void groupReadableKeyStoresAndPassphraseFilesAreRefused() throws Exception {
    Path f = saved(NodeKeys.generate(new SecureRandom()));
    Files.setPosixFilePermissions(f, PosixFilePermissions.fromString("rw-r-----"));
    NodeException e = assertThrows(NodeException.class, () -> NodeKeys.open(f, PASS));
    assertEquals(NodeException.Reason.KEY_STORE, e.reason());
    assertTrue(e.getMessage().contains("chmod 600"), e.getMessage());

    Path p = dir.resolve("passphrase");
    Files.writeString(p, "secret words\n");
    Files.setPosixFilePermissions(p, PosixFilePermissions.fromString("rw-r--r--"));
    NodeConfig.KeySource src = new NodeConfig.KeySource.File(p);
    assertEquals(NodeException.Reason.PASSPHRASE, assertThrows(NodeException.class, () -> NodeKeys.passphrase(src)).reason());
    Files.setPosixFilePermissions(p, PosixFilePermissions.fromString("rw-------"));
    assertArrayEquals("secret words".toCharArray(), NodeKeys.passphrase(src));
    assertThrows(NodeException.class, () -> NodeKeys.passphrase(new NodeConfig.KeySource.File(dir.resolve("none"))));
    assertThrows(NodeException.class,
        () -> NodeKeys.passphrase(new NodeConfig.KeySource.Environment("MEDLEDGER_SURELY_UNSET_VARIABLE")));
  }

  @Test
  void aMissingKeyStoreIsNamed() {
    NodeException e = assertThrows(NodeException.class, () -> NodeKeys.open(dir.resolve("nope.json"), PASS));
    assertTrue(e.getMessage().startsWith("no key store at"), e.getMessage());
  }

  @Test
  void aPassphraseFileOrKeyStoreThatIsAPipeIsRefusedAtOnce() throws Exception {
    Path p = dir.resolve("passphrase");
    assumeTrue(TestFiles.fifo(p), "mkfifo");
    // owner-only, like a passphrase file should be, but nothing ever writes to it
    NodeException e = assertTimeoutPreemptively(Duration.ofSeconds(10),
        () -> assertThrows(NodeException.class, () -> NodeKeys.passphrase(new NodeConfig.KeySource.File(p))));
    assertEquals(NodeException.Reason.PASSPHRASE, e.reason());
    assertTrue(e.getMessage().contains("not a regular file"), e.getMessage());
    Path k = dir.resolve("keys.json");
    assumeTrue(TestFiles.fifo(k), "mkfifo");
    NodeException ks = assertTimeoutPreemptively(Duration.ofSeconds(10),
        () -> assertThrows(NodeException.class, () -> NodeKeys.open(k, PASS)));
    assertEquals(NodeException.Reason.KEY_STORE, ks.reason());
    assertTrue(ks.getMessage().contains("not a regular file"), ks.getMessage());
    Path d = Files.createDirectory(dir.resolve("a-directory"));
    Files.setPosixFilePermissions(d, PosixFilePermissions.fromString("rwx------"));
    NodeException de = assertThrows(NodeException.class, () -> NodeKeys.passphrase(new NodeConfig.KeySource.File(d)));
    assertTrue(de.getMessage().contains("not a regular file"), de.getMessage());
  }

  @Test
  void aPassphraseFileThatIsNotUtf8IsRefusedNotFolded() throws Exception {
    // random bytes, as `head -c 32 /dev/urandom` writes them: every byte that is not UTF-8 was
    // read as U+FFFD, so two such files of different bytes gave the same passphrase
    Path a = dir.resolve("a");
    Path b = dir.resolve("b");
    Files.write(a, new byte[] {'k', (byte) 0xff, (byte) 0xfe, (byte) 0x80, 'y'});
    Files.write(b, new byte[] {'k', (byte) 0xc0, (byte) 0x81, (byte) 0xbf, 'y'});
    for (Path p : new Path[] {a, b}) {
      Files.setPosixFilePermissions(p, PosixFilePermissions.fromString("rw-------"));
      NodeException e = assertThrows(NodeException.class, () -> NodeKeys.passphrase(new NodeConfig.KeySource.File(p)));
      assertEquals(NodeException.Reason.PASSPHRASE, e.reason());
      assertTrue(e.getMessage().contains("not valid UTF-8"), e.getMessage());
    }
    Path c = dir.resolve("c");
    Files.write(c, "pässwort\r\n".getBytes(StandardCharsets.UTF_8));
    Files.setPosixFilePermissions(c, PosixFilePermissions.fromString("rw-------"));
    assertArrayEquals("pässwort".toCharArray(), NodeKeys.passphrase(new NodeConfig.KeySource.File(c)));
  }

  /**
   * A node reading its passphrase file left copies of the passphrase it could not wipe: two
   * {@code String}s (the file's text and its first line), the JDK's read buffer and the UTF-8
   * check's decoding buffer. In a heap dump of a JVM that read the file and wiped what it got,
   * the passphrase is now nowhere, neither as bytes nor as UTF-16.
   */
  @Test
  void readingAPassphraseFileLeavesNoCopyOfItOnTheHeap() throws Exception {
    assumeTrue(dir.getFileSystem().supportedFileAttributeViews().contains("posix"));
    byte[] secret = HeapResidue.randomAscii("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789", 48);
    Path file = dir.resolve("passphrase-file-of-this-test");
    Files.write(file, java.nio.ByteBuffer.allocate(secret.length + 13).put(secret)
        .put("\nsecond line\n".getBytes(StandardCharsets.US_ASCII)).array());
    Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-------"));
    Path dump = dir.resolve("heap.hprof");
    String out = HeapResidue.runChild(PassphraseResidueChild.class, file.toString(), dump.toString());
    assertTrue(out.contains("length=48"), out);
    HeapResidue.assertAbsent(Files.readAllBytes(dump), file.getFileName().toString(), secret, "passphrase");
  }

  @Test
  void aPassphraseFileOrKeyStoreOwnedByAnotherUserIsRefused() throws Exception {
    Path k = saved(NodeKeys.generate(new SecureRandom()));
    Path p = dir.resolve("passphrase");
    Files.writeString(p, new String(PASS) + "\n");
    Files.setPosixFilePermissions(p, PosixFilePermissions.fromString("rw-------"));
    java.nio.file.attribute.UserPrincipal other;
    try {
      other = dir.getFileSystem().getUserPrincipalLookupService().lookupPrincipalByName("nobody");
      Files.setOwner(p, other);
      Files.setOwner(k, other);
    } catch (IOException e) {
      other = null;
    }
    // only a process that may give files away (root) can set this up
    assumeTrue(other != null && Files.getOwner(p).equals(other) && !other.getName().equals(System.getProperty("user.name")),
        "chown to another user");
    // mode 0600, but of another account: that account reads the passphrase and can swap the key store
    NodeException e = assertThrows(NodeException.class, () -> NodeKeys.passphrase(new NodeConfig.KeySource.File(p)));
    assertEquals(NodeException.Reason.PASSPHRASE, e.reason());
    assertTrue(e.getMessage().contains("owned by nobody"), e.getMessage());
    NodeException ks = assertThrows(NodeException.class, () -> NodeKeys.open(k, PASS));
    assertEquals(NodeException.Reason.KEY_STORE, ks.reason());
    assertTrue(ks.getMessage().contains("owned by nobody"), ks.getMessage());
  }

  /**
   * Opening a key store split the decrypted 96 bytes with {@code Arrays.copyOfRange} into three
   * arrays no one wiped (and the Umbral parts into {@code BigInteger}s), and nothing could wipe the
   * Ed25519 key: in a heap dump of a JVM that opened the store and destroyed the keys (as a node
   * closing does), each of the three secrets is now nowhere.
   */
  @Test
  void openingAKeyStoreAndDestroyingTheKeysLeavesNoCopyOfThemOnTheHeap() throws Exception {
    NodeKeys k = NodeKeys.generate(new SecureRandom());
    Path f = dir.resolve("data").resolve(NodeKeys.FILE_NAME);
    k.save(f, PASS, new SecureRandom(), new io.medledger.internal.node.PassphraseSeal.Cost(8 * 1024, 1, 1));
    byte[][] secrets = {k.ledgerSecretKey().exportSecretBytes(), k.encryptionSecretKey().exportSecretBytes(),
        k.fragmentSigningSecretKey().exportSecretBytes()};
    Path dump = dir.resolve("heap.hprof");
    Path pass = dir.resolve("passphrase");
    Files.writeString(pass, new String(PASS) + "\n");
    Files.setPosixFilePermissions(pass, PosixFilePermissions.fromString("rw-------"));
    // the passphrase goes to the child in a file, as to a node, never on its command line
    String out = HeapResidue.runChild(KeyStoreResidueChild.class, f.toString(), pass.toString(), dump.toString());
    assertTrue(out.contains("destroyed=true"), out);
    byte[] heap = Files.readAllBytes(dump);
    assertTrue(Bytes.indexOf(heap, k.ledgerKey().toBytes()) >= 0, "the dump holds the keys' public halves");
    String[] names = {"ledger key", "encryption key", "fragment-signing key"};
    for (int i = 0; i < secrets.length; i++) {
      assertFalse(Bytes.indexOf(heap, secrets[i]) >= 0, "the " + names[i] + " is on the heap");
    }
  }

  @Test
  void destroyedKeysRefuseToSignOrExportAndSayNothingOfTheirSecrets() {
    NodeKeys k = NodeKeys.generate(new SecureRandom());
    String seed = io.medledger.codec.Hex.encode(k.ledgerSecretKey().exportSecretBytes());
    LedgerSigner signer = k.signer();
    k.destroy();
    assertTrue(k.isDestroyed() && k.ledgerSecretKey().isDestroyed() && k.encryptionSecretKey().isDestroyed()
        && k.fragmentSigningSecretKey().isDestroyed());
    byte[] msg = {1};
    IllegalStateException e = assertThrows(IllegalStateException.class, () -> signer.sign(msg));
    assertTrue(e.getMessage().contains("destroyed"), e.getMessage());
    assertThrows(IllegalStateException.class, () -> k.ledgerSecretKey().exportSecretBytes());
    assertThrows(IllegalStateException.class, () -> k.encryptionSecretKey().exportSecretBytes());
    assertTrue(k.toString().contains("destroyed") && !k.toString().contains(seed), k.toString());
    assertTrue(k.ledgerSecretKey().toString().contains("destroyed") && !k.ledgerSecretKey().toString().contains(seed));
    assertThrows(IllegalStateException.class, () -> k.save(dir.resolve("k.json"), PASS, new SecureRandom()));
    assertFalse(Files.exists(dir.resolve("k.json")));
  }
}
