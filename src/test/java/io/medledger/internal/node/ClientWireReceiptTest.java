package io.medledger.internal.node;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.medledger.codec.MalformedEncodingException;
import io.medledger.crypto.Digest;
import io.medledger.crypto.Sha256;
import java.util.Arrays;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** The RECEIPT request and response (client code 80): round trips, and every malformed form refused. */
class ClientWireReceiptTest {
  @Test
  void roundTrips() {
    Digest id = Sha256.hash(new byte[] {1});
    assertEquals(id, ClientWire.receiptId(ClientWire.receipt(id)));
    assertEquals(Optional.empty(), ClientWire.receiptJson(ClientWire.receiptResponse(Optional.empty())));
    assertEquals(Optional.of("{\"é\":1}"), ClientWire.receiptJson(ClientWire.receiptResponse(Optional.of("{\"é\":1}"))));
  }

  @Test
  void malformedRequestsAndResponsesAreRefused() {
    byte[] req = ClientWire.receipt(Sha256.hash(new byte[] {1}));
    assertThrows(MalformedEncodingException.class, () -> ClientWire.receiptId(Arrays.copyOf(req, 32)));
    assertThrows(MalformedEncodingException.class, () -> ClientWire.receiptId(Arrays.copyOf(req, 34)));
    assertThrows(MalformedEncodingException.class, () -> ClientWire.receiptJson(new byte[] {ClientWire.OK}));
    assertThrows(MalformedEncodingException.class, () -> ClientWire.receiptJson(new byte[] {ClientWire.OK, 2, '{'}));
    assertThrows(MalformedEncodingException.class, () -> ClientWire.receiptJson(new byte[] {ClientWire.OK, 1}));
    assertThrows(MalformedEncodingException.class, () -> ClientWire.receiptJson(new byte[] {ClientWire.OK, 0, 0}));
    assertThrows(MalformedEncodingException.class,
        () -> ClientWire.receiptJson(new byte[] {ClientWire.OK, 1, (byte) 0xc3, (byte) 0x28}), "not UTF-8");
    byte[] huge = new byte[ClientWire.MAX_RECEIPT_BYTES + 3];
    huge[1] = 1;
    assertThrows(MalformedEncodingException.class, () -> ClientWire.receiptJson(huge), "larger than a receipt may be");
  }
}
