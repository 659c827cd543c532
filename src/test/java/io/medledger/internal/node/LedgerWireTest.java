package io.medledger.internal.node;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.medledger.access.InstitutionClass;
import io.medledger.access.Participant;
import io.medledger.access.ParticipantId;
import io.medledger.access.ParticipantKind;
import io.medledger.codec.MalformedEncodingException;
import io.medledger.crypto.Ed25519PrivateKey;
import java.security.SecureRandom;
import java.util.Optional;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** The remote request encoding: round trips, and every bound checked before anything is allocated. */
class LedgerWireTest {
  @Test
  void fieldsRoundTrip() {
    Ed25519PrivateKey k = Ed25519PrivateKey.generate(new SecureRandom());
    Participant p = new Participant(ParticipantKind.INSTITUTION, k.publicKey(), Optional.empty(),
        Optional.of(InstitutionClass.C), 7, true);
    ParticipantId id = ParticipantId.of(k.publicKey());
    byte[] m = new LedgerWire.Writer(ClientWire.OK).participant(p).optionalId(Optional.of(id)).string("é").i64(-1)
        .bytes(new byte[] {1, 2}).toBytes();
    LedgerWire.Reader r = new LedgerWire.Reader(m, 1);
    assertEquals(p, r.participant());
    assertEquals(Optional.of(id), r.optionalId());
    assertEquals("é", r.string());
    assertEquals(-1, r.i64());
    assertEquals(2, r.bytes(2).length);
    r.end();
  }

  @Test
  void lengthsAboveTheirBoundTruncationAndTrailingBytesAreRefused() {
    byte[] huge = new LedgerWire.Writer((byte) 0).i32(Integer.MAX_VALUE).toBytes();
    assertThrows(MalformedEncodingException.class, () -> new LedgerWire.Reader(huge, 1).bytes(1 << 20));
    byte[] claimed = new LedgerWire.Writer((byte) 0).i32(100).u8(1).toBytes();
    assertThrows(MalformedEncodingException.class, () -> new LedgerWire.Reader(claimed, 1).bytes(1000));
    assertThrows(MalformedEncodingException.class, () -> new LedgerWire.Reader(new byte[] {0, 1, 2}, 1).i64());
    assertThrows(MalformedEncodingException.class, () -> new LedgerWire.Reader(new byte[] {0, 2}, 1).bool());
    assertThrows(MalformedEncodingException.class, () -> new LedgerWire.Reader(new byte[] {0, 99}, 1)
        .constant(ParticipantKind.values()));
    LedgerWire.Reader trailing = new LedgerWire.Reader(new byte[] {0, 1, 0}, 1);
    trailing.bool();
    assertThrows(MalformedEncodingException.class, trailing::end);
  }

  @Test
  void randomBytesNeverDecodeToAnythingButAParticipantOrARefusal() {
    Random rnd = new Random(11);
    for (int i = 0; i < 20_000; i++) {
      byte[] b = new byte[rnd.nextInt(120)];
      rnd.nextBytes(b);
      try {
        LedgerWire.Reader r = new LedgerWire.Reader(b, 0);
        r.participant();
        r.card();
      } catch (MalformedEncodingException expected) {
        // the only way hostile bytes may fail
      }
    }
  }
}
