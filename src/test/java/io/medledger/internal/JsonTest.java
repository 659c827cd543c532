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

  /**
   * A number whose exponent no {@code BigDecimal} holds made the parser throw a bare
   * {@code NumberFormatException} (outside the library's exceptions), so a FHIR upload holding one
   * failed with it once the indexer had taken the document: it is malformed input.
   */
  @Test
  void aNumberWhoseExponentNoDecimalHoldsIsMalformed() {
    for (String doc : List.of("{\"x\":1e2147483648}", "[-1e-2147483649]", "2.5E+99999999999")) {
      assertThrows(MalformedEncodingException.class, () -> Json.parse(doc), doc);
      assertThrows(MalformedEncodingException.class, () -> Json.parse(doc.getBytes(StandardCharsets.UTF_8)), doc);
      assertThrows(MalformedEncodingException.class,
          () -> Json.parse(new java.io.ByteArrayInputStream(doc.getBytes(StandardCharsets.UTF_8))), doc);
    }
  }
}
