package io.medledger.internal.codec;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.medledger.codec.MalformedEncodingException;
import org.junit.jupiter.api.Test;

/** The codec entry points: exact JSON output, and JSON input bounded and checked before parsing. */
class CodecsTest {
  @Test
  void toJsonWritesOneObject() {
    assertEquals("{\"a\":7}", Codecs.toJson(false, w -> w.u8("a", 7)));
  }

  @Test
  void fromJsonRefusesNoInputAndInputAboveTheLimit() {
    MalformedEncodingException e = assertThrows(MalformedEncodingException.class,
        () -> Codecs.fromJson(null, 100, "thing", r -> r.u8("a")));
    assertEquals("thing: no input", e.getMessage());
    String json = "{\"a\":7}";
    assertEquals(Integer.valueOf(7), Codecs.fromJson(json, json.length(), "thing", r -> r.u8("a")));
    e = assertThrows(MalformedEncodingException.class, () -> Codecs.fromJson(json, json.length() - 1, "thing",
        r -> r.u8("a")));
    assertTrue(e.getMessage().contains("longer than " + (json.length() - 1)), e.getMessage());
  }
}
