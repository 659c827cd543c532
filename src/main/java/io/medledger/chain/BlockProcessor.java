package io.medledger.chain;

import static io.medledger.access.ParticipantKind.AUDIT_SERVER;
import static io.medledger.access.ParticipantKind.CLINICIAN;
import static io.medledger.access.ParticipantKind.FEDERATION_SERVER;
import static io.medledger.access.ParticipantKind.INSTITUTION;
import static io.medledger.access.ParticipantKind.PATIENT;
import static io.medledger.access.ParticipantKind.REGULATOR;
import static io.medledger.access.ParticipantKind.RESEARCHER;
import static io.medledger.access.ParticipantKind.STORAGE_NODE;

import io.medledger.access.Participant;
import io.medledger.access.ParticipantId;
import io.medledger.access.ParticipantKind;
import io.medledger.access.Purpose;
import io.medledger.codec.ByteString;
import io.medledger.crypto.Digest;
import io.medledger.crypto.Ed25519PublicKey;
import io.medledger.crypto.Ed25519Signatures;
import io.medledger.crypto.Sha256;
import io.medledger.internal.CapsuleIds;
import io.medledger.merkle.CompactRange;
import io.medledger.merkle.Rfc9162;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.Set;
import java.util.TreeMap;
import java.util.function.IntPredicate;
import java.util.stream.IntStream;

/**
 * The validation rules: signatures (optionally on all cores), authorization against the state as
 * of the parent block updated by the block's earlier entries, and the header's roots. Stateless
 * apart from the parameters and a bounded cache of entry encodings whose signatures verified;
 * thread-safe.
 */
final class BlockProcessor {
  /**
   * Encodings per generation of the verified cache: two generations of at most this many SHA-256
   * digests (about 6 MB in all) cover the seconds between a node admitting an entry and the block
   * that holds it, so that each node verifies each entry's signatures once, not on admission, on
   * proposal and on validation.
   */
  static final int VERIFIED_GENERATION = 1 << 15;
  /**
   * Fewest unverified entries checked as one batch: below this, one verification each costs about
   * as much ({@code BatchVerifyBench}: equal at 8 signatures, 1.7 times faster at 64).
   */
  static final int BATCH_FROM = 16;
  /**
   * Signer ids remembered (see {@link #participantOf}); past this many the cache starts afresh.
   * Small, because every new patient signs with a new key: a larger cache kept each such key for
   * many seconds, long enough to be moved to the old generation, to save one SHA-256 per miss.
   */
  static final int SIGNER_IDS = 1 << 10;

  private final ChainParameters params;
  private final long skewMillis;
  // the SHA-256 of whole encodings (content and endorsements) whose signatures verified under this
  // chain; a hit means the very same bytes, hence the same result. Racing updates only lose hits.
  private volatile Set<Digest> verified = java.util.concurrent.ConcurrentHashMap.newKeySet();
  private volatile Set<Digest> verifiedBefore = Set.of();
  // the multipliers of batch verification: unpredictable to whoever made the signatures
  private final java.security.SecureRandom batchRandom = new java.security.SecureRandom();
  // signer key -> ParticipantId.of(key); replaced by an empty map when full. Races only lose entries.
  private volatile Map<Ed25519PublicKey, ParticipantId> participants = new java.util.concurrent.ConcurrentHashMap<>();

  BlockProcessor(ChainParameters params) {
    this.params = params;
    this.skewMillis = params.maxClockSkew().toMillis();
  }

  /**
   * The per-block facts authorization needs: the block's height and time, and the federation
   * servers serving (listed, not suspended) as of the parent.
   */
  record Context(long height, long time, Set<ParticipantId> parentFederation) {}

  // ---------------------------------------------------------------- signatures

  boolean signaturesValid(EncodedEntry e) {
    return signaturesValid(e, null);
  }

  /** As {@link #signaturesValid(EncodedEntry)}, given the SHA-256 of the encoding if known. */
  private boolean signaturesValid(EncodedEntry e, Digest hashed) {
    List<Endorsement> ens = e.entry.endorsements();
    if (ens.isEmpty()) {
      return false;
    }
    Digest whole = hashed != null ? hashed : io.medledger.crypto.Sha256.hash(e.encoded);
    if (known(whole)) {
      return true;
    }
    byte[] msg = e.signingMessage(params.chainId());
    for (Endorsement en : ens) {
      if (!en.verify(msg)) {
        return false;
      }
    }
    remember(whole);
    return true;
  }

  private boolean known(Digest whole) {
    return verified.contains(whole) || verifiedBefore.contains(whole);
  }

  private void remember(Digest whole) {
    Set<Digest> current = verified;
    current.add(whole);
    if (current.size() >= VERIFIED_GENERATION) {
      synchronized (this) {
        if (verified == current) {
          verifiedBefore = current;
          verified = java.util.concurrent.ConcurrentHashMap.newKeySet();
        }
      }
    }
  }

