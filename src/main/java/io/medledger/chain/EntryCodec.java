package io.medledger.chain;

import io.medledger.access.InstitutionClass;
import io.medledger.access.ParticipantId;
import io.medledger.access.ParticipantKind;
import io.medledger.access.Purpose;
import io.medledger.codec.MalformedEncodingException;
import io.medledger.crypto.Digest;
import io.medledger.crypto.Ed25519PublicKey;
import io.medledger.crypto.Sha256;
import io.medledger.internal.codec.BinaryFieldWriter;
import io.medledger.internal.codec.Codecs;
import io.medledger.internal.codec.FieldReader;
import io.medledger.internal.codec.FieldWriter;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/** The canonical binary and JSON encodings of entries, described once per field. */
final class EntryCodec {
  /**
   * The entry encoding version of every entry but a record with a de-identified copy and a key
   * publication with a research key.
   */
  static final int VERSION = 1;
  /**
   * Version 2: a {@link MedicalRecord} with a {@link DeidentifiedCopy}, whose three fields follow
   * {@code amends}. Only records use it, and only with the copy, so each entry has one encoding.
   */
  static final int VERSION_DEIDENTIFIED = 2;
  /**
   * Version 3: a {@link KeyPublication} with a research key, whose field follows
   * {@code verifyingKey}. Only key publications use it, and only with the key.
   */
  static final int VERSION_RESEARCH_KEY = 3;

  private static final byte[] SIGNING_TAG = "medledger/entry-signature/v1\0".getBytes(StandardCharsets.US_ASCII);

  private EntryCodec() {}

  static byte[] encode(Entry e) {
    BinaryFieldWriter w = new BinaryFieldWriter(512);
    write(e, w);
    return w.toByteArray();
  }

  static byte[] encodeContent(Entry e) {
    BinaryFieldWriter w = new BinaryFieldWriter(512);
    writeContent(e, w);
    return w.toByteArray();
  }

  static Digest id(byte[] content) {
    return Sha256.hash(content);
  }

  static Digest leafHash(byte[] encoded) {
    return Sha256.hashPrefixed((byte) 0, encoded);
  }

  static byte[] signingMessage(Digest chainId, byte[] content) {
    byte[] m = new byte[SIGNING_TAG.length + Digest.LENGTH + content.length];
    System.arraycopy(SIGNING_TAG, 0, m, 0, SIGNING_TAG.length);
    chainId.copyTo(m, SIGNING_TAG.length);
    System.arraycopy(content, 0, m, SIGNING_TAG.length + Digest.LENGTH, content.length);
    return m;
  }

  static String toJson(Entry e, boolean pretty) {
    return Codecs.toJson(pretty, w -> write(e, w));
  }

  static Entry decode(byte[] bytes) {
    return Codecs.decode(bytes, Limits.MAX_ENTRY_BYTES, "entry", EntryCodec::read);
  }

  static Entry fromJson(String json) {
    return Codecs.fromJson(json, 4 * Limits.MAX_ENTRY_BYTES, "entry", EntryCodec::read);
  }

  /** Decodes one entry from an already-bounded slice, keeping its encoding. */
  static EncodedEntry readEncoded(byte[] slice) {
    io.medledger.internal.codec.BinaryFieldReader r = new io.medledger.internal.codec.BinaryFieldReader(slice);
    return Codecs.guard("entry", () -> {
      int version = readVersion(r);
      EntryKind kind = EntryKind.values()[r.enumValue("kind", EntryKind.labels())];
      Entry content = readContent(version, kind, r);
      int contentLength = r.position();
      List<Endorsement> endorsements = r.objectList("endorsements", Limits.MAX_ENDORSEMENTS, EntryCodec::readEndorsement);
      r.finish();
      return new EncodedEntry(content.withEndorsements(endorsements), slice, contentLength);
    });
  }

  // ---- writing

  static void write(Entry e, FieldWriter w) {
    writeContent(e, w);
    w.objectList("endorsements", e.endorsements(), EntryCodec::writeEndorsement);
  }

  static void writeEndorsement(Endorsement en, FieldWriter w) {
    w.digest("signer", key(en.signer()));
    w.bytes("signature", en.signature());
  }

  static Endorsement readEndorsement(FieldReader r) {
    return new Endorsement(key(r.digest("signer"), "signer"), r.bytes("signature", 64));
  }

  static Digest key(Ed25519PublicKey k) {
    return Digest.of(k.toBytes());
  }

