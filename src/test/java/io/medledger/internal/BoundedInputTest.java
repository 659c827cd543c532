package io.medledger.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.medledger.codec.MalformedEncodingException;
import java.io.ByteArrayInputStream;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Issue 13, finding 6: the caps of the one bounded reader and of {@link Json}. */
class BoundedInputTest {
  /** An endless stream of {@code fill} after {@code head}. */
  private static InputStream endless(String head, byte fill) {
    byte[] h = head.getBytes(StandardCharsets.US_ASCII);
    return new InputStream() {
      long pos;

      @Override
      public int read() {
        return pos < h.length ? h[(int) pos++] : fill;
      }

      @Override
      public int read(byte[] b, int off, int len) {
        for (int i = 0; i < len; i++) {
          b[off + i] = (byte) read();
        }
        return len;
      }
    };
  }

  @Test
  void streamsAreCutAtTheByteCap() {
    MalformedEncodingException e = assertThrows(MalformedEncodingException.class,
        () -> Json.parse(endless("[", (byte) ' ')));
    assertTrue(e.getMessage().contains("larger than " + BoundedInput.MAX_BYTES), e.getMessage());
    assertThrows(MalformedEncodingException.class, () -> BoundedInput.read(endless("", (byte) 0), 1000, "x"));
  }

  @Test
  void tokensAndElementsAreCapped() {
    // 2 tokens per element: {"cases":[{},{},...]} past the token cap
    String tokens = "{\"cases\":[" + "{},".repeat((int) (Json.MAX_TOKENS / 2)) + "{}]}";
    MalformedEncodingException t = assertThrows(MalformedEncodingException.class, () -> Json.parse(tokens));
    assertTrue(t.getMessage().toLowerCase().contains("token count"), t.getMessage());
    // 1 token per element: more members than the element cap in one array, under the token cap
    String elements = "[" + "0,".repeat(Json.MAX_ELEMENTS) + "0]";
    MalformedEncodingException el = assertThrows(MalformedEncodingException.class,
        () -> Json.parse(elements.getBytes(StandardCharsets.US_ASCII)));
    assertTrue(el.getMessage().contains("more than " + Json.MAX_ELEMENTS + " members"), el.getMessage());
    // at the caps, documents still parse
    assertEquals(Json.MAX_ELEMENTS, ((List<?>) Json.parse("[" + "0,".repeat(Json.MAX_ELEMENTS - 1) + "0]")).size());
    assertEquals(Map.of("a", List.of()), Json.parse(new ByteArrayInputStream("{\"a\":[]}".getBytes(StandardCharsets.UTF_8))));
  }

  @Test
  void utf8IsCheckedStrictly() {
    assertThrows(MalformedEncodingException.class, () -> BoundedInput.checkUtf8(new byte[] {(byte) 0xc3}, "x"));
    assertThrows(MalformedEncodingException.class, () -> BoundedInput.checkUtf8(new byte[] {(byte) 0xed, (byte) 0xa0, (byte) 0x80}, "x"));
    byte[] ok = "Adán 张无忌".repeat(5000).getBytes(StandardCharsets.UTF_8);
    assertEquals("Adán 张无忌".repeat(5000), BoundedInput.utf8(ok, "x"));
  }
}
