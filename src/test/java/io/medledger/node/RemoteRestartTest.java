package io.medledger.node;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.medledger.chain.AccessGrant;
import io.medledger.chain.MedicalRecord;
import io.medledger.client.AccessRefusedException;
import io.medledger.client.AccessRight;
import io.medledger.client.ClinicianClient;
import io.medledger.client.GrantRequest;
import io.medledger.client.Identity;
import io.medledger.client.PatientClient;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The remote variant of {@code ReopenFromExportedKeysTest}: after every node restarts from its
 * data directory, clients reopened over new connections from keys exported under a passphrase
 * read, grant and revoke as before (the key cards published to the nodes survive the restart).
 */
class RemoteRestartTest {
  @TempDir
  Path dir;
  private RemoteFederation net;

  @AfterEach
  void close() {
    if (net != null) {
      net.close();
    }
  }

  @Test
  void afterANodeRestartClientsReopenedFromExportedKeysReadGrantAndRevoke() {
    net = RemoteFederation.start(dir.resolve("net"));
    PatientClient anna = net.registerPatient("Anna");
    ClinicianClient lee = net.registerClinician("Dr Lee", "Hospital A1");
    MedicalRecord rec = anna.upload(RemoteClientTest.RECORD).record();
    char[] pw = "correct horse battery staple".toCharArray();
    byte[] annaKeys = anna.identity().exportEncrypted(pw);
    byte[] leeKeys = lee.identity().exportEncrypted(pw);

    net.restart();
    Identity annaId = Identity.importEncrypted(annaKeys, pw);
    Identity leeId = Identity.importEncrypted(leeKeys, pw);
    PatientClient anna2 = PatientClient.open(net.connection(annaId), annaId);
    ClinicianClient lee2 = ClinicianClient.open(net.connection(leeId), leeId);
    assertArrayEquals(RemoteClientTest.RECORD, anna2.read(rec.id()));
    AccessGrant g = anna2.grant(GrantRequest.treatment(lee2.id()));
    assertArrayEquals(RemoteClientTest.RECORD, lee2.read(rec.id()));
    anna2.revoke(g.id());
    AccessRefusedException e = assertThrows(AccessRefusedException.class, () -> lee2.read(rec.id()));
    assertEquals(AccessRight.TREATMENT_GRANT, e.missingRight());
    assertEquals(2, anna2.accessEvents().size(), "the patient's and the clinician's reads are on the trail");
  }
}
