package io.medledger.internal;

import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.medledger.codec.MalformedEncodingException;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;

/** What {@link Json#parse} refuses besides its size bounds. */
class JsonTest {
  /**
   * A key repeated after a {@code null} value was taken (the later value won), so a document could
   * read differently here and in a parser keeping the first value, such as jackson's strict mode in
   * {@code FhirIndexer}.
   */
  @Test
  void everyRepeatedKeyIsRefusedWhateverItsFirstValue() {
    for (String doc : List.of("{\"a\":1,\"a\":2}", "{\"a\":null,\"a\":\"Patient\"}", "{\"x\":{\"a\":null,\"a\":null}}")) {
      MalformedEncodingException e = assertThrows(MalformedEncodingException.class, () -> Json.parse(doc), doc);
      assertTrue(e.getMessage().contains("duplicate JSON key 'a'"), e.getMessage());
      assertThrows(MalformedEncodingException.class,
          () -> Json.parse(new java.io.ByteArrayInputStream(doc.getBytes(StandardCharsets.UTF_8))), doc);
    }
  }
}
