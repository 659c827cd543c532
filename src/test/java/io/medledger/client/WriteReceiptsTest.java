package io.medledger.client;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.medledger.chain.MedicalRecord;
import io.medledger.codec.ByteString;
import io.medledger.crypto.Digest;
import io.medledger.crypto.Ed25519PrivateKey;
import io.medledger.federation.Federation;
import io.medledger.storage.ReplicatedBlobStore;
import io.medledger.storage.StorageReceipt;
import io.medledger.storage.StorageStatement;
import java.io.ByteArrayInputStream;
import java.io.InputStream;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Every typed write hands on the receipts its connection's placements carry: a clinician's write
 * (its payload and de-identified copy), streamed write and amendment, and a patient's upload of
 * either kind. The connection here signs a receipt for each placement with a stand-in node key,
 * as a store of attesting storage nodes does; {@code node.RemoteStorageReceiptsTest} checks the
 * real nodes' receipts over TLS.
 */
class WriteReceiptsTest {
  private final Federation f = SmallFederation.builder("write-receipts-test", 43).build();
  private final PatientClient anna = f.registerPatient("Anna");
  private final ClinicianClient lee = f.registerClinician("Dr Lee", "Hospital A");
  private final Ed25519PrivateKey node = Ed25519PrivateKey.generate(SmallFederation.seeded(7));
  private final Digest chain = f.connection().parameters().chainId();

  @AfterEach
  void close() {
    f.close();
  }

  /** {@code real}, whose placements carry a receipt of {@link #node} for the blob written. */
  private LedgerConnection attesting(LedgerConnection real) {
    return Connections.lying(real, Map.of("putBlob", args -> {
      CompletableFuture<ReplicatedBlobStore.Placement> p = args[0] instanceof byte[] b ? real.putBlob(b)
          : real.putBlob((InputStream) args[0]);
      return p.thenApply(placed -> {
        StorageStatement.Held held = new StorageStatement.Held(chain, placed.id(), placed.size(), Instant.now());
        Map<String, StorageReceipt> receipts = new LinkedHashMap<>(placed.receipts());
        receipts.put("attesting", new StorageReceipt(node.publicKey(), held,
            ByteString.of(node.sign(StorageReceipt.message(node.publicKey(), held)))));
        return new ReplicatedBlobStore.Placement(placed.id(), placed.size(), placed.nodeIds(), receipts);
      });
    }));
  }

  /** The blobs {@code w}'s receipts are about, each checked against the stand-in node's key. */
  private Set<Digest> receiptBlobs(WrittenRecord w) {
    for (StorageReceipt r : w.storageReceipts()) {
      assertTrue(StorageReceipt.decode(r.encode()).verify(node.publicKey(), chain));
    }
    return w.storageReceipts().stream().map(r -> r.statement().blob()).collect(Collectors.toSet());
  }

  private static Set<Digest> blobs(MedicalRecord r) {
    return r.deidentified().map(d -> Set.of(r.payloadDigest(), d.payloadDigest())).orElse(Set.of(r.payloadDigest()));
  }

  @Test
  void aClinicianAndAPatientGetTheReceiptsOfEveryWrite() {
    anna.grant(GrantRequest.treatment(lee.id()));
    ClinicianClient doctor = ClinicianClient.open(attesting(f.connection()), lee.identity());
    PatientClient patient = PatientClient.open(attesting(f.connection()), anna.identity());

    WrittenRecord written = doctor.write(anna.id(), SmallFederation.observation("4548-4"));
    assertEquals(2, blobs(written.record()).size(), "a payload and its de-identified copy");
    assertEquals(blobs(written.record()), receiptBlobs(written));
    assertEquals(1, written.payloadReceipts().size());

    WrittenRecord amended = doctor.amend(written.id(), SmallFederation.observation("2345-7"));
    assertEquals(written.id(), amended.record().amends().orElseThrow());
    assertEquals(blobs(amended.record()), receiptBlobs(amended));

    WrittenRecord streamed = doctor.write(anna.id(), "Media", new ByteArrayInputStream(new byte[5000]));
    assertEquals(Set.of(streamed.record().payloadDigest()), receiptBlobs(streamed));

    for (WrittenRecord own : List.of(patient.upload(SmallFederation.observation("718-7")),
        patient.upload("Media", new ByteArrayInputStream(new byte[3000])))) {
      assertEquals(blobs(own.record()), receiptBlobs(own));
    }
  }
}
