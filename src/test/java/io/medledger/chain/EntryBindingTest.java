package io.medledger.chain;

import io.medledger.access.InstitutionClass;
import io.medledger.access.Purpose;
import io.medledger.chain.ChainFixture.Actor;
import io.medledger.codec.ByteString;
import io.medledger.codec.Hex;
import io.medledger.crypto.Sha256;
import io.medledger.testing.BitFlips;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Every byte of an entry's canonical encoding is bound: a flipped bit, a truncation or an
 * appended byte fails decoding or fails the endorsements' signatures, or decodes to the very same
 * entry (same id, same encoding). Nothing decodes to a validly signed entry with another meaning.
 */
@Timeout(120)
class EntryBindingTest {
  private final ChainFixture f = ChainFixture.create();

  private List<Entry> entries() {
    Actor alice = f.actor("alice");
    Actor doc = f.actor("dr-a");
    MedicalRecord record = f.record(doc, alice, f.hospitalA, "Observation", "a");
    MedicalRecord deid = f.sign(new MedicalRecord(record.patient(), record.author(), record.institution(),
        record.resourceType(), record.payloadDigest(), record.payloadSize(), record.storageNodes(),
        record.encryptionMetadata(), record.createdAt(), Optional.of(record.id()),
        Optional.of(new DeidentifiedCopy(Sha256.hash("copy".getBytes(StandardCharsets.UTF_8)), 7,
            ByteString.of(new byte[] {9, 9}))), List.of()), doc);
    AccessGrant grant = f.grantWithProxies(alice, f.hospitalA, Purpose.TREATMENT, AccessScope.all(),
        List.of(f.hospitalA, f.hospitalB), 2);
    return List.of(f.registerPatient(alice), f.registerClinician(doc, f.hospitalA),
        f.registerInstitution(f.actor("clinic-z"), "Clinic Z", InstitutionClass.C),
        grant, f.revoke(alice, grant), record, deid, f.accessEvent(doc, record, grant), f.erase(alice, record),
        f.removeAffiliate(doc, f.hospitalA));
  }

  @Test
  void everyByteOfEveryKindOfEntryIsBound() {
    for (Entry e : entries()) {
      BitFlips.assertEveryByteIsBound(e.getClass().getSimpleName(), e.encode(), 2, b -> {
        Entry d = Entry.decode(b);
        byte[] message = d.signingMessage(f.params.chainId());
        boolean signed = !d.endorsements().isEmpty()
            && d.endorsements().stream().allMatch(en -> en.verify(message));
        return signed ? List.of(d.id(), Hex.encode(d.encode())) : null;
      });
    }
  }
}
