package io.medledger.node;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.medledger.codec.MalformedEncodingException;
import io.medledger.testing.HostileText;
import java.util.List;
import org.junit.jupiter.api.Test;

class PeerAddressTest {
  /**
   * An address is text from a configuration file or a command line: text that is not
   * {@code host:port} threw {@code IllegalArgumentException}, outside the module's exception
   * hierarchy (the parsers of node.json and client.json mapped it, other callers did not).
   */
  @Test
  void hostileAddressTextIsRejectedOnlyAsMalformed() {
    assertEquals(new PeerAddress("::1", 7000), PeerAddress.parse("[::1]:7000"));
    for (String t : new String[] {"", "host", "host:", ":7000", "host:port", "host:70000", "ho st:1", "h:-1"}) {
      assertThrows(MalformedEncodingException.class, () -> PeerAddress.parse(t), t);
    }
    HostileText.check("peer address", 41, List.of("127.0.0.1:7000", "[::1]:7001", "node-2.example.org:443", "h:0"),
        PeerAddress::parse);
  }
}
