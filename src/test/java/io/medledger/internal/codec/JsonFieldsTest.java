package io.medledger.internal.codec;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.medledger.codec.ByteString;
import io.medledger.codec.MalformedEncodingException;
import io.medledger.crypto.Digest;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import org.junit.jupiter.api.Test;

/**
 * The JSON view: the writer's exact output for every kind of field, and the reader's refusal of
 * every value out of its bounds (missing or unknown members, wrong types, upper-case or odd hex,
 * unpaired surrogates, too long, too many), each with {@link MalformedEncodingException}.
 */
class JsonFieldsTest {
  private static final String H = "00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff";
  private static final Digest D = Digest.fromHex(H);

  private static <T> T read(String json, Function<FieldReader, T> body) {
    return Codecs.fromJson(json, 10_000, "thing", body);
  }

  private static MalformedEncodingException refused(String json, Function<FieldReader, ?> body) {
    return assertThrows(MalformedEncodingException.class, () -> read(json, body));
  }

  private static MalformedEncodingException refused(Map<String, Object> members, Function<JsonFieldReader, ?> body) {
    return assertThrows(MalformedEncodingException.class, () -> body.apply(new JsonFieldReader(members)));
  }

  // ------------------------------------------------------------------ writer

  @Test
  void theWriterWritesEveryFieldKindExactly() {
    String json = Codecs.toJson(false, w -> {
      w.u8("a", 255);
      w.u32("b", 70000);
      w.i64("c", -5_000_000_000L);
      w.bool("d", true);
      w.bool("e", false);
      w.enumValue("f", 3, "three");
      w.digest("g", D);
      w.optionalDigest("h", null);
      w.optionalDigest("i", D);
      w.bytes("j", ByteString.of(new byte[] {(byte) 0xab, 1}));
      w.string("k", "x\"y");
      w.u8("z", 0);
    });
    assertEquals("{\"a\":255,\"b\":70000,\"c\":-5000000000,\"d\":true,\"e\":false,\"f\":\"three\",\"g\":\"" + H
        + "\",\"h\":null,\"i\":\"" + H + "\",\"j\":\"ab01\",\"k\":\"x\\\"y\",\"z\":0}", json);
  }

  @Test
  void theWriterClosesEveryListAndObjectBeforeTheNextMember() {
    String json = Codecs.toJson(false, w -> {
      w.digestList("d", List.of(D));
      w.bytesList("b", List.of(ByteString.of(new byte[] {1}), ByteString.EMPTY));
      w.stringList("s", List.of("p", "q"));
      w.object("o", x -> x.u8("a", 1));
      w.objectList("l", List.of(2, 3), (n, x) -> x.u8("a", n));
      w.digestList("e", List.of());
      w.u8("z", 9);
    });
    assertEquals("{\"d\":[\"" + H + "\"],\"b\":[\"01\",\"\"],\"s\":[\"p\",\"q\"],\"o\":{\"a\":1},"
        + "\"l\":[{\"a\":2},{\"a\":3}],\"e\":[],\"z\":9}", json);
  }

  @Test
  void whatTheWriterWritesTheReaderReads() {
    String json = Codecs.toJson(true, w -> {
      w.objectList("l", List.of(5), (n, x) -> x.u8("a", n));
      w.object("o", x -> x.string("s", "\ud83d\ude00"));
    });
    List<Object> out = read(json, r -> List.of(r.objectList("l", 1, x -> x.u8("a")), r.object("o", x -> x.string("s", 4))));
    assertEquals(List.of(List.of(5), "\ud83d\ude00"), out);
  }

  // ------------------------------------------------------------------ reader: integers, booleans, enums

  @Test
  void u8IsZeroTo255() {
    assertEquals(0, JsonFieldsTest.<Integer>read("{\"a\":0}", r -> r.u8("a")));
    assertEquals(255, JsonFieldsTest.<Integer>read("{\"a\":255}", r -> r.u8("a")));
    assertEquals("a out of range", refused("{\"a\":256}", r -> r.u8("a")).getMessage());
    refused("{\"a\":-1}", r -> r.u8("a"));
    refused("{\"a\":\"1\"}", r -> r.u8("a"));
  }

