package io.medledger.cli;

import io.medledger.access.ParticipantId;
import io.medledger.access.ParticipantKind;
import io.medledger.access.Purpose;
import io.medledger.chain.AccessEvent;
import io.medledger.chain.AccessGrant;
import io.medledger.chain.AccessRevocation;
import io.medledger.chain.AccessScope;
import io.medledger.chain.AffiliateRegistration;
import io.medledger.chain.Entry;
import io.medledger.chain.MedicalRecord;
import io.medledger.chain.PatientRegistration;
import io.medledger.codec.ByteString;
import io.medledger.crypto.Digest;
import io.medledger.crypto.Ed25519PrivateKey;
import io.medledger.crypto.Sha256;
import io.medledger.internal.bench.SyntheticWorkload;
import java.nio.ByteBuffer;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * The {@code mixed} workload of {@code medledger load}: the entry mix of {@code bench ingest}
 * (2% patient registrations, 8% treatment grants, 4% revocations, 40% records, 46% reads), made
 * so that entries submitted concurrently never depend on one another.
 *
 * <p>A setup of three waves comes first, each final before the next: a storage node and
 * {@value #CLINICIANS_PER_INSTITUTION} clinicians per institution affiliated with the given
 * institutions, and the patients registered; each patient's two treatment grants to one
 * institution (a primary one, never revoked, and a spare one); one record per patient. In the
 * timed mix, records and reads use a patient's primary grant and setup record, a revocation
 * revokes a spare grant (each at most once), a new grant names a random institution, and a
 * registration brings a patient who is used no further. Every entry is dated and signed when it is
 * made, since a read must be dated within the clock skew of its block. Keys are fresh from a
 * {@link SecureRandom}, so that a second run against the same ledger registers new participants.
 *
 * <p>Not thread-safe: one instance per submitting thread.
 */
final class LoadMix {
  /** Clinicians affiliated with each institution in the setup. */
  static final int CLINICIANS_PER_INSTITUTION = 10;
  private static final String[] TYPES = {"Observation", "Condition", "MedicationRequest", "Encounter", "Immunization"};
  private static final long YEAR_MILLIS = 365L * 86_400_000L;

  private record Patient(Ed25519PrivateKey key, ParticipantId id, int institution, Digest[] grants, Digest[] record) {}

  private final Digest chainId;
  private final SecureRandom random;
  private final List<Ed25519PrivateKey> institutions;
  private final List<ParticipantId> institutionIds = new ArrayList<>();
  private final Ed25519PrivateKey storage;
  private final ParticipantId storageId;
  private final Ed25519PrivateKey[][] clinicians;
  private final Patient[] patients;
  private int nextSpare;
  private long payloads;

  /**
   * A mix over {@code patientCount} patients and the institutions whose signing keys are
   * {@code institutions}.
   *
   * @throws IllegalArgumentException if there are no institutions or fewer than one patient
   */
  LoadMix(Digest chainId, List<Ed25519PrivateKey> institutions, int patientCount, SecureRandom random) {
    if (institutions.isEmpty() || patientCount < 1) {
      throw new IllegalArgumentException("the mixed workload needs at least one institution and one patient");
    }
    this.chainId = chainId;
    this.random = random;
    this.institutions = List.copyOf(institutions);
    for (Ed25519PrivateKey k : institutions) {
      institutionIds.add(ParticipantId.of(k.publicKey()));
    }
    this.storage = Ed25519PrivateKey.generate(random);
    this.storageId = ParticipantId.of(storage.publicKey());
    this.clinicians = new Ed25519PrivateKey[institutions.size()][CLINICIANS_PER_INSTITUTION];
    for (Ed25519PrivateKey[] c : clinicians) {
      for (int j = 0; j < c.length; j++) {
        c[j] = Ed25519PrivateKey.generate(random);
      }
    }
    this.patients = new Patient[patientCount];
    for (int i = 0; i < patientCount; i++) {
      Ed25519PrivateKey k = Ed25519PrivateKey.generate(random);
      patients[i] = new Patient(k, ParticipantId.of(k.publicKey()), random.nextInt(institutions.size()), new Digest[2],
          new Digest[1]);
    }
  }

  /** The number of waves of the setup. */
  static final int SETUP_WAVES = 3;

  /**
   * Wave {@code wave} (1 to {@value #SETUP_WAVES}) of the setup, signed on every core: its entries
   * depend only on those of earlier waves, so a wave may be submitted in any order once the
   * previous one is final. Call each wave once, in order.
   */
  List<Entry> setupWave(int wave) {
    long now = System.currentTimeMillis();
    List<Entry> unsigned = new ArrayList<>();
    List<Ed25519PrivateKey[]> signers = new ArrayList<>();
    switch (wave) {
      case 1 -> {
        unsigned.add(new AffiliateRegistration(storage.publicKey(), ParticipantKind.STORAGE_NODE, institutionIds.get(0),
            now, List.of()));
        signers.add(new Ed25519PrivateKey[] {institutions.get(0), storage});
        for (int i = 0; i < clinicians.length; i++) {
          for (Ed25519PrivateKey c : clinicians[i]) {
            unsigned.add(new AffiliateRegistration(c.publicKey(), ParticipantKind.CLINICIAN, institutionIds.get(i), now,
                List.of()));
            signers.add(new Ed25519PrivateKey[] {institutions.get(i), c});
          }
        }
        for (Patient p : patients) { // each countersigned by its institution as registrar
          unsigned.add(new PatientRegistration(p.key().publicKey(), now, List.of()));
          signers.add(new Ed25519PrivateKey[] {p.key(), institutions.get(p.institution())});
        }
      }
      case 2 -> {
        for (Patient p : patients) {
          for (int g = 0; g < 2; g++) {
            AccessGrant grant = grant(p.id(), institutionIds.get(p.institution()), now + g);
            p.grants()[g] = grant.id();
            unsigned.add(grant);
            signers.add(new Ed25519PrivateKey[] {p.key()});
          }
        }
      }
      case 3 -> {
        for (Patient p : patients) {
          Ed25519PrivateKey author = clinician(p.institution());
          MedicalRecord r = record(p, author, now);
          p.record()[0] = r.id();
          unsigned.add(r);
          signers.add(new Ed25519PrivateKey[] {author});
        }
      }
      default -> throw new IllegalArgumentException("no setup wave " + wave);
    }
    return SyntheticWorkload.sign(unsigned, signers, chainId);
  }

  /** The next entry of the timed mix, dated now and signed. */
  Entry next() {
    long now = System.currentTimeMillis();
    int roll = random.nextInt(100);
    if (roll < 2) {
      Ed25519PrivateKey k = Ed25519PrivateKey.generate(random);
      return Entry.sign(new PatientRegistration(k.publicKey(), now, List.of()), chainId, k,
          institutions.get(random.nextInt(institutions.size())));
    }
    Patient p = patients[random.nextInt(patients.length)];
    if (roll < 10 || (roll < 14 && nextSpare == patients.length)) { // a grant, or a revocation with no spare left
      return Entry.sign(grant(p.id(), institutionIds.get(random.nextInt(institutionIds.size())), now), chainId, p.key());
    }
    if (roll < 14) {
      Patient s = patients[nextSpare++];
      return Entry.sign(new AccessRevocation(s.id(), s.grants()[1], now, List.of()), chainId, s.key());
    }
    Ed25519PrivateKey clinician = clinician(p.institution());
    if (roll < 54) {
      return Entry.sign(record(p, clinician, now), chainId, clinician);
    }
    return Entry.sign(new AccessEvent(p.id(), ParticipantId.of(clinician.publicKey()), p.record()[0],
        Optional.of(p.grants()[0]), now, List.of()), chainId, clinician);
  }

  private Ed25519PrivateKey clinician(int institution) {
    return clinicians[institution][random.nextInt(CLINICIANS_PER_INSTITUTION)];
  }

  private static AccessGrant grant(ParticipantId patient, ParticipantId institution, long now) {
    return new AccessGrant(patient, institution, AccessScope.all(), Purpose.TREATMENT, now - 1000, now + YEAR_MILLIS,
        List.of(), 0, List.of(), now, List.of());
  }

  private MedicalRecord record(Patient p, Ed25519PrivateKey author, long now) {
    byte[] payload = ByteBuffer.allocate(16).putLong(payloads++).putLong(random.nextLong()).array();
    return new MedicalRecord(p.id(), ParticipantId.of(author.publicKey()), Optional.of(institutionIds.get(p.institution())),
        TYPES[random.nextInt(TYPES.length)], Sha256.hash(payload), 1000 + random.nextInt(100_000), List.of(storageId),
        ByteString.of(new byte[] {1, 2, 3}), now, Optional.empty(), List.of());
  }
}
