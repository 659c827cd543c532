package io.medledger.internal.node;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.medledger.codec.MalformedEncodingException;
import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import org.junit.jupiter.api.Test;

class EnvironmentSecretTest {
  private static ByteBuffer environ(byte[]... entries) {
    ByteArrayOutputStream b = new ByteArrayOutputStream();
    for (byte[] e : entries) {
      b.writeBytes(e);
      b.write(0);
    }
    return ByteBuffer.wrap(b.toByteArray());
  }

  private static byte[] utf8(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }

  @Test
  void findsTheVariableByItsWholeNameAsBytes() {
    ByteBuffer env = environ(utf8("PASSPHRASE_OLD=wrong"), utf8("PASS=short"), utf8("PASSPHRASE=s3cret=with équals"),
        utf8("PASSPHRASE=second"), utf8("EMPTY="));
    assertArrayEquals("s3cret=with équals".toCharArray(), EnvironmentSecret.find(env, "PASSPHRASE"));
    assertArrayEquals("short".toCharArray(), EnvironmentSecret.find(env, "PASS"));
    assertArrayEquals(new char[0], EnvironmentSecret.find(env, "EMPTY"));
    assertNull(EnvironmentSecret.find(env, "PASSPHRAS"));
    assertNull(EnvironmentSecret.find(env, "MISSING"));
    assertNull(EnvironmentSecret.find(ByteBuffer.allocate(0), "PASSPHRASE"));
  }

  @Test
  void aValueThatIsNotUtf8IsRefusedWithoutShowingIt() {
    ByteBuffer env = environ(new byte[] {'P', '=', 'a', (byte) 0xc3, (byte) 0x28});
    MalformedEncodingException e =
        assertThrows(MalformedEncodingException.class, () -> EnvironmentSecret.find(env, "P"));
    assertEquals("environment variable P is not valid UTF-8", e.getMessage());
  }

  @Test
  void readsTheProcessEnvironmentAsGetenvDoes() {
    for (Map.Entry<String, String> v : System.getenv().entrySet()) {
      if (StandardCharsets.US_ASCII.newEncoder().canEncode(v.getValue())) {
        assertArrayEquals(v.getValue().toCharArray(), EnvironmentSecret.read(v.getKey()), v.getKey());
      }
    }
    assertNull(EnvironmentSecret.read("MEDLEDGER_SURELY_UNSET_" + System.nanoTime()));
  }
}