  @Test
  void u32IsZeroToItsMaximum() {
    assertEquals(0, JsonFieldsTest.<Integer>read("{\"a\":0}", r -> r.u32("a", 10)));
    assertEquals(10, JsonFieldsTest.<Integer>read("{\"a\":10}", r -> r.u32("a", 10)));
    assertEquals("a out of range 0..10", refused("{\"a\":11}", r -> r.u32("a", 10)).getMessage());
    refused("{\"a\":-1}", r -> r.u32("a", 10));
  }

  @Test
  void i64AndBool() {
    assertEquals(Long.MIN_VALUE, JsonFieldsTest.<Long>read("{\"a\":-9223372036854775808}", r -> r.i64("a")));
    assertTrue(JsonFieldsTest.<Boolean>read("{\"a\":true}", r -> r.bool("a")));
    assertFalse(JsonFieldsTest.<Boolean>read("{\"a\":false}", r -> r.bool("a")));
    assertEquals("a must be true or false", refused("{\"a\":1}", r -> r.bool("a")).getMessage());
  }

  @Test
  void enumsAreTheirLabels() {
    assertEquals(0, JsonFieldsTest.<Integer>read("{\"e\":\"x\"}", r -> r.enumValue("e", List.of("x", "y"))));
    assertEquals(1, JsonFieldsTest.<Integer>read("{\"e\":\"y\"}", r -> r.enumValue("e", List.of("x", "y"))));
    assertEquals("e: unknown value 'z'", refused("{\"e\":\"z\"}", r -> r.enumValue("e", List.of("x", "y"))).getMessage());
  }

  // ------------------------------------------------------------------ reader: hex

  @Test
  void digestsAre64LowercaseHexDigits() {
    assertEquals(D, read("{\"d\":\"" + H + "\"}", r -> r.digest("d")));
    assertEquals("d must be lowercase hex", refused("{\"d\":\"" + H.toUpperCase() + "\"}", r -> r.digest("d")).getMessage());
    assertEquals("d must be 64 hex digits", refused("{\"d\":\"" + H.substring(2) + "\"}", r -> r.digest("d")).getMessage());
    refused("{\"d\":\"" + H + "00\"}", r -> r.digest("d"));
    assertNull(read("{\"d\":null}", r -> r.optionalDigest("d")));
    assertEquals(D, read("{\"d\":\"" + H + "\"}", r -> r.optionalDigest("d")));
    refused("{\"d\":\"00\"}", r -> r.optionalDigest("d"));
  }

  @Test
  void hexRefusesEveryCharacterNextToTheDigitRanges() {
    for (String c : List.of("/", ":", "`", "g", "A", "F")) {
      MalformedEncodingException e = refused("{\"b\":\"0" + c + "\"}", r -> r.bytes("b", 10));
      assertEquals("b must be lowercase hex", e.getMessage(), c);
    }
    assertEquals(ByteString.of(new byte[] {0x09, (byte) 0xaf}), read("{\"b\":\"09af\"}", r -> r.bytes("b", 10)));
    assertEquals("b has an odd number of hex digits", refused("{\"b\":\"abc\"}", r -> r.bytes("b", 10)).getMessage());
  }

  @Test
  void bytesAreAtMostTheirMaximum() {
    assertEquals(2, JsonFieldsTest.<ByteString>read("{\"b\":\"0102\"}", r -> r.bytes("b", 2)).size());
    assertEquals(ByteString.EMPTY, read("{\"b\":\"\"}", r -> r.bytes("b", 0)));
    assertEquals("b is longer than 1 bytes", refused("{\"b\":\"0102\"}", r -> r.bytes("b", 1)).getMessage());
  }

  // ------------------------------------------------------------------ reader: strings

  @Test
  void stringsAreBoundedInUtf8Bytes() {
    assertEquals("ab", read("{\"s\":\"ab\"}", r -> r.string("s", 2)));
    assertEquals("s is longer than 1 bytes", refused("{\"s\":\"ab\"}", r -> r.string("s", 1)).getMessage());
    // two characters, four UTF-8 bytes
    assertEquals("\u00e9\u00e9", read("{\"s\":\"\u00e9\u00e9\"}", r -> r.string("s", 4)));
    refused("{\"s\":\"\u00e9\u00e9\"}", r -> r.string("s", 3));
    refused("{\"s\":7}", r -> r.string("s", 3));
  }

