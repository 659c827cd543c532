package io.medledger.node;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.medledger.crypto.Digest;
import io.medledger.crypto.Ed25519PrivateKey;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.nio.file.attribute.PosixFilePermissions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A client's {@code trusted_block}: optional, read back as written, and a bad value names its field. */
class ClientTrustedBlockConfigTest {
  private static final Digest HASH = Digest.fromHex("ab".repeat(32));
  @TempDir
  Path dir;

  private ClientConfig plain() {
    return new ClientConfig("test-chain", dir.resolve("client.keys"), new NodeConfig.KeySource.File(dir.resolve("passphrase")),
        List.of(new ClientConfig.NodeEndpointConfig(Ed25519PrivateKey.generate(new SecureRandom()).publicKey(),
            new PeerAddress("127.0.0.1", 7001), ServerRole.FEDERATION)));
  }

  private Path write(String json) throws Exception {
    Path f = dir.resolve("client.json");
    Files.writeString(f, json);
    Files.setPosixFilePermissions(f, PosixFilePermissions.fromString("rw-r--r--"));
    return f;
  }

  private void refusedNaming(String json, String field) throws Exception {
    Path f = write(json);
    NodeException e = assertThrows(NodeException.class, () -> ClientConfig.read(f));
    assertEquals(NodeException.Reason.CONFIG, e.reason());
    assertTrue(e.getMessage().contains("'" + field + "'"), e.getMessage());
  }

  @Test
  void aTrustedBlockIsOptionalAndRoundTrips() throws Exception {
    ClientConfig plain = plain();
    assertEquals(Optional.empty(), plain.trustedBlock());
    assertFalse(plain.toJson(dir).contains("trusted_block"));
    assertEquals(plain, ClientConfig.read(write(plain.toJson(dir))));
    ClientConfig pinned = plain.withTrustedBlock(new ClientConfig.TrustedBlock(1234, HASH));
    String json = pinned.toJson(dir);
    assertTrue(json.contains("\"trusted_block\"") && json.contains(HASH.toHex()), json);
    ClientConfig read = ClientConfig.read(write(json));
    assertEquals(pinned, read);
    assertEquals(Optional.of(new ClientConfig.TrustedBlock(1234, HASH)), read.trustedBlock());
  }

  @Test
  void aBadTrustedBlockNamesItsField() throws Exception {
    String json = plain().withTrustedBlock(new ClientConfig.TrustedBlock(1234, HASH)).toJson(dir);
    refusedNaming(json.replace("1234", "0"), "trusted_block.height");
    refusedNaming(json.replace("1234", "-5"), "trusted_block.height");
    refusedNaming(json.replace("1234", "\"1234\""), "trusted_block.height");
    refusedNaming(json.replace(HASH.toHex(), HASH.toHex().substring(2)), "trusted_block.hash");
    refusedNaming(json.replace(HASH.toHex(), "zz" + HASH.toHex().substring(2)), "trusted_block.hash");
    refusedNaming(json.replace("\"hash\"", "\"hash\" : \"" + HASH.toHex() + "\", \"hight\""), "trusted_block.hight");
    refusedNaming(json.replace("\"height\" : 1234,", ""), "trusted_block.height");
    NodeException e = assertThrows(NodeException.class, () -> new ClientConfig.TrustedBlock(0, HASH));
    assertTrue(e.getMessage().contains("'trusted_block.height'"), e.getMessage());
  }

  @Test
  void aHeaderCacheIsOptionalResolvedAgainstTheFileAndRoundTrips() throws Exception {
    ClientConfig plain = plain();
    assertEquals(Optional.empty(), plain.headerCache());
    assertFalse(plain.toJson(dir).contains("header_cache"));
    ClientConfig cached = plain.withTrustedBlock(new ClientConfig.TrustedBlock(7, HASH)).withHeaderCache(dir.resolve("headers"));
    String json = cached.toJson(dir);
    assertTrue(json.contains("\"header_cache\" : \"headers\""), json);
    ClientConfig read = ClientConfig.read(write(json));
    assertEquals(cached, read);
    assertEquals(Optional.of(dir.resolve("headers").toAbsolutePath().normalize()), read.headerCache());
    assertEquals(Optional.of(new ClientConfig.TrustedBlock(7, HASH)), read.trustedBlock());
    refusedNaming(json.replace("\"headers\"", "7"), "header_cache");
  }
}
