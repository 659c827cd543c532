package io.medledger.chain;

import io.medledger.access.InstitutionClass;
import io.medledger.access.ParticipantId;
import io.medledger.access.ParticipantKind;
import io.medledger.access.Purpose;
import io.medledger.codec.ByteString;
import io.medledger.crypto.Digest;
import io.medledger.crypto.Ed25519PrivateKey;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Random;

/** Seeded generators of arbitrary (well-formed, not necessarily authorized) ledger values. */
final class RandomEntries {
  private final Random r;
  private final Digest chainId;

  RandomEntries(long seed, Digest chainId) {
    this.r = new Random(seed);
    this.chainId = chainId;
  }

  Digest digest() {
    byte[] b = new byte[32];
    r.nextBytes(b);
    return Digest.of(b);
  }

  ParticipantId id() {
    return ParticipantId.fromDigest(digest());
  }

  Ed25519PrivateKey key() {
    byte[] b = new byte[32];
    r.nextBytes(b);
    return Ed25519PrivateKey.fromSeed(b);
  }

  ByteString bytes(int max) {
    byte[] b = new byte[r.nextInt(max + 1)];
    r.nextBytes(b);
    return ByteString.of(b);
  }

  long time() {
    return 1_700_000_000_000L + r.nextInt(1_000_000_000);
  }

  String text() {
    String[] parts = {"Hôpital", "Klinik", "医院", "Saint", "A&E", "\"quoted\"", "tab\tx", "😀"};
    return parts[r.nextInt(parts.length)] + " " + r.nextInt(1000);
  }

  String type() {
    String[] t = {"Observation", "Condition", "MedicationRequest", "Patient", "DiagnosticReport", "Immunization"};
    return t[r.nextInt(t.length)];
  }

