package io.medledger.testing;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.common.primitives.Bytes;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import javax.management.ObjectName;

/**
 * Tests that a secret leaves no copy on the heap: a child JVM does the work and dumps its heap,
 * unreachable objects included, and the test searches the dump. Stateless.
 */
public final class HeapResidue {
  private HeapResidue() {}

  /**
   * Runs {@code main} in a JVM of its own with a young generation large enough that nothing is
   * collected (so a heap dump still holds what was garbage), and returns what it printed once it
   * exited 0 (within two minutes).
   */
  public static String runChild(Class<?> main, String... args) throws Exception {
    List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
        "-XX:+UseSerialGC", "-Xms128m", "-Xmx128m", "-Xmn96m", "-cp", System.getProperty("java.class.path"),
        main.getName()));
    cmd.addAll(List.of(args));
    Process child = new ProcessBuilder(cmd).redirectErrorStream(true).start();
    String out;
    try {
      child.getOutputStream().close();
      assertTrue(child.waitFor(120, TimeUnit.SECONDS), "the child did not finish in time");
      out = new String(child.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    } finally {
      child.destroyForcibly();
    }
    assertEquals(0, child.exitValue(), out);
    return out;
  }

  /** In the child: writes a heap dump with the unreachable objects too to {@code file}. */
  public static void dumpHeap(String file) throws Exception {
    // HotSpotDiagnosticMXBean.dumpHeap(file, live = false), through the platform MBean server
    ManagementFactory.getPlatformMBeanServer().invoke(new ObjectName("com.sun.management:type=HotSpotDiagnostic"),
        "dumpHeap", new Object[] {file, false}, new String[] {String.class.getName(), boolean.class.getName()});
  }

  /** {@code n} random characters of {@code alphabet}, as ASCII bytes: a secret easy to search for. */
  public static byte[] randomAscii(String alphabet, int n) {
    java.security.SecureRandom random = new java.security.SecureRandom();
    byte[] secret = new byte[n];
    for (int i = 0; i < n; i++) {
      secret[i] = (byte) alphabet.charAt(random.nextInt(alphabet.length()));
    }
    return secret;
  }

  /**
   * Asserts that the heap dump {@code heap} holds {@code marker} (so that it does hold the heap's
   * strings) and not the ASCII {@code secret}, neither as bytes (a {@code String} or a buffer) nor
   * as UTF-16 chars; {@code what} names the secret in failures.
   */
  public static void assertAbsent(byte[] heap, String marker, byte[] secret, String what) {
    assertTrue(Bytes.indexOf(heap, marker.getBytes(StandardCharsets.US_ASCII)) >= 0,
        "the dump holds the heap's strings (here " + marker + ")");
    byte[] utf16be = new byte[2 * secret.length];
    byte[] utf16le = new byte[2 * secret.length];
    for (int i = 0; i < secret.length; i++) {
      utf16be[2 * i + 1] = secret[i];
      utf16le[2 * i] = secret[i];
    }
    assertFalse(Bytes.indexOf(heap, secret) >= 0, "the " + what + " is on the heap as bytes (a String or a buffer)");
    assertFalse(Bytes.indexOf(heap, utf16be) >= 0 || Bytes.indexOf(heap, utf16le) >= 0,
        "the " + what + " is on the heap as chars");
  }
}