  /**
   * Validating an Ed25519 point costs about a tenth of a signature check, and blocks repeat the
   * same signers, so each thread keeps its most recently validated keys (an immutable value per
   * byte string: a cache, not shared state).
   */
  private static final ThreadLocal<Map<Digest, Ed25519PublicKey>> KEYS = ThreadLocal.withInitial(
      () -> new LinkedHashMap<>(256, 0.75f, true) {
        private static final long serialVersionUID = 1L;

        @Override
        protected boolean removeEldestEntry(Map.Entry<Digest, Ed25519PublicKey> e) {
          return size() > 1024;
        }
      });

  /** How many validated keys this thread's cache holds (for tests of its bound). */
  static int cachedKeys() {
    return KEYS.get().size();
  }

  static Ed25519PublicKey key(Digest d, String name) {
    Map<Digest, Ed25519PublicKey> cache = KEYS.get();
    Ed25519PublicKey k = cache.get(d);
    if (k != null) {
      return k;
    }
    try {
      k = Ed25519PublicKey.fromBytes(d.toByteArray());
      cache.put(d, k);
      return k;
    } catch (MalformedEncodingException e) {
      throw new MalformedEncodingException(name + ": " + e.getMessage(), e);
    }
  }

  private static Digest opt(Optional<ParticipantId> p) {
    return p.map(ParticipantId::digest).orElse(null);
  }

  private static Optional<ParticipantId> optId(Digest d) {
    return Optional.ofNullable(d).map(ParticipantId::fromDigest);
  }

  private static ParticipantId id(FieldReader r, String name) {
    return ParticipantId.fromDigest(r.digest(name));
  }

  static int version(Entry e) {
    if (e instanceof MedicalRecord m && m.deidentified().isPresent()) {
      return VERSION_DEIDENTIFIED;
    }
    return e instanceof KeyPublication k && k.researchKey().isPresent() ? VERSION_RESEARCH_KEY : VERSION;
  }

  private static int readVersion(FieldReader r) {
    int version = r.u8("version");
    if (version != VERSION && version != VERSION_DEIDENTIFIED && version != VERSION_RESEARCH_KEY) {
      throw new MalformedEncodingException("unknown entry version " + version);
    }
    return version;
  }

  static void writeContent(Entry e, FieldWriter w) {
    w.u8("version", version(e));
    w.enumValue("kind", e.kind().ordinal(), e.kind().label());
    if (e instanceof MedicalRecord m) {
      w.digest("patient", m.patient().digest());
      w.digest("author", m.author().digest());
      w.optionalDigest("institution", opt(m.institution()));
      w.string("resourceType", m.resourceType());
      w.digest("payloadDigest", m.payloadDigest());
      w.i64("payloadSize", m.payloadSize());
      w.digestList("storageNodes", Checks.ids(m.storageNodes()));
      w.bytes("encryptionMetadata", m.encryptionMetadata());
      w.i64("createdAt", m.createdAt());
      w.optionalDigest("amends", m.amends().orElse(null));
      if (m.deidentified().isPresent()) {
        DeidentifiedCopy d = m.deidentified().get();
        w.digest("deidentifiedDigest", d.payloadDigest());
        w.i64("deidentifiedSize", d.payloadSize());
        w.bytes("deidentifiedMetadata", d.encryptionMetadata());
      }
    } else if (e instanceof AccessGrant g) {
      w.digest("patient", g.patient().digest());
      w.digest("grantee", g.grantee().digest());
      w.object("scope", sw -> {
        sw.enumValue("kind", g.scope().kind().ordinal(), g.scope().kind().label());
        sw.stringList("resourceTypes", g.scope().resourceTypes());
        sw.digestList("records", g.scope().records());
      });
      w.enumValue("purpose", g.purpose().ordinal(), g.purpose().label());
      w.i64("notBefore", g.notBefore());
      w.i64("notAfter", g.notAfter());
      w.digestList("proxies", Checks.ids(g.proxies()));
      w.u32("threshold", g.threshold());
      w.bytesList("keyFragments", g.keyFragments());
      w.i64("createdAt", g.createdAt());
    } else if (e instanceof AccessRevocation v) {
      w.digest("patient", v.patient().digest());
      w.digest("grant", v.grant());
      w.i64("createdAt", v.createdAt());
    } else if (e instanceof AccessEvent a) {
      w.digest("patient", a.patient().digest());
      w.digest("accessor", a.accessor().digest());
      w.digest("record", a.record());
      w.optionalDigest("grant", a.grant().orElse(null));
      w.i64("accessedAt", a.accessedAt());
    } else if (e instanceof PatientRegistration p) {
      w.digest("patientKey", key(p.patientKey()));
      w.i64("createdAt", p.createdAt());
    } else if (e instanceof InstitutionRegistration i) {
      w.digest("institutionKey", key(i.institutionKey()));
      w.string("name", i.name());
      w.string("institutionClass", i.institutionClass().code());
      w.i64("createdAt", i.createdAt());
    } else if (e instanceof AffiliateRegistration a) {
      w.digest("memberKey", key(a.memberKey()));
      w.enumValue("role", a.role().ordinal(), a.role().label());
      w.digest("institution", a.institution().digest());
      w.i64("createdAt", a.createdAt());
    } else if (e instanceof RecordErasure x) {
      w.digest("patient", x.patient().digest());
      w.digest("record", x.record());
      w.digest("requestedBy", x.requestedBy().digest());
      w.i64("createdAt", x.createdAt());
    } else if (e instanceof AffiliateRemoval a) {
      w.digest("member", a.member().digest());
      w.digest("institution", a.institution().digest());
      w.i64("createdAt", a.createdAt());
    } else if (e instanceof MembershipChange c) {
      w.enumValue("action", c.action().ordinal(), c.action().label());
      w.enumValue("role", c.role().ordinal(), c.role().label());
      w.digest("memberKey", key(c.memberKey()));
      w.optionalDigest("operator", opt(c.operator()));
      w.i64("createdAt", c.createdAt());
    } else if (e instanceof Anchor a) {
      w.digest("submitter", a.submitter().digest());
      w.digest("txid", a.txid());
      w.digest("commitment", a.commitment());
      w.i64("fromHeight", a.fromHeight());
      w.i64("toHeight", a.toHeight());
      w.i64("createdAt", a.createdAt());
    } else if (e instanceof Evidence v) {
      w.digest("reporter", v.reporter().digest());
      w.digest("accused", v.accused().digest());
      w.bytes("firstMessage", v.firstMessage());
      w.bytes("firstSignature", v.firstSignature());
      w.bytes("secondMessage", v.secondMessage());
      w.bytes("secondSignature", v.secondSignature());
      w.i64("createdAt", v.createdAt());
    } else if (e instanceof KeyPublication k) {
      w.digest("participant", k.participant().digest());
      w.bytes("encryptionKey", k.encryptionKey());
      w.bytes("verifyingKey", k.verifyingKey());
      if (k.researchKey().isPresent()) {
        w.bytes("researchKey", k.researchKey().get());
      }
      w.i64("createdAt", k.createdAt());
    } else if (e instanceof WitnessChange c) {
      w.enumValue("action", c.action().ordinal(), c.action().label());
      w.string("name", c.witness().name());
      w.digest("witnessKey", key(c.witness().key()));
      w.string("url", c.witness().url());
      w.i64("createdAt", c.createdAt());
    } else if (e instanceof InstitutionRemoval x) {
      w.digest("institution", x.institution().digest());
      w.i64("createdAt", x.createdAt());
    } else {
      throw new IllegalStateException("unknown entry type");
    }
  }

