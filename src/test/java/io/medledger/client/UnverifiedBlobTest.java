package io.medledger.client;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.medledger.chain.MedicalRecord;
import io.medledger.federation.Federation;
import io.medledger.storage.BlobCorruptedException;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * A client checks the payload bytes a connection returns against the record's digest and size
 * itself, before decrypting: a connection that does not check (or lies) cannot hand the envelope
 * code other bytes, not even another valid envelope of the same patient.
 */
class UnverifiedBlobTest {
  private final Federation f = SmallFederation.builder("unverified-blob-test", 23).build();
  private final PatientClient anna = f.registerPatient("Anna");
  private final byte[] first = SmallFederation.observation("1");
  private final MedicalRecord annas = anna.upload(first).record();
  private final MedicalRecord other = anna.upload(SmallFederation.observation("2")).record();

  @AfterEach
  void close() {
    f.close();
  }

  private PatientClient over(byte[] served) {
    LedgerConnection lying = Connections.lying(f.connection(),
        Map.of("getBlob", a -> CompletableFuture.completedFuture(served.clone())));
    return PatientClient.open(lying, anna.identity());
  }

  private byte[] envelope(MedicalRecord m) {
    return f.connection().getBlob(m.payloadDigest(), List.of()).join();
  }

  @Test
  void anotherValidEnvelopeOfTheSamePatientIsRefusedBeforeDecryption() {
    BlobCorruptedException e = assertThrows(BlobCorruptedException.class, () -> over(envelope(other)).read(annas.id()));
    assertTrue(e.getMessage().contains(annas.payloadDigest().toString()), e.getMessage());
  }

  @Test
  void bytesOfAnotherLengthOrAlteredAreRefused() {
    byte[] good = envelope(annas);
    byte[] cut = Arrays.copyOf(good, good.length - 1);
    BlobCorruptedException e = assertThrows(BlobCorruptedException.class, () -> over(cut).read(annas.id()));
    assertTrue(e.getMessage().contains("not the " + good.length), e.getMessage());
    byte[] flipped = good.clone();
    flipped[flipped.length - 1] ^= 1;
    assertThrows(BlobCorruptedException.class, () -> over(flipped).read(annas.id()));
    assertArrayEquals(first, over(good).read(annas.id()), "the right bytes still read");
  }

  /**
   * The streamed read took whatever the connection's {@code openBlob} gave: another valid envelope
   * of the same patient opened, and its record was written out and reported as this one. The
   * stream is now checked against the record's digest and size as it is read, and the read fails.
   */
  @Test
  void aStreamedReadChecksTheStreamTheConnectionGives() {
    for (byte[] served : List.of(envelope(other), Arrays.copyOf(envelope(annas), envelope(annas).length + 1))) {
      LedgerConnection lying = Connections.lying(f.connection(), Map.of("openBlob",
          a -> CompletableFuture.completedFuture(new java.io.ByteArrayInputStream(served))));
      java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
      BlobCorruptedException e = assertThrows(BlobCorruptedException.class,
          () -> PatientClient.open(lying, anna.identity()).read(annas.id(), out));
      assertTrue(e.getMessage().contains(annas.payloadDigest().toString()), e.getMessage());
    }
    java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
    anna.read(annas.id(), out);
    assertArrayEquals(first, out.toByteArray(), "the right stream still reads");
  }
}
