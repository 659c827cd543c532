package io.medledger.internal.bench;

import io.medledger.access.InstitutionClass;
import io.medledger.access.ParticipantId;
import io.medledger.access.ParticipantKind;
import io.medledger.access.Purpose;
import io.medledger.chain.AccessEvent;
import io.medledger.chain.AccessGrant;
import io.medledger.chain.AccessRevocation;
import io.medledger.chain.AccessScope;
import io.medledger.chain.AffiliateRegistration;
import io.medledger.chain.Entry;
import io.medledger.chain.InstitutionRegistration;
import io.medledger.chain.MedicalRecord;
import io.medledger.chain.MembershipChange;
import io.medledger.chain.PatientRegistration;
import io.medledger.codec.ByteString;
import io.medledger.crypto.Digest;
import io.medledger.crypto.Ed25519PrivateKey;
import io.medledger.crypto.Sha256;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.Random;
import java.util.stream.IntStream;

/**
 * The benchmarks' synthetic ledger workload, deterministic for a seed: 20 institutions, 200
 * clinicians, then entries drawn as 2% patient registrations, 40% records, 8% treatment grants,
 * 46% reads (access events) and 4% revocations, each valid under every rule when committed in
 * order. Patients beyond the {@value #WINDOW} most recent are no longer drawn. Keys are derived
 * from public names: for benchmarks only.
 *
 * <p>Not thread-safe: one generator per thread.
 */
public final class SyntheticWorkload {
  /** Institutions registered by {@link #institutions}. */
  public static final int INSTITUTIONS = 20;
  /** Clinicians registered by {@link #clinicians}. */
  public static final int CLINICIANS = 200;
  private static final int WINDOW = 10_000;
  private static final int MAX_GRANTS = 4;
  private static final int KEPT_RECORDS = 4;
  private static final String[] TYPES = {"Observation", "Condition", "MedicationRequest", "Encounter", "Immunization"};

  /** A patient the generator still draws: its key, active grants and latest records. */
  private static final class Patient {
    final Ed25519PrivateKey key;
    final ParticipantId id;
    final List<Digest> grants = new ArrayList<>();
    final List<Integer> grantInstitutions = new ArrayList<>();
    final Digest[] records = new Digest[KEPT_RECORDS];
    int recordCount;

    Patient(Ed25519PrivateKey key) {
      this.key = key;
      this.id = ParticipantId.of(key.publicKey());
    }
  }

  private final Random random;
  /** The federation server of {@link #genesis}. */
  public final Ed25519PrivateKey federation = key("federation-0");
  /** The audit server of {@link #genesis}. */
  public final Ed25519PrivateKey audit = key("audit-0");
  private final Ed25519PrivateKey storage = key("storage-0");
  private final Ed25519PrivateKey[] institutionKeys = new Ed25519PrivateKey[INSTITUTIONS];
  private final Ed25519PrivateKey[] clinicianKeys = new Ed25519PrivateKey[CLINICIANS];
  private final Patient[] window = new Patient[WINDOW];
  private long patients;
  private long payloads;

  /** A generator whose draws follow {@code seed}. */
  public SyntheticWorkload(long seed) {
    random = new Random(seed);
    for (int i = 0; i < INSTITUTIONS; i++) {
      institutionKeys[i] = key("institution-" + i);
    }
    for (int i = 0; i < CLINICIANS; i++) {
      clinicianKeys[i] = key("clinician-" + i);
    }
  }

  /** The key the workload derives for {@code name}. */
  public static Ed25519PrivateKey key(String name) {
    return Ed25519PrivateKey.fromSeed(Sha256.hash(("medledger-bench-key:" + name).getBytes(StandardCharsets.UTF_8))
        .toByteArray());
  }

  /** The key of the {@code i}-th registered patient. */
  public static Ed25519PrivateKey patientKey(long i) {
    return key("patient-" + i);
  }

  /** Patients registered so far. */
  public long patients() {
    return patients;
  }

  /** The participant id of {@code k}. */
  public static ParticipantId id(Ed25519PrivateKey k) {
    return ParticipantId.of(k.publicKey());
  }

  /** Institution {@code i}'s key ({@code 0 <= i < }{@value #INSTITUTIONS}). */
  public Ed25519PrivateKey institution(int i) {
    return institutionKeys[i];
  }

  /**
   * A genesis block's entries: the institutions, this workload's federation and audit servers, and
   * its storage node; the signers of each entry go to {@code signers}, in order.
   */
  public List<Entry> genesis(long now, List<Ed25519PrivateKey[]> signers) {
    List<Entry> g = institutions(now, signers);
    g.add(new MembershipChange(MembershipChange.Operation.ADD, ParticipantKind.FEDERATION_SERVER,
        federation.publicKey(), Optional.of(id(institutionKeys[0])), now, List.of()));
    signers.add(new Ed25519PrivateKey[] {federation});
    g.add(new MembershipChange(MembershipChange.Operation.ADD, ParticipantKind.AUDIT_SERVER, audit.publicKey(),
        Optional.of(id(institutionKeys[1])), now, List.of()));
    signers.add(new Ed25519PrivateKey[] {audit});
    g.add(storageNode(now, signers));
    return g;
  }

  /** The {@value #INSTITUTIONS} institution registrations (the first of class A, the second B, the rest C). */
  public List<Entry> institutions(long now, List<Ed25519PrivateKey[]> signers) {
    List<Entry> g = new ArrayList<>();
    for (int i = 0; i < INSTITUTIONS; i++) {
      InstitutionClass c = i == 0 ? InstitutionClass.A : i == 1 ? InstitutionClass.B : InstitutionClass.C;
      g.add(new InstitutionRegistration(institutionKeys[i].publicKey(), "Institution " + i, c, now, List.of()));
      signers.add(new Ed25519PrivateKey[] {institutionKeys[i]});
    }
    return g;
  }