  // ---- reading

  static Entry read(FieldReader r) {
    int version = readVersion(r);
    EntryKind kind = EntryKind.values()[r.enumValue("kind", EntryKind.labels())];
    Entry content = readContent(version, kind, r);
    List<Endorsement> endorsements = r.objectList("endorsements", Limits.MAX_ENDORSEMENTS, EntryCodec::readEndorsement);
    return content.withEndorsements(endorsements);
  }

  private static Entry readContent(int version, EntryKind kind, FieldReader r) {
    List<Endorsement> none = List.of();
    if (version == VERSION_DEIDENTIFIED && kind != EntryKind.RECORD) {
      throw new MalformedEncodingException("entry version " + version + " is for records only");
    }
    if (version == VERSION_RESEARCH_KEY && kind != EntryKind.KEY_PUBLICATION) {
      throw new MalformedEncodingException("entry version " + version + " is for key publications only");
    }
    switch (kind) {
      case RECORD:
        return new MedicalRecord(id(r, "patient"), id(r, "author"), optId(r.optionalDigest("institution")),
            r.string("resourceType", Limits.MAX_RESOURCE_TYPE), r.digest("payloadDigest"), r.i64("payloadSize"),
            Checks.participants(r.digestList("storageNodes", Limits.MAX_STORAGE_NODES)),
            r.bytes("encryptionMetadata", Limits.MAX_ENCRYPTION_METADATA), r.i64("createdAt"),
            Optional.ofNullable(r.optionalDigest("amends")),
            version == VERSION_DEIDENTIFIED
                ? Optional.of(new DeidentifiedCopy(r.digest("deidentifiedDigest"), r.i64("deidentifiedSize"),
                    r.bytes("deidentifiedMetadata", Limits.MAX_ENCRYPTION_METADATA)))
                : Optional.empty(),
            none);
      case ACCESS_GRANT: {
        ParticipantId patient = id(r, "patient");
        ParticipantId grantee = id(r, "grantee");
        AccessScope scope = r.object("scope", s -> new AccessScope(
            AccessScope.Kind.values()[s.enumValue("kind", AccessScope.Kind.LABELS)],
            s.stringList("resourceTypes", Limits.MAX_SCOPE_ITEMS, Limits.MAX_RESOURCE_TYPE),
            s.digestList("records", Limits.MAX_SCOPE_ITEMS)));
        Purpose purpose = Purpose.values()[r.enumValue("purpose", Purpose.labels())];
        return new AccessGrant(patient, grantee, scope, purpose, r.i64("notBefore"), r.i64("notAfter"),
            Checks.participants(r.digestList("proxies", Limits.MAX_PROXIES)), r.u32("threshold", Limits.MAX_PROXIES),
            r.bytesList("keyFragments", Limits.MAX_PROXIES, Limits.MAX_KEY_FRAGMENT), r.i64("createdAt"), none);
      }
      case ACCESS_REVOCATION:
        return new AccessRevocation(id(r, "patient"), r.digest("grant"), r.i64("createdAt"), none);
      case ACCESS_EVENT:
        return new AccessEvent(id(r, "patient"), id(r, "accessor"), r.digest("record"),
            Optional.ofNullable(r.optionalDigest("grant")), r.i64("accessedAt"), none);
      case PATIENT_REGISTRATION:
        return new PatientRegistration(key(r.digest("patientKey"), "patientKey"), r.i64("createdAt"), none);
      case INSTITUTION_REGISTRATION:
        return new InstitutionRegistration(key(r.digest("institutionKey"), "institutionKey"),
            r.string("name", Limits.MAX_NAME_BYTES), new InstitutionClass(r.string("institutionClass", 8)),
            r.i64("createdAt"), none);
      case AFFILIATE_REGISTRATION:
        return new AffiliateRegistration(key(r.digest("memberKey"), "memberKey"),
            ParticipantKind.values()[r.enumValue("role", ParticipantKind.labels())], id(r, "institution"),
            r.i64("createdAt"), none);
      case RECORD_ERASURE:
        return new RecordErasure(id(r, "patient"), r.digest("record"), id(r, "requestedBy"), r.i64("createdAt"), none);
      case AFFILIATE_REMOVAL:
        return new AffiliateRemoval(id(r, "member"), id(r, "institution"), r.i64("createdAt"), none);
      case MEMBERSHIP_CHANGE:
        return new MembershipChange(MembershipChange.Operation.values()[r.enumValue("action", MembershipChange.Operation.LABELS)],
            ParticipantKind.values()[r.enumValue("role", ParticipantKind.labels())],
            key(r.digest("memberKey"), "memberKey"), optId(r.optionalDigest("operator")), r.i64("createdAt"), none);
      case ANCHOR:
        return new Anchor(id(r, "submitter"), r.digest("txid"), r.digest("commitment"), r.i64("fromHeight"),
            r.i64("toHeight"), r.i64("createdAt"), none);
      case EVIDENCE:
        return new Evidence(id(r, "reporter"), id(r, "accused"), r.bytes("firstMessage", Limits.MAX_EVIDENCE_MESSAGE),
            r.bytes("firstSignature", 64), r.bytes("secondMessage", Limits.MAX_EVIDENCE_MESSAGE),
            r.bytes("secondSignature", 64), r.i64("createdAt"), none);
      case KEY_PUBLICATION:
        try {
          return new KeyPublication(id(r, "participant"), r.bytes("encryptionKey", 33), r.bytes("verifyingKey", 33),
              version == VERSION_RESEARCH_KEY ? Optional.of(r.bytes("researchKey", 33)) : Optional.empty(),
              r.i64("createdAt"), none);
        } catch (IllegalArgumentException | MalformedEncodingException e) {
          throw new MalformedEncodingException("key publication: " + e.getMessage(), e);
        }
      case WITNESS_CHANGE: {
        MembershipChange.Operation action = MembershipChange.Operation.values()[r.enumValue("action", MembershipChange.Operation.LABELS)];
        String name = r.string("name", Limits.MAX_NAME_BYTES);
        Digest key = r.digest("witnessKey");
        String url = r.string("url", Witness.MAX_URL_BYTES);
        try {
          return new WitnessChange(action, new Witness(name, key(key, "witnessKey"), url), r.i64("createdAt"), none);
        } catch (IllegalArgumentException | MalformedEncodingException e) {
          throw new MalformedEncodingException("witness change: " + e.getMessage(), e);
        }
      }
      case INSTITUTION_REMOVAL:
        return new InstitutionRemoval(id(r, "institution"), r.i64("createdAt"), none);
      default:
        throw new MalformedEncodingException("unknown entry kind");
    }
  }
}