  /**
   * Null when every entry's signatures verify, else the reason naming the first bad entry. The
   * signatures not verified before are checked together ({@link Ed25519Signatures#verifyAll}), in
   * one batch per core when {@code parallel}; only when a batch fails are its entries checked one
   * at a time, to name the first bad one. Both give the same answer for every signature.
   */
  String verifySignatures(List<EncodedEntry> entries, boolean parallel) {
    int n = entries.size();
    Digest[] wholes = new Digest[n];
    IntStream hashing = IntStream.range(0, n);
    (parallel ? hashing.parallel() : hashing).forEach(i -> wholes[i] = io.medledger.crypto.Sha256.hash(entries.get(i).encoded));
    List<Integer> todo = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      if (entries.get(i).entry.endorsements().isEmpty()) {
        return firstBad(entries, wholes, parallel);
      }
      if (!known(wholes[i])) {
        todo.add(i);
      }
    }
    if (todo.size() < BATCH_FROM) {
      return firstBad(entries, wholes, parallel);
    }
    int chunks = parallel ? Math.max(1, Math.min(Runtime.getRuntime().availableProcessors(), todo.size() / BATCH_FROM)) : 1;
    IntStream range = IntStream.range(0, chunks);
    long failed = (chunks > 1 ? range.parallel() : range).filter(c -> {
      List<Integer> part = todo.subList(c * todo.size() / chunks, (c + 1) * todo.size() / chunks);
      List<Ed25519PublicKey> keys = new ArrayList<>();
      List<byte[]> messages = new ArrayList<>();
      List<byte[]> signatures = new ArrayList<>();
      for (int i : part) {
        EncodedEntry e = entries.get(i);
        byte[] msg = e.signingMessage(params.chainId());
        for (Endorsement en : e.entry.endorsements()) {
          keys.add(en.signer());
          messages.add(msg);
          signatures.add(en.signature().toByteArray());
        }
      }
      if (!Ed25519Signatures.verifyAll(keys, messages, signatures, batchRandom)) {
        return true;
      }
      for (int i : part) {
        remember(wholes[i]); // so that a failed batch elsewhere re-checks only its own entries
      }
      return false;
    }).count();
    return failed == 0 ? null : firstBad(entries, wholes, parallel);
  }

  /**
   * Checks entries one at a time, reusing the SHA-256 of each encoding: null when all verify,
   * else the reason naming the first bad one.
   */
  private String firstBad(List<EncodedEntry> entries, Digest[] wholes, boolean parallel) {
    IntPredicate bad = i -> !signaturesValid(entries.get(i), wholes[i]);
    IntStream range = IntStream.range(0, entries.size());
    OptionalInt first = parallel ? range.parallel().filter(bad).min() : range.filter(bad).findFirst();
    if (first.isEmpty()) {
      return null;
    }
    EncodedEntry e = entries.get(first.getAsInt());
    return "entry " + first.getAsInt() + " (" + e.entry.kind().label() + " " + e.id().toHex()
        + "): missing or invalid signature";
  }

  // ---------------------------------------------------------------- authorization

  private Set<ParticipantId> signers(Entry e) {
    Set<ParticipantId> s = new HashSet<>();
    for (Endorsement en : e.endorsements()) {
      s.add(participantOf(en.signer()));
    }
    return s;
  }

  /**
   * {@code ParticipantId.of(key)}, remembered per key (keys compare by their 32 bytes): a signer's
   * id is a SHA-256, and the same signers endorse entry after entry.
   */
  ParticipantId participantOf(Ed25519PublicKey key) {
    Map<Ed25519PublicKey, ParticipantId> m = participants;
    ParticipantId id = m.get(key);
    if (id == null) {
      id = ParticipantId.of(key);
      if (m.size() >= SIGNER_IDS) {
        m = new java.util.concurrent.ConcurrentHashMap<>();
        participants = m;
      }
      m.put(key, id);
    }
    return id;
  }

  /** How many signer ids are remembered (for tests). */
  int cachedSignerIds() {
    return participants.size();
  }

  private static String exactly(Set<ParticipantId> signers, ParticipantId... required) {
    Set<ParticipantId> want = Set.of(required);
    if (!signers.equals(want)) {
      return "must be signed by exactly " + want + ", signed by " + signers;
    }
    return null;
  }

  private static String governance(Set<ParticipantId> signers, Set<ParticipantId> required, Context c) {
    for (ParticipantId r : required) {
      if (!signers.contains(r)) {
        return "missing the signature of " + r;
      }
    }
    int count = 0;
    for (ParticipantId s : signers) {
      if (c.parentFederation().contains(s)) {
        count++;
      } else if (!required.contains(s)) {
        return "signed by " + s + ", which is not a federation server";
      }
    }
    int need = c.parentFederation().isEmpty() ? 0 : Membership.quorum(c.parentFederation().size());
    if (count < need) {
      return "needs " + need + " federation server signatures, has " + count;
    }
    return null;
  }

  private static String notRegistered(Overlay o, ParticipantId id) {
    return o.participant(id) != null ? "key already registered as " + id : null;
  }

  /** Null if {@code e} is authorized in state {@code o}, else the reason. Does not apply it. */
  String authorize(EncodedEntry ee, Overlay o, Context c) {
    Entry e = ee.entry;
    if (o.hasEntry(ee.id())) {
      return "duplicate entry";
    }
    if (e.createdAt() > c.time() + skewMillis) {
      return "entry time " + e.createdAt() + " is after the block time " + c.time();
    }
    Set<ParticipantId> signers = signers(e);
    if (e instanceof PatientRegistration p) {
      String r = notRegistered(o, p.pseudonym());
      return r != null ? r : patientRegistration(p, signers, o, c);
    } else if (e instanceof InstitutionRegistration i) {
      String r = notRegistered(o, i.institution());
      return r != null ? r : governance(signers, Set.of(i.institution()), c);
    } else if (e instanceof AffiliateRegistration a) {
      String r = notRegistered(o, a.member());
      if (r != null) {
        return r;
      }
      if (o.active(a.institution(), INSTITUTION) == null) {
        return "institution " + a.institution() + " is not an active registered institution";
      }
      return exactly(signers, a.institution(), a.member());
    } else if (e instanceof RecordErasure x) {
      String r = exactly(signers, x.requestedBy());
      if (r != null) {
        return r;
      }
      if (!x.requestedBy().equals(x.patient()) && o.active(x.requestedBy(), REGULATOR) == null) {
        return "erasure is requested by the patient or an active regulator";
      }
      LedgerState.RecordInfo rec = o.record(x.record());
      if (rec == null || !rec.patient().equals(x.patient())) {
        return "no record " + x.record() + " of this patient";
      }
      return rec.erased() ? "record already erased" : null;
    } else if (e instanceof AffiliateRemoval a) {
      String r = exactly(signers, a.institution());
      if (r != null) {
        return r;
      }
      Participant m = o.active(a.member(), CLINICIAN, RESEARCHER, STORAGE_NODE);
      if (m == null || !m.affiliation().orElseThrow().equals(a.institution())) {
        return a.member() + " is not an active member of institution " + a.institution();
      }
      return null;
    } else if (e instanceof InstitutionRemoval x) {
      return institutionRemoval(x, signers, o, c);
    } else if (e instanceof MembershipChange m) {
      return membership(m, signers, o, c);
    } else if (e instanceof WitnessChange w) {
      return witness(w, signers, o, c);
    } else if (e instanceof MedicalRecord m) {
      return record(m, ee.id(), signers, o, c);
    } else if (e instanceof AccessGrant g) {
      return grant(g, signers, o);
    } else if (e instanceof AccessRevocation v) {
      String r = exactly(signers, v.patient());
      if (r != null) {
        return r;
      }
      LedgerState.GrantInfo g = o.grant(v.grant());
      if (g == null || !g.grant().patient().equals(v.patient())) {
        return "no grant " + v.grant() + " by this patient";
      }
      return g.revoked() ? "grant already revoked" : null;
    } else if (e instanceof AccessEvent a) {
      return event(a, signers, o, c);
    } else if (e instanceof Anchor a) {
      String r = exactly(signers, a.submitter());
      if (r != null) {
        return r;
      }
      if (o.active(a.submitter(), FEDERATION_SERVER) == null) {
        return "anchors are submitted by active federation servers";
      }
      return a.toHeight() >= c.height() ? "an anchor covers only earlier blocks" : null;
    } else if (e instanceof Evidence v) {
      return evidence(v, signers, o, c);
    } else if (e instanceof KeyPublication k) {
      String r = exactly(signers, k.participant());
      if (r != null) {
        return r;
      }
      Participant p = o.participant(k.participant());
      if (p == null || !p.active()) {
        return k.participant() + " is not an active registered participant";
      }
      if (k.researchKey().filter(rk -> rk.equals(k.encryptionKey()) || rk.equals(k.verifyingKey())).isPresent()) {
        return "a research key must differ from the encryption and verifying keys it is published with";
      }
      String reused = params.reusedKeysRuled(c.height()) ? reusedKey(k, o) : null;
      if (reused != null) {
        return reused;
      }
      KeyPublication inForce = o.publication(k.participant());
      return inForce == null ? null : researchKeyUpgrade(k, inForce, p);
    }
    return "unknown entry kind";
  }

  /**
   * Null unless {@code k} shares a research key with another participant: its research key is a
   * key someone else published, or its encryption or verifying key is someone else's research key
   * (never its own: a research key differs from the keys published with it, and an upgrade
   * carries the keys in force). The index names each key's first publisher.
   */
  private static String reusedKey(KeyPublication k, Overlay o) {
    if (k.researchKey().isPresent()) {
      LedgerState.KeyOwner w = o.keyOwner(keyDigest(k.researchKey().get()));
      if (w != null && !w.participant().equals(k.participant())) {
        return "reused-key rule: the research key is a key " + w.participant() + " published; a research key is"
            + " one patient's alone";
      }
    }
    for (ByteString key : List.of(k.encryptionKey(), k.verifyingKey())) {
      LedgerState.KeyOwner w = o.keyOwner(keyDigest(key));
      if (w != null && w.research()) {
        return "reused-key rule: a key published here is the research key of " + w.participant()
            + "; a research key is one patient's alone";
      }
    }
    return null;
  }

  /**
   * A later publication of a participant whose keys are published: accepted only as the one-time
   * research-key upgrade of a patient, which adds a research key to a publication in force without
   * one and carries the same encryption and verifying keys, so no key is substituted.
   */
  private static String researchKeyUpgrade(KeyPublication k, KeyPublication inForce, Participant p) {
    String already = "keys of " + k.participant() + " are already published";
    if (p.kind() != PATIENT || k.researchKey().isEmpty()) {
      return already;
    }
    if (inForce.researchKey().isPresent()) {
      return already + ", with a research key";
    }
    if (!k.encryptionKey().equals(inForce.encryptionKey()) || !k.verifyingKey().equals(inForce.verifyingKey())) {
      return already + ": a research-key upgrade must carry the encryption and verifying keys in force";
    }
    return null;
  }

  /**
   * A patient registration: signed by the patient and one registrar ({@link #registrar}), which has
   * countersigned fewer than {@link ChainParameters#registrationsPerRegistrar()} of the block's
   * registrations before it (from {@link ChainParameters#registrationBoundFrom()}); below
   * {@link ChainParameters#registrarsFrom()} the patient's signature alone also does.
   */
  private String patientRegistration(PatientRegistration p, Set<ParticipantId> signers, Overlay o, Context c) {
    if (!signers.contains(p.pseudonym())) {
      return "a patient registration must be signed by the patient " + p.pseudonym() + ", signed by " + signers;
    }
    if (signers.size() == 1) {
      return params.registrarRequired(c.height()) ? "a patient registration needs a registrar's endorsement (an active "
          + "institution or an active clinician of one) besides the patient's; it has the patient's alone" : null;
    }
    if (signers.size() > 2) {
      return "a patient registration is signed by the patient and one registrar, signed by " + signers;
    }
    ParticipantId registrar = registrarOf(p, signers);
    String r = registrar(o, registrar);
    if (r != null || !atRegistrationBound(registrar, o, c)) {
      return r;
    }
    return "registrar " + registrar + " already countersigned " + params.registrationsPerRegistrar()
        + " patient registrations in this block, the most one registrar may (the chain's registrations per "
        + "registrar bound); the rest wait for later blocks";
  }

  /** The one signer of {@code p} besides the patient, or null when it has none or several. */
  private static ParticipantId registrarOf(PatientRegistration p, Set<ParticipantId> signers) {
    if (signers.size() != 2 || !signers.contains(p.pseudonym())) {
      return null;
    }
    for (ParticipantId s : signers) {
      if (!s.equals(p.pseudonym())) {
        return s;
      }
    }
    throw new AssertionError("two distinct signers, one of them the patient");
  }

  /** Whether {@code registrar} countersigned as many of this block's registrations so far as block {@code c} allows. */
  private boolean atRegistrationBound(ParticipantId registrar, Overlay o, Context c) {
    return params.registrationBound(c.height()) && o.registrations(registrar) >= params.registrationsPerRegistrar();
  }

  /**
   * Whether {@code ee} is a patient registration whose registrar already countersigned as many of
   * the block's registrations so far as the chain's bound allows: a proposer defers it to a later
   * block, where {@link #authorize} may accept it.
   */
  boolean beyondRegistrationBound(EncodedEntry ee, Overlay o, Context c) {
    if (!(ee.entry instanceof PatientRegistration p)) {
      return false;
    }
    ParticipantId registrar = registrarOf(p, signers(p));
    return registrar != null && atRegistrationBound(registrar, o, c);
  }

  /**
   * Null if {@code id} may countersign patient registrations: an active institution, or an active
   * clinician of an active institution; else why not.
   */
  private static String registrar(Overlay o, ParticipantId id) {
    Participant r = o.participant(id);
    if (r == null) {
      return "registrar " + id + " is not a registered participant";
    }
    if (!r.active()) {
      return "registrar " + id + " is no longer an active " + r.kind().label();
    }
    if (r.kind() == CLINICIAN) {
      ParticipantId inst = r.affiliation().orElseThrow();
      return o.active(inst, INSTITUTION) == null ? "registrar " + id + " is a clinician of " + inst
          + ", which is not an active institution" : null;
    }
    return r.kind() == INSTITUTION ? null : "registrar " + id + " is a " + r.kind().label()
        + "; registrars are active institutions and their active clinicians";
  }

  /**
   * An institution removal: of an active institution that operates no listed server (governance
   * removes those first), by a governance quorum as of the parent block, as its registration.
   */
  private static String institutionRemoval(InstitutionRemoval x, Set<ParticipantId> signers, Overlay o, Context c) {
    Participant inst = o.participant(x.institution());
    if (inst == null || inst.kind() != INSTITUTION) {
      return x.institution() + " is not a registered institution";
    }
    if (!inst.active()) {
      return "institution " + x.institution() + " is already removed";
    }
    for (ParticipantKind role : List.of(FEDERATION_SERVER, AUDIT_SERVER)) {
      for (ParticipantId s : o.listed(role)) {
        if (o.participant(s).affiliation().filter(x.institution()::equals).isPresent()) {
          return "institution " + x.institution() + " still operates the listed " + role.label() + " " + s
              + "; governance removes its servers first";
        }
      }
    }
    if (c.parentFederation().isEmpty()) {
      return "an institution removal needs a federation quorum";
    }
    return governance(signers, Set.of(), c);
  }

  private String membership(MembershipChange m, Set<ParticipantId> signers, Overlay o, Context c) {
    ParticipantId member = m.member();
    Participant existing = o.participant(member);
    if (m.action() == MembershipChange.Operation.ADD) {
      if (existing != null && (existing.active() || existing.kind() != m.role())) {
        return "key already registered as " + member;
      }
      if (m.role() != ParticipantKind.REGULATOR) {
        Participant op = o.active(m.operator().orElseThrow(), INSTITUTION);
        if (op == null) {
          return "operator is not an active registered institution";
        }
        if (!params.mayOperate(m.role(), op.institutionClass().orElseThrow())) {
          return "an institution of class " + op.institutionClass().orElseThrow() + " may not operate a "
              + m.role().label();
        }
      }
      return governance(signers, Set.of(member), c);
    }
    if (existing == null || !existing.active() || existing.kind() != m.role()) {
      return member + " is not an active " + m.role().label();
    }
    if (m.action() == MembershipChange.Operation.REINSTATE) {
      if (!o.suspended(member)) {
        return member + " is not suspended";
      }
      return governance(signers, Set.of(), c);
    }
    if (m.role() == FEDERATION_SERVER && !o.suspended(member) && o.serving(FEDERATION_SERVER).size() <= 1) {
      return "the last federation server cannot be removed";
    }
    if (c.parentFederation().isEmpty()) {
      return "removal needs a federation quorum";
    }
    return governance(signers, Set.of(), c);
  }

  /** A witness change: a federation quorum; a new name and key, or exactly a listed witness. */
  private static String witness(WitnessChange w, Set<ParticipantId> signers, Overlay o, Context c) {
    if (c.parentFederation().isEmpty()) {
      return "a witness change needs a federation quorum";
    }
    List<Witness> listed = o.witnesses();
    Witness x = w.witness();
    if (w.action() == MembershipChange.Operation.ADD) {
      if (listed.size() >= Limits.MAX_WITNESSES) {
        return "the chain already lists " + Limits.MAX_WITNESSES + " witnesses";
      }
      for (Witness l : listed) {
        if (l.name().equals(x.name()) || l.key().equals(x.key())) {
          return "a listed witness already uses the name " + l.name() + " or its key";
        }
      }
    } else if (!listed.contains(x)) {
      return "witness " + x.name() + " is not listed with this key and url";
    }
    return governance(signers, Set.of(), c);
  }

  private String record(MedicalRecord m, Digest id, Set<ParticipantId> signers, Overlay o, Context c) {
    String r = exactly(signers, m.author());
    if (r != null) {
      return r;
    }
    if (o.active(m.patient(), PATIENT) == null) {
      return "patient " + m.patient() + " is not registered";
    }
    for (ParticipantId n : m.storageNodes()) {
      if (o.active(n, STORAGE_NODE) == null) {
        return "storage node " + n + " is not registered";
      }
    }
    List<Digest> lineage = new ArrayList<>();
    lineage.add(id);
    if (m.amends().isPresent()) {
      LedgerState.RecordInfo prev = o.record(m.amends().get());
      if (prev == null || !prev.patient().equals(m.patient())) {
        return "amends no record of this patient";
      }
      if (prev.erased()) {
        return "amends an erased record";
      }
      if (!prev.resourceType().equals(m.resourceType())) {
        return "an amendment keeps the resource type " + prev.resourceType();
      }
      if (prev.lineage().size() >= Limits.MAX_AMENDMENT_DEPTH) {
        return "amends a record whose lineage already holds " + Limits.MAX_AMENDMENT_DEPTH
            + " records; write a new record instead";
      }
      lineage.addAll(prev.lineage());
    }
    String denied = authorship(m, lineage, o, c);
    return denied != null ? denied : claimed(m, o);
  }

  /** Null if the author of {@code m} (of amendment lineage {@code lineage}) may write it, else the reason. */
  private static String authorship(MedicalRecord m, List<Digest> lineage, Overlay o, Context c) {
    if (m.author().equals(m.patient())) {
      return null;
    }
    Participant author = o.active(m.author(), CLINICIAN);
    if (author == null) {
      return "author " + m.author() + " is not an active clinician";
    }
    ParticipantId inst = m.institution().orElseThrow();
    if (!author.affiliation().orElseThrow().equals(inst)) {
      return "the author does not belong to institution " + inst;
    }
    if (o.active(inst, INSTITUTION) == null) {
      return "institution " + inst + " is not active";
    }
    Set<Digest> lineageSet = null;
    for (Digest gid : o.grantsOf(m.patient())) {
      LedgerState.GrantInfo g = o.grant(gid);
      AccessGrant ag = g.grant();
      if (g.inForceAt(c.time()) && ag.purpose() == Purpose.TREATMENT
          && (ag.grantee().equals(inst) || ag.grantee().equals(m.author()))) {
        if (lineageSet == null) {
          lineageSet = new HashSet<>(lineage);
        }
        // as covers(type, lineage), in time linear in the scope's items, which the patient's grants bound together
        if (ag.scope().coversAny(m.resourceType(), lineageSet)) {
          return null;
        }
      }
    }
    return "no active treatment grant from the patient covers this " + m.resourceType() + " by " + m.author();
  }

  /** Something only one record may name: a payload digest or a capsule id, with what it is for messages. */
  private record Claim(Digest key, String what) {}

  /**
   * What {@code m} alone may name: its payload digests (full and de-identified), for an erasure
   * deletes the payloads its record names, and its capsules, for re-encrypting a capsule under a
   * grant of {@code m} hands the grantee that capsule's data key. Keys are domain-separated.
   */
  private static List<Claim> claims(MedicalRecord m) {
    List<Claim> c = new ArrayList<>(4);
    c.add(payloadClaim(m.payloadDigest()));
    CapsuleIds.of(m.encryptionMetadata()).ifPresent(k -> c.add(new Claim(k, "capsule")));
    m.deidentified().ifPresent(d -> {
      c.add(payloadClaim(d.payloadDigest()));
      CapsuleIds.of(d.encryptionMetadata()).ifPresent(k -> c.add(new Claim(k, "capsule")));
    });
    return c;
  }

  private static Claim payloadClaim(Digest payload) {
    return new Claim(Sha256.hashPrefixed((byte) 'P', payload.toByteArray()), "payload " + payload);
  }

  /** Null if no record names what {@code m} names and {@code m} names nothing twice, else the reason. */
  private static String claimed(MedicalRecord m, Overlay o) {
    List<Claim> claims = claims(m);
    for (int i = 0; i < claims.size(); i++) {
      for (int j = 0; j < i; j++) {
        if (claims.get(i).key().equals(claims.get(j).key())) {
          return "the full payload and the de-identified copy share their " + claims.get(i).what();
        }
      }
      Digest other = o.claimant(claims.get(i).key());
      if (other != null) {
        return "record " + other + " already names this " + claims.get(i).what();
      }
    }
    return null;
  }

  private String grant(AccessGrant g, Set<ParticipantId> signers, Overlay o) {
    String r = exactly(signers, g.patient());
    if (r != null) {
      return r;
    }
    if (o.active(g.patient(), PATIENT) == null) {
      return "patient " + g.patient() + " is not registered";
    }
    Participant grantee = o.active(g.grantee(), INSTITUTION, CLINICIAN, RESEARCHER);
    if (grantee == null) {
      return "grantee " + g.grantee() + " is not an active institution, clinician or researcher";
    }
    if (!g.purpose().allowsGrantee(grantee.kind())) {
      return "a " + g.purpose().label() + " grant cannot name a " + grantee.kind().label() + " as grantee";
    }
    for (ParticipantId p : g.proxies()) {
      if (o.active(p, FEDERATION_SERVER) == null) {
        return "proxy " + p + " is not an active federation server";
      }
    }
    for (Digest rec : g.scope().records()) {
      LedgerState.RecordInfo ri = o.record(rec);
      if (ri == null || !ri.patient().equals(g.patient())) {
        return "scope names record " + rec + ", not a record of this patient";
      }
    }
    int open = 0;
    int items = g.scope().items();
    for (Digest gid : o.grantsOf(g.patient())) {
      LedgerState.GrantInfo held = o.grant(gid);
      if (!held.revoked()) {
        open++; // counted, not taken from the list's size: a state written before revoked grants left it still lists them
        items += held.grant().scope().items();
      }
    }
    if (open >= Limits.MAX_OPEN_GRANTS) {
      return "the patient already holds " + Limits.MAX_OPEN_GRANTS
          + " grants it has not revoked (expired ones included); revoke one first";
    }
    if (items > Limits.MAX_OPEN_GRANT_SCOPE_ITEMS) {
      return "the scopes of the patient's grants not revoked (expired ones included) would list " + items
          + " resource types and records together, more than " + Limits.MAX_OPEN_GRANT_SCOPE_ITEMS
          + " resource types and records; revoke one first";
    }
    return null;
  }

  /**
   * An access event: signed by its reader, for an existing unerased record, dated within the
   * clock skew of its block and not before the record (or the grant) existed; under a grant that
   * is in force (never revoked, as of this block), whose purpose allows the reader's kind, and
   * that names the reader or the institution it belongs to.
   */
  private String event(AccessEvent a, Set<ParticipantId> signers, Overlay o, Context c) {
    String r = exactly(signers, a.accessor());
    if (r != null) {
      return r;
    }
    if (a.accessedAt() < c.time() - skewMillis) {
      return "access time " + a.accessedAt() + " is more than the clock skew before the block time " + c.time();
    }
    LedgerState.RecordInfo rec = o.record(a.record());
    if (rec == null || !rec.patient().equals(a.patient())) {
      return "no record " + a.record() + " of this patient";
    }
    if (rec.erased()) {
      return "the record was erased";
    }
    if (a.accessedAt() < rec.createdAt()) {
      return "access time " + a.accessedAt() + " is before the record existed (" + rec.createdAt() + ")";
    }
    Participant accessor = o.participant(a.accessor());
    if (accessor == null || !accessor.active()) {
      return "accessor " + a.accessor() + " is not an active participant";
    }
    if (a.grant().isEmpty()) {
      return null;
    }
    LedgerState.GrantInfo g = o.grant(a.grant().get());
    if (g == null || !g.grant().patient().equals(a.patient())) {
      return "no grant " + a.grant().get() + " by this patient";
    }
    AccessGrant ag = g.grant();
    if (g.revoked()) {
      return "the grant was revoked before this block (at " + g.revokedAt() + "): it authorizes no further reads";
    }
    if (a.accessedAt() < ag.createdAt()) {
      return "access time " + a.accessedAt() + " is before the grant existed (" + ag.createdAt() + ")";
    }
    if (!ag.validAt(a.accessedAt())) {
      return "the grant was not valid at " + a.accessedAt();
    }
    if (!ag.purpose().allowsReader(accessor.kind())) {
      return "a " + ag.purpose().label() + " grant does not let a " + accessor.kind().label() + " read";
    }
    boolean grantee = ag.grantee().equals(a.accessor())
        || accessor.affiliation().map(ag.grantee()::equals).orElse(false);
    if (!grantee) {
      return "the grant is not for " + a.accessor();
    }
    if (!ag.scope().covers(rec.resourceType(), rec.lineage())) {
      return "the grant does not cover this record";
    }
    return null;
  }

  private String evidence(Evidence v, Set<ParticipantId> signers, Overlay o, Context c) {
    String r = exactly(signers, v.reporter());
    if (r != null) {
      return r;
    }
    if (o.active(v.reporter(), FEDERATION_SERVER, AUDIT_SERVER) == null) {
      return "evidence is reported by active federation or audit servers";
    }
    Participant accused = o.participant(v.accused());
    if (accused == null || (accused.kind() != FEDERATION_SERVER && accused.kind() != AUDIT_SERVER)) {
      return "the accused is not a server";
    }
    Ed25519PublicKey k = accused.publicKey();
    if (!k.verify(v.firstMessage().toByteArray(), v.firstSignature().toByteArray())
        || !k.verify(v.secondMessage().toByteArray(), v.secondSignature().toByteArray())) {
      return "the quoted messages are not both signed by the accused";
    }
    Optional<EvidencePolicy.Offence> off = offence(v);
    if (off.isEmpty()) {
      return "the quoted messages do not conflict: they prove no offence";
    }
    long h = off.get().height();
    if (h > c.height()) {
      return "the messages are about height " + h + ", which this chain has not reached";
    }
    // The membership that ordered height h: the state after block h - 1.
    Membership m = o.base.membershipAfter(h - 1);
    boolean member = off.get().asProposer() ? m.isFederationServer(v.accused())
        : m.isFederationServer(v.accused()) || m.isAuditServer(v.accused());
    if (!member) {
      return "the accused was not a serving " + (off.get().asProposer() ? "federation server" : "server")
          + " at height " + h;
    }
    return null;
  }

  private Optional<EvidencePolicy.Offence> offence(Evidence v) {
    return params.evidencePolicy().offence(params.chainId(), v.firstMessage(), v.secondMessage());
  }

  /**
   * The consequence of valid evidence: the accused is suspended from the next block on, unless it
   * is already suspended, governance reinstated it at or after the offence's height, it no longer
   * serves, or it is the last serving server of its role.
   */
  private void suspend(Evidence v, Overlay o, long blockHeight) {
    ParticipantId id = v.accused();
    long h = offence(v).orElseThrow().height();
    long forgivenUpTo = o.reinstated.contains(id) ? blockHeight : o.reinstatedAt(id);
    if (o.suspended(id) || forgivenUpTo >= h) {
      return;
    }
    for (ParticipantKind role : List.of(FEDERATION_SERVER, AUDIT_SERVER)) {
      List<ParticipantId> serving = o.serving(role);
      if (serving.contains(id) && serving.size() > 1) {
        o.suspension.put(id, true);
      }
    }
  }

  // ---------------------------------------------------------------- effects

  /** Records the effects of an authorized entry. */
  void apply(EncodedEntry ee, Overlay o, long height, long time) {
    Entry e = ee.entry;
    o.newEntries.add(ee.id());
    if (e instanceof PatientRegistration p) {
      o.participants.put(p.pseudonym(), new Participant(PATIENT, p.patientKey(), Optional.empty(), Optional.empty(),
          height, true));
      ParticipantId registrar = registrarOf(p, signers(p));
      if (registrar != null) {
        o.registrations.merge(registrar, 1, Integer::sum);
      }
    } else if (e instanceof InstitutionRegistration i) {
      o.participants.put(i.institution(), new Participant(INSTITUTION, i.institutionKey(), Optional.empty(),
          Optional.of(i.institutionClass()), height, true));
    } else if (e instanceof AffiliateRegistration a) {
      o.participants.put(a.member(), new Participant(a.role(), a.memberKey(), Optional.of(a.institution()),
          Optional.empty(), height, true));
    } else if (e instanceof RecordErasure x) {
      o.records.put(x.record(), o.record(x.record()).erase());
    } else if (e instanceof AffiliateRemoval a) {
      o.participants.put(a.member(), o.participant(a.member()).deactivated());
    } else if (e instanceof InstitutionRemoval x) {
      o.participants.put(x.institution(), o.stored(x.institution()).deactivated());
    } else if (e instanceof MembershipChange m) {
      Participant existing = o.participant(m.member());
      Participant now;
      if (m.action() == MembershipChange.Operation.ADD) {
        if (existing == null) {
          now = new Participant(m.role(), m.memberKey(), m.operator(), Optional.empty(), height, true);
        } else if (params.reusedKeysRuled(height)) { // the operator this addition names, not the first one's
          now = new Participant(m.role(), existing.publicKey(), m.operator(), Optional.empty(), existing.registeredAt(),
              true);
        } else {
          now = existing.reactivated();
        }
      } else if (m.action() == MembershipChange.Operation.REMOVE) {
        now = existing.deactivated();
        if (o.suspended(m.member())) {
          o.suspension.put(m.member(), false);
        }
      } else {
        now = existing;
        o.suspension.put(m.member(), false);
        o.reinstated.add(m.member());
      }
      o.participants.put(m.member(), now);
      o.membershipChanges.add(m);
      if (m.role() == FEDERATION_SERVER && m.action() != MembershipChange.Operation.REINSTATE) {
        o.federationDelta += m.action() == MembershipChange.Operation.ADD ? 1 : -1;
      }
    } else if (e instanceof Evidence v) {
      suspend(v, o, height);
    } else if (e instanceof WitnessChange w) {
      o.witnessChanges.add(w);
    } else if (e instanceof AccessGrant g) {
      o.grants.put(ee.id(), new LedgerState.GrantInfo(ee.id(), terms(g), height, Long.MAX_VALUE));
      o.newGrantsByPatient.computeIfAbsent(g.patient(), k -> new ArrayList<>()).add(ee.id());
    } else if (e instanceof AccessRevocation v) {
      o.grants.put(v.grant(), o.grant(v.grant()).revoke(time));
    } else if (e instanceof KeyPublication k) {
      o.publishedKeys.put(k.participant(), ee.id());
      o.newPublications.put(ee.id(), k);
      indexKey(o, k.encryptionKey(), k.participant(), false);
      indexKey(o, k.verifyingKey(), k.participant(), false);
      k.researchKey().ifPresent(r -> indexKey(o, r, k.participant(), true));
    } else if (e instanceof MedicalRecord m) {
      List<Digest> lineage = new ArrayList<>();
      lineage.add(ee.id());
      m.amends().ifPresent(a -> lineage.addAll(o.record(a).lineage()));
      o.records.put(ee.id(), new LedgerState.RecordInfo(ee.id(), m.patient(), m.resourceType(), List.copyOf(lineage),
          m.createdAt(), false));
      for (Claim c : claims(m)) {
        o.claims.put(c.key(), ee.id());
      }
    }
  }

  /** Records {@code owner} as the publisher of {@code key} unless someone published it before. */
  private static void indexKey(Overlay o, ByteString key, ParticipantId owner, boolean research) {
    Digest d = keyDigest(key);
    if (o.keyOwner(d) == null) {
      o.keyOwners.put(d, new LedgerState.KeyOwner(owner, research));
    }
  }

  /** The state's key for a published Umbral key: SHA-256 of {@code K} and its 33 bytes. */
  static Digest keyDigest(ByteString key) {
    return Sha256.hashPrefixed((byte) 'K', key.toByteArray());
  }

  /** The terms of a grant that authorization needs (no proxies, fragments or signatures kept in memory). */
  private static AccessGrant terms(AccessGrant g) {
    return new AccessGrant(g.patient(), g.grantee(), g.scope(), g.purpose(), g.notBefore(), g.notAfter(), List.of(), 0,
        List.of(), g.createdAt(), List.of());
  }

  /**
   * What a block's roots need from its entries alone: each entry's leaf hash, the entries root, and
   * per subject (sorted, {@link SubBlockHeader#NO_PATIENT} for none) the number of entries and the
   * root over their leaves. Immutable.
   */
  record LocalRoots(List<Digest> leaves, Digest entriesRoot, List<Digest> keys, List<Integer> counts,
      List<Digest> groupRoots) {
    static LocalRoots of(List<EncodedEntry> entries) {
      List<Digest> leaves = new ArrayList<>(entries.size());
      Map<Digest, List<Digest>> groups = new TreeMap<>();
      for (EncodedEntry e : entries) {
        Digest leaf = e.leafHash();
        leaves.add(leaf);
        Digest key = e.entry.subject().map(ParticipantId::digest).orElse(SubBlockHeader.NO_PATIENT);
        groups.computeIfAbsent(key, k -> new ArrayList<>()).add(leaf);
      }
      List<Integer> counts = new ArrayList<>(groups.size());
      List<Digest> groupRoots = new ArrayList<>(groups.size());
      for (List<Digest> g : groups.values()) {
        counts.add(g.size());
        groupRoots.add(Rfc9162.rootOfLeafHashes(g));
      }
      return new LocalRoots(List.copyOf(leaves), Rfc9162.rootOfLeafHashes(leaves), List.copyOf(groups.keySet()),
          List.copyOf(counts), List.copyOf(groupRoots));
    }
  }

  /** Computes the sub-blocks and every root for {@code entries} on top of {@code base}. */
  static BlockEffects.Roots roots(LedgerState base, List<EncodedEntry> entries, long height) {
    return roots(base, LocalRoots.of(entries), height);
  }

  /** Computes the sub-blocks and every root on top of {@code base} from a block's own hashes. */
  static BlockEffects.Roots roots(LedgerState base, LocalRoots local, long height) {
    int groups = local.keys().size();
    List<SubBlockHeader> subs = new ArrayList<>(groups);
    List<Digest> subHashes = new ArrayList<>(groups);
    List<Digest> subLeaves = new ArrayList<>(groups);
    for (int i = 0; i < groups; i++) {
      Digest key = local.keys().get(i);
      LedgerState.SubBlockRef prev = base.lastSubBlock(key);
      int n = local.counts().get(i);
      SubBlockHeader s = new SubBlockHeader(key, height,
          prev == null ? SubBlockHeader.NONE : prev.hash(), prev == null ? -1 : prev.height(), n,
          (prev == null ? 0 : prev.total()) + n, local.groupRoots().get(i));
      Digest h = s.hash();
      subs.add(s);
      subHashes.add(h);
      subLeaves.add(subBlockLeaf(key, h));
    }
    HeadsTree tree = base.headsTree.putAll(new ArrayList<>(local.keys()), subHashes);
    CompactRange cr = CompactRange.restore(base.frontier.size(), base.frontier.subtreeRoots());
    for (Digest leaf : local.leaves()) {
      cr.appendLeafHash(leaf);
    }
    return new BlockEffects.Roots(local.entriesRoot(), Rfc9162.rootOfLeafHashes(subLeaves),
        tree.root(), cr.size(), cr.root(), subs, subHashes, tree, cr);
  }

  /** The leaf of the sub-blocks tree for one (key, sub-block hash) pair. */
  static Digest subBlockLeaf(Digest key, Digest subBlockHash) {
    byte[] pair = new byte[2 * Digest.LENGTH];
    key.copyTo(pair, 0);
    subBlockHash.copyTo(pair, Digest.LENGTH);
    return Rfc9162.leafHash(pair);
  }

}