  @Test
  void stringsRefuseUnpairedSurrogates() {
    assertEquals("a\ud83d\ude00b", new JsonFieldReader(Map.of("s", "a\ud83d\ude00b")).string("s", 10));
    for (String bad : List.of("a\ud83d", "\ud83db", "\ude00a", "a\ude00", "\ud83d\ud83d")) {
      MalformedEncodingException e = refused(Map.of("s", bad), r -> r.string("s", 10));
      assertEquals("s has an unpaired surrogate", e.getMessage());
    }
  }

  // ------------------------------------------------------------------ reader: lists and objects

  @Test
  void listsAreAtMostTheirCount() {
    assertEquals(List.of(D, D), read("{\"l\":[\"" + H + "\",\"" + H + "\"]}", r -> r.digestList("l", 2)));
    assertEquals("l has more than 1 items", refused("{\"l\":[\"" + H + "\",\"" + H + "\"]}", r -> r.digestList("l", 1)).getMessage());
    refused("{\"l\":[\"00\"]}", r -> r.digestList("l", 2));
    refused("{\"l\":\"" + H + "\"}", r -> r.digestList("l", 2));

    assertEquals(List.of(ByteString.of(new byte[] {1}), ByteString.EMPTY), read("{\"l\":[\"01\",\"\"]}", r -> r.bytesList("l", 2, 1)));
    refused("{\"l\":[\"01\",\"\"]}", r -> r.bytesList("l", 1, 1));
    refused("{\"l\":[\"0102\"]}", r -> r.bytesList("l", 2, 1));

    assertEquals(List.of("a", "bc"), read("{\"l\":[\"a\",\"bc\"]}", r -> r.stringList("l", 2, 2)));
    refused("{\"l\":[\"a\",\"bc\"]}", r -> r.stringList("l", 1, 2));
    refused("{\"l\":[\"a\",\"bc\"]}", r -> r.stringList("l", 2, 1));
  }

  @Test
  void nestedObjectsRefuseUnknownMembers() {
    assertEquals(1, JsonFieldsTest.<Integer>read("{\"o\":{\"a\":1}}", r -> r.object("o", x -> x.u8("a"))));
    assertEquals("unknown JSON member 'b'", refused("{\"o\":{\"a\":1,\"b\":2}}", r -> r.object("o", x -> x.u8("a"))).getMessage());
    refused("{\"o\":[1]}", r -> r.object("o", x -> x.u8("a")));

    assertEquals(List.of(1, 2), read("{\"l\":[{\"a\":1},{\"a\":2}]}", r -> r.objectList("l", 2, x -> x.u8("a"))));
    assertEquals("unknown JSON member 'b'",
        refused("{\"l\":[{\"a\":1},{\"a\":2,\"b\":3}]}", r -> r.objectList("l", 2, x -> x.u8("a"))).getMessage());
    refused("{\"l\":[{\"a\":1},{\"a\":2}]}", r -> r.objectList("l", 1, x -> x.u8("a")));
  }

  @Test
  void theSharedFailureIsAMalformedEncodingWithTheMessage() {
    MalformedEncodingException e = FieldReader.malformed("bad thing");
    assertEquals("bad thing", e.getMessage());
  }

  @Test
  void membersMustBePresentOnceAndNoneLeftOver() {
    assertEquals("missing JSON member 'a'", refused("{}", r -> r.u8("a")).getMessage());
    assertEquals("unknown JSON member 'b'", refused("{\"a\":1,\"b\":2}", r -> r.u8("a")).getMessage());
    // a member is consumed by its read: reading it twice is a missing member
    refused("{\"a\":1}", r -> r.u8("a") + r.u8("a"));
    // members in any order
    assertEquals(List.of(1, 2), read("{\"b\":2,\"a\":1}", r -> List.of(r.u8("a"), r.u8("b"))));
  }
}