  /** The storage node every record names, affiliated with the first institution. */
  public Entry storageNode(long now, List<Ed25519PrivateKey[]> signers) {
    signers.add(new Ed25519PrivateKey[] {institutionKeys[0], storage});
    return new AffiliateRegistration(storage.publicKey(), ParticipantKind.STORAGE_NODE, id(institutionKeys[0]), now,
        List.of());
  }

  /** The {@value #CLINICIANS} clinician registrations, spread over the institutions. */
  public List<Entry> clinicians(long now, List<Ed25519PrivateKey[]> signers) {
    List<Entry> out = new ArrayList<>();
    for (int j = 0; j < CLINICIANS; j++) {
      Ed25519PrivateKey inst = institutionKeys[j % INSTITUTIONS];
      out.add(new AffiliateRegistration(clinicianKeys[j].publicKey(), ParticipantKind.CLINICIAN, id(inst), now,
          List.of()));
      signers.add(new Ed25519PrivateKey[] {inst, clinicianKeys[j]});
    }
    return out;
  }

  private void register(long at, List<Entry> out, List<Ed25519PrivateKey[]> signers) {
    Patient p = new Patient(patientKey(patients));
    window[(int) (patients % WINDOW)] = p;
    Ed25519PrivateKey registrar = institutionKeys[(int) (patients % INSTITUTIONS)]; // the institutions take turns
    patients++;
    out.add(new PatientRegistration(p.key.publicKey(), at, List.of()));
    signers.add(new Ed25519PrivateKey[] {p.key, registrar});
  }

  private Ed25519PrivateKey clinicianOf(int institution) {
    return clinicianKeys[institution + INSTITUTIONS * random.nextInt(CLINICIANS / INSTITUTIONS)];
  }

  private void grant(Patient p, long now, long at, List<Entry> out, List<Ed25519PrivateKey[]> signers) {
    int inst = random.nextInt(INSTITUTIONS);
    AccessGrant g = new AccessGrant(p.id, id(institutionKeys[inst]), AccessScope.all(), Purpose.TREATMENT, now - 1000,
        now + 365L * 86_400_000L, List.of(), 0, List.of(), at, List.of());
    p.grants.add(g.id());
    p.grantInstitutions.add(inst);
    out.add(g);
    signers.add(new Ed25519PrivateKey[] {p.key});
  }

  /** Appends one workload entry made at {@code at} for a block at {@code now}, and its signers. */
  public void next(long now, long at, List<Entry> out, List<Ed25519PrivateKey[]> signers) {
    int roll = random.nextInt(100);
    if (patients < 100 || roll < 2) {
      register(at, out, signers);
      return;
    }
    Patient p = window[random.nextInt((int) Math.min(patients, WINDOW))];
    if (p.grants.isEmpty() || (roll >= 2 && roll < 10 && p.grants.size() < MAX_GRANTS)) {
      grant(p, now, at, out, signers);
      return;
    }
    if (roll >= 96 || roll < 10) {
      if (p.grants.size() < 2) {
        grant(p, now, at, out, signers);
        return;
      }
      Digest g = p.grants.remove(0);
      p.grantInstitutions.remove(0);
      out.add(new AccessRevocation(p.id, g, at, List.of()));
      signers.add(new Ed25519PrivateKey[] {p.key});
      return;
    }
    int gi = random.nextInt(p.grants.size());
    int inst = p.grantInstitutions.get(gi);
    Ed25519PrivateKey clinician = clinicianOf(inst);
    if (roll < 50 || p.recordCount == 0) {
      byte[] payload = ("payload-" + payloads++).getBytes(StandardCharsets.US_ASCII);
      MedicalRecord r = new MedicalRecord(p.id, id(clinician), Optional.of(id(institutionKeys[inst])),
          TYPES[random.nextInt(TYPES.length)], Sha256.hash(payload), 1000 + random.nextInt(100_000),
          List.of(id(storage)), ByteString.of(new byte[] {1, 2, 3}), at, Optional.empty(), List.of());
      p.records[p.recordCount++ % KEPT_RECORDS] = r.id();
      out.add(r);
      signers.add(new Ed25519PrivateKey[] {clinician});
      return;
    }
    Digest rec = p.records[random.nextInt(Math.min(p.recordCount, KEPT_RECORDS))];
    out.add(new AccessEvent(p.id, id(clinician), rec, Optional.of(p.grants.get(gi)), at, List.of()));
    signers.add(new Ed25519PrivateKey[] {clinician});
  }

  /** The next {@code count} workload entries for a block at {@code now}, signed on all cores. */
  public List<Entry> nextBlock(long now, int count, Digest chainId) {
    List<Entry> unsigned = new ArrayList<>(count);
    List<Ed25519PrivateKey[]> signers = new ArrayList<>(count);
    for (int i = 0; i < count; i++) {
      next(now, now + i, unsigned, signers);
    }
    return sign(unsigned, signers, chainId);
  }

  /** Signs {@code unsigned.get(i)} with {@code signers.get(i)}, on all cores. */
  public static List<Entry> sign(List<Entry> unsigned, List<Ed25519PrivateKey[]> signers, Digest chainId) {
    Entry[] out = new Entry[unsigned.size()];
    IntStream.range(0, out.length).parallel()
        .forEach(i -> out[i] = Entry.sign(unsigned.get(i), chainId, signers.get(i)));
    return Arrays.asList(out);
  }
}
