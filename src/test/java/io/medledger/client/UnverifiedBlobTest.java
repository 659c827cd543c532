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
  private final MedicalRecord annas = anna.upload(first);
  private final MedicalRecord other = anna.upload(SmallFederation.observation("2"));

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
}
