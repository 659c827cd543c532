package io.medledger.anchor.bitcoin;

import static org.junit.jupiter.api.Assertions.assertTrue;

import io.medledger.testing.HeapResidue;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Base64;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** What calls authenticated with Bitcoin Core's cookie leave on the heap. */
class RpcCookieResidueTest {
  @TempDir
  Path dir;

  /**
   * Each call read the cookie file into a {@code String}, stripped it into another and encoded it
   * from a third copy of its bytes, none of which can be wiped: a heap dump of a node held the
   * cookie in clear many times over. Now it is read into wiped buffers and only the header's Base64
   * (java.net.http takes header values as {@code String}s alone) is left.
   */
  @Test
  void callsWithACookieLeaveNoCopyOfItInClearOnTheHeap() throws Exception {
    byte[] secret = HeapResidue.randomAscii("abcdef0123456789", 64);
    Path cookie = dir.resolve("cookie-file-of-this-test");
    byte[] content = ("__cookie__:" + new String(secret, StandardCharsets.US_ASCII)).getBytes(StandardCharsets.US_ASCII);
    Files.write(cookie, content);
    Path dump = dir.resolve("heap.hprof");
    String out = HeapResidue.runChild(CookieResidueChild.class, cookie.toString(), dump.toString());
    assertTrue(out.contains("authorization=Basic " + Base64.getEncoder().encodeToString(content)), out);
    HeapResidue.assertAbsent(Files.readAllBytes(dump), cookie.getFileName().toString(), secret, "cookie in clear");
  }
}