  <T> List<T> list(int max, java.util.function.Supplier<T> s) {
    int n = r.nextInt(max + 1);
    List<T> l = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      l.add(s.get());
    }
    return l;
  }

  AccessScope scope() {
    switch (r.nextInt(3)) {
      case 0:
        return AccessScope.all();
      case 1:
        return AccessScope.resourceTypes(type(), type());
      default:
        return AccessScope.records(digest(), digest(), digest());
    }
  }

  /** An entry of kind {@code kind}, signed by 1 to 3 random keys. */
  Entry entry(EntryKind kind) {
    Entry e;
    switch (kind) {
      case RECORD: {
        ParticipantId patient = id();
        boolean self = r.nextBoolean();
        e = new MedicalRecord(patient, self ? patient : id(), self ? Optional.empty() : Optional.of(id()), type(),
            digest(), r.nextInt(1 << 20), list(3, this::id), bytes(200), time(),
            r.nextBoolean() ? Optional.of(digest()) : Optional.empty(), List.of());
        break;
      }
      case ACCESS_GRANT: {
        int proxies = r.nextInt(4);
        List<ParticipantId> ps = new ArrayList<>();
        List<ByteString> frags = new ArrayList<>();
        for (int i = 0; i < proxies; i++) {
          ps.add(id());
          frags.add(bytes(100));
        }
        long from = time();
        e = new AccessGrant(id(), id(), scope(), Purpose.values()[r.nextInt(2)], from, from + 1 + r.nextInt(1 << 30),
            ps, proxies == 0 ? 0 : 1 + r.nextInt(proxies), frags, time(), List.of());
        break;
      }
      case ACCESS_REVOCATION:
        e = new AccessRevocation(id(), digest(), time(), List.of());
        break;
      case ACCESS_EVENT: {
        ParticipantId patient = id();
        boolean self = r.nextBoolean();
        e = new AccessEvent(patient, self ? patient : id(), digest(), self ? Optional.empty() : Optional.of(digest()),
            time(), List.of());
        break;
      }
      case PATIENT_REGISTRATION:
        e = new PatientRegistration(key().publicKey(), time(), List.of());
        break;
      case INSTITUTION_REGISTRATION:
        e = new InstitutionRegistration(key().publicKey(), text(),
            new InstitutionClass(String.valueOf((char) ('A' + r.nextInt(3)))), time(), List.of());
        break;
      case AFFILIATE_REGISTRATION: {
        ParticipantKind[] roles = {ParticipantKind.CLINICIAN, ParticipantKind.RESEARCHER, ParticipantKind.STORAGE_NODE};
        e = new AffiliateRegistration(key().publicKey(), roles[r.nextInt(3)], id(), time(), List.of());
        break;
      }
      case MEMBERSHIP_CHANGE: {
        ParticipantKind[] roles = {ParticipantKind.FEDERATION_SERVER, ParticipantKind.AUDIT_SERVER, ParticipantKind.REGULATOR};
        ParticipantKind role = roles[r.nextInt(3)];
        MembershipChange.Operation a = MembershipChange.Operation.values()[r.nextInt(2)];
        boolean op = a == MembershipChange.Operation.ADD && role != ParticipantKind.REGULATOR;
        e = new MembershipChange(a, role, key().publicKey(), op ? Optional.of(id()) : Optional.empty(), time(), List.of());
        break;
      }
      case RECORD_ERASURE:
        e = new RecordErasure(id(), digest(), id(), time(), List.of());
        break;
      case AFFILIATE_REMOVAL:
        e = new AffiliateRemoval(id(), id(), time(), List.of());
        break;
      case INSTITUTION_REMOVAL:
        e = new InstitutionRemoval(id(), time(), List.of());
        break;
      case KEY_PUBLICATION: {
        io.medledger.pre.EntropySource en = io.medledger.pre.EntropySource.of(new java.security.SecureRandom());
        e = new KeyPublication(id(), ByteString.of(io.medledger.pre.SecretKey.random(en).publicKey().toBytes()),
            ByteString.of(io.medledger.pre.SecretKey.random(en).publicKey().toBytes()),
            r.nextBoolean() ? java.util.Optional.of(ByteString.of(io.medledger.pre.SecretKey.random(en).publicKey().toBytes()))
                : java.util.Optional.empty(), time(), List.of());
        break;
      }
      case WITNESS_CHANGE:
        e = new WitnessChange(MembershipChange.Operation.values()[r.nextInt(2)], new Witness("witness.example/" + r.nextInt(1000)
            + (r.nextBoolean() ? "/\u00e9" : ""), key().publicKey(), "https://witness.example:" + (1 + r.nextInt(65535))
            + "/w"), time(), List.of());
        break;
      case ANCHOR: {
        long from = r.nextInt(1000);
        e = new Anchor(id(), digest(), digest(), from, from + r.nextInt(100), time(), List.of());
        break;
      }
      default: {
        ByteString a = bytes(80);
        ByteString b = bytes(80);
        while (a.equals(b)) {
          b = bytes(80);
        }
        if (a.compareTo(b) > 0) {
          ByteString t = a;
          a = b;
          b = t;
        }
        e = new Evidence(id(), id(), a, ByteString.of(new byte[64]), b, bytes(0).isEmpty() ? ByteString.of(new byte[64])
            : ByteString.of(new byte[64]), time(), List.of());
        break;
      }
    }
    int signers = 1 + r.nextInt(3);
    Ed25519PrivateKey[] keys = new Ed25519PrivateKey[signers];
    for (int i = 0; i < signers; i++) {
      keys[i] = key();
    }
    return Entry.sign(e, chainId, keys);
  }

  Entry entry() {
    return entry(EntryKind.values()[r.nextInt(EntryKind.values().length)]);
  }

  BlockHeader header(int entryCount) {
    long height = r.nextInt(1000);
    return new BlockHeader(chainId, height, height == 0 ? BlockHeader.NO_PARENT : digest(), time(), id(),
        r.nextInt(10), bytes(40), entryCount, digest(), digest(), digest(), entryCount + r.nextInt(1000), digest());
  }

  Block block(int maxEntries) {
    List<Entry> es = list(maxEntries, this::entry);
    return new Block(header(es.size()), es);
  }

  Certificate certificate() {
    List<Endorsement> sigs = new ArrayList<>();
    int n = r.nextInt(4);
    for (int i = 0; i < n; i++) {
      sigs.add(Endorsement.sign(key(), bytes(20).toByteArray()));
    }
    sigs.sort(null);
    return new Certificate(sigs, bytes(16));
  }

  int nextInt(int bound) {
    return r.nextInt(bound);
  }
}
