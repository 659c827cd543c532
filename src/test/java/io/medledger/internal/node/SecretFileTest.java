package io.medledger.internal.node;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.medledger.codec.MalformedEncodingException;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SecretFileTest {
  @TempDir Path dir;

  private Path ownerOnly(String name, String content) throws IOException {
    Path p = dir.resolve(name);
    Files.writeString(p, content);
    Files.setPosixFilePermissions(p, PosixFilePermissions.fromString("rw-------"));
    return p;
  }

  @Test
  void anOwnerOnlyFileIsReadWhole() throws IOException {
    Path p = ownerOnly("secret", "correct horse\n");
    assertArrayEquals("correct horse\n".getBytes(StandardCharsets.UTF_8),
        SecretFile.read(p, 100, "secret", SecretFile.Access.OWNER_ONLY));
  }

  @Test
  void aFileSwappedBetweenTheCheckAndTheReadIsRefused() throws IOException {
    Path p = ownerOnly("secret", "the operator's passphrase\n");
    Path planted = ownerOnly("planted", "chosen by someone else\n");
    SecretFile.RefusedException e = assertThrows(SecretFile.RefusedException.class,
        () -> SecretFile.read(p, 100, "secret", SecretFile.Access.OWNER_ONLY,
            () -> Files.move(planted, p, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE)));
    assertEquals(SecretFile.RefusedException.Kind.CHANGED, e.kind());
    assertTrue(e.getMessage().startsWith(p + " was replaced"), e.getMessage());
  }

  @Test
  void aFileRewrittenInPlaceBetweenTheCheckAndTheReadIsRefused() throws IOException {
    Path p = ownerOnly("secret", "short\n");
    SecretFile.RefusedException e = assertThrows(SecretFile.RefusedException.class,
        () -> SecretFile.read(p, 100, "secret", SecretFile.Access.ANY,
            () -> Files.writeString(p, "a longer line written meanwhile\n")));
    assertEquals(SecretFile.RefusedException.Kind.CHANGED, e.kind());
  }

  @Test
  void aSymbolicLinkSwappedInBetweenTheCheckAndTheReadIsNotFollowed() throws IOException {
    Path p = ownerOnly("secret", "the operator's passphrase\n");
    Path other = ownerOnly("other-secret", "user:another secret of this account\n");
    SecretFile.RefusedException e = assertThrows(SecretFile.RefusedException.class,
        () -> SecretFile.read(p, 100, "secret", SecretFile.Access.ANY, () -> {
          Files.delete(p);
          Files.createSymbolicLink(p, other);
        }));
    assertEquals(SecretFile.RefusedException.Kind.LINK, e.kind());
  }

  @Test
  void aLinkAWideModeOrAnOversizedFileIsRefusedBeforeReading() throws IOException {
    Path target = ownerOnly("target", "x\n");
    Path link = Files.createSymbolicLink(dir.resolve("link"), target);
    assertEquals(SecretFile.RefusedException.Kind.LINK, assertThrows(SecretFile.RefusedException.class,
        () -> SecretFile.read(link, 100, "link", SecretFile.Access.OWNER_ONLY)).kind());
    Path wide = ownerOnly("wide", "x\n");
    Files.setPosixFilePermissions(wide, PosixFilePermissions.fromString("rw-r-----"));
    SecretFile.RefusedException m = assertThrows(SecretFile.RefusedException.class,
        () -> SecretFile.read(wide, 100, "wide", SecretFile.Access.OWNER_ONLY));
    assertEquals(SecretFile.RefusedException.Kind.MODE, m.kind());
    assertTrue(m.getMessage().contains("chmod 600"), m.getMessage());
    // a shared mode is fine where the file is not the process's own (a Bitcoin node's cookie)
    assertArrayEquals("x\n".getBytes(StandardCharsets.UTF_8), SecretFile.read(wide, 100, "wide", SecretFile.Access.ANY));
    Path big = ownerOnly("big", "y".repeat(101));
    MalformedEncodingException t = assertThrows(MalformedEncodingException.class,
        () -> SecretFile.read(big, 100, "the big file", SecretFile.Access.OWNER_ONLY));
    assertEquals("the big file is larger than 100 bytes", t.getMessage());
  }
}
