package io.medledger.internal.node;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.medledger.codec.MalformedEncodingException;
import io.medledger.crypto.Digest;
import io.medledger.crypto.Sha256;
import io.medledger.merkle.InclusionProof;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** The CHECKPOINT request and response encodings round-trip, and every truncation or extension is malformed. */
class ClientWireCheckpointTest {
  @Test
  void requestsAndBodiesRoundTripAndTruncationsAreMalformed() {
    Digest id = Sha256.hash(new byte[] {1});
    assertEquals(Optional.of(id), ClientWire.checkpointId(ClientWire.checkpoint(Optional.of(id))));
    assertEquals(Optional.empty(), ClientWire.checkpointId(ClientWire.checkpoint(Optional.empty())));
    assertThrows(MalformedEncodingException.class, () -> ClientWire.checkpointId(new byte[] {ClientWire.CHECKPOINT, 1}));

    byte[] note = "origin\n3\nAAAA\n\n\u2014 k x\n".getBytes(StandardCharsets.UTF_8);
    InclusionProof p = new InclusionProof(1, 3, List.of(Sha256.hash(new byte[] {2}), Sha256.hash(new byte[] {3})));
    byte[] body = ClientWire.checkpointBody(note, List.of("binding one", "binding two"), p);
    byte[] ok = ClientWire.ok(body);
    ClientWire.CheckpointBody back = ClientWire.checkpointBody(ok, 1);
    assertArrayEquals(note, back.note());
    assertEquals(List.of("binding one", "binding two"), back.bindings());
    assertEquals(Optional.of(p), back.proof());
    assertEquals(Optional.empty(), ClientWire.checkpointBody(ClientWire.ok(ClientWire.checkpointBody(note, List.of(),
        null)), 1).proof());
    for (int n = 1; n < ok.length; n++) {
      byte[] cut = Arrays.copyOf(ok, n);
      assertThrows(MalformedEncodingException.class, () -> ClientWire.checkpointBody(cut, 1), "cut at " + n);
    }
    byte[] longer = Arrays.copyOf(ok, ok.length + 1);
    assertThrows(MalformedEncodingException.class, () -> ClientWire.checkpointBody(longer, 1));
    byte[] huge = ok.clone();
    huge[1] = 0x7f;
    assertThrows(MalformedEncodingException.class, () -> ClientWire.checkpointBody(huge, 1));
  }
}
