package io.medledger.chain;

import io.medledger.access.InstitutionClass;
import io.medledger.access.Participant;
import io.medledger.access.ParticipantId;
import io.medledger.access.ParticipantKind;
import io.medledger.crypto.Digest;
import io.medledger.internal.codec.BinaryFieldReader;
import io.medledger.internal.codec.BinaryFieldWriter;
import io.medledger.merkle.CompactRange;
import io.medledger.merkle.LeafHashLog;
import io.medledger.merkle.MerkleLog;
import io.medledger.storage.InMemoryStateStore;
import io.medledger.storage.StateStore;
import io.medledger.storage.StoreException;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.function.LongPredicate;

/**
 * The ledger state after the last appended block, kept in a {@link StateStore} (one commit per
 * block, stamped with its height and tip). Memory holds only the membership lists, the tip, the
 * log frontier and bounded caches, so the heap does not grow with the chain. Mutated only by
 * {@link #apply} under the ledger's write lock; read under its read lock.
 *
 * <p>Keys: one tag byte, then fixed-width fields (32-byte digests, 8-byte big-endian numbers):
 * {@code P}id participant, {@code A}id grant, {@code a}patient id grant by patient (empty, or {@code 1} once revoked), {@code R}id
 * record, {@code E}id ledger index of an entry, {@code K}id published keys, {@code S}key height
 * sub-block, {@code T}key last sub-block, {@code H}height header, {@code L}ledger size height (the
 * block ending there), {@code M} membership (with the suspended servers), {@code m}height the
 * membership after a block that changed it, {@code U}id the height that last reinstated a server,
 * {@code W}height the witness list after a block that changed it, {@code F} frontier, {@code t}... heads tree pages,
 * {@code u}bucket heads tree bucket summaries,
 * {@code r}index record filters, {@code Q}kind key index the query indexes ({@link QueryIndex}),
 * {@code O}height where the block's entries lie in its stored bytes ({@link Block#entryBounds}),
 * {@code C}claim the record that alone names a payload digest or capsule (keys domain-separated,
 * see {@code BlockProcessor.claims}),
 * {@code k}key the participant that first published an Umbral key, and whether as its research key
 * (key: {@code BlockProcessor.keyDigest}),
 * {@code V} the layout version ({@link #LAYOUT_VERSION}).
 */
final class LedgerState {
  /**
   * A grant's terms (without proxies, key fragments and signatures) with the block time of its
   * revocation ({@code Long.MAX_VALUE} while in force).
   */
  record GrantInfo(Digest id, AccessGrant grant, long height, long revokedAt) {
    GrantInfo revoke(long time) {
      return new GrantInfo(id, grant, height, time);
    }

    boolean revoked() {
      return revokedAt != Long.MAX_VALUE;
    }

    /** Valid at {@code time}: inside the window and before any revocation. */
    boolean inForceAt(long time) {
      return grant.validAt(time) && time < revokedAt;
    }
  }

  /** What validation needs to know about a record. */
  record RecordInfo(Digest id, ParticipantId patient, String resourceType, List<Digest> lineage, long createdAt,
      boolean erased) {
    RecordInfo erase() {
      return new RecordInfo(id, patient, resourceType, lineage, createdAt, true);
    }
  }

  /** The participant that first published an Umbral key, and whether as its research key. */
  record KeyOwner(ParticipantId participant, boolean research) {}

  /** One sub-block of a key: its block height, the key's running entry total and its hash. */
  record SubBlockRef(long height, long total, Digest hash) {}

  static final byte PARTICIPANT = 'P';
  static final byte GRANT = 'A';
  static final byte PATIENT_GRANT = 'a';
  static final byte RECORD = 'R';
  static final byte ENTRY = 'E';
  static final byte KEYS = 'K';
  static final byte SUB_BLOCK = 'S';
  static final byte LAST_SUB_BLOCK = 'T';
  static final byte HEADER = 'H';
  static final byte LOCATION = 'L';
  static final byte MEMBERSHIP_AT = 'm';
  static final byte REINSTATED = 'U';
  static final byte WITNESSES_AT = 'W';
  static final byte ENTRY_BOUNDS = 'O';
  static final byte CLAIM = 'C';
  static final byte KEY_OWNER = 'k';
  /**
   * The version of this key and value layout, stored under {@code V} with the genesis block. 2: a
   * sub-block record holds each entry's position, byte offset and length in the stored block. 3:
   * the heads tree is stored in pages of eight levels ({@link HeadsTree}), not one node per key. 4:
   * the heads tree's top 16 levels are not stored; its 65,536 bucket summaries are. 5: the
   * payloads and capsules records name are indexed ({@code C}), so that no two records name one. 6:
   * the published Umbral keys are indexed by their first publisher ({@code k}).
   */
  static final int LAYOUT_VERSION = 6;
  private static final byte[] VERSION = {'V'};
  /** The value of a patient's grant index key once the grant is revoked (empty while it is not). */
  private static final byte[] REVOKED_MARK = {1};
  /** Sub-block record: running total and hash, then per entry its position, offset and length. */
  private static final int SUB_BLOCK_FIXED = 8 + Digest.LENGTH;
  private static final int SUB_BLOCK_PER_ENTRY = 12;
  private static final byte[] MEMBERS = {'M'};
  private static final byte[] FRONTIER = {'F'};
  private static final int CACHE = 1 << 16;
  /**
   * Records whose lineage is longer are read from the store each time, not cached: a lineage holds
   * up to {@link Limits#MAX_AMENDMENT_DEPTH} ids (about 19 KB decoded), and a patient amending its
   * own records can make every record it reads that deep, so a full records cache of them held
   * about 600 MB. Amendments of amendments this deep are rare; each read costs one store get.
   */
  static final int CACHED_LINEAGE = 16;
  /**
   * Grants whose scope lists more resource types and records than this are cached apart, at most
   * {@link #CACHED_WIDE_GRANTS} of them: a scope lists up to {@link Limits#MAX_SCOPE_ITEMS} items
   * (about 110 KB decoded), so a grants cache full of such grants held about 3.6 GB.
   */
  static final int CACHED_SCOPE_ITEMS = 16;
  /** Most wide grants (see {@link #CACHED_SCOPE_ITEMS}) cached, about 14 MB of them at most. */
  static final int CACHED_WIDE_GRANTS = 128;
  /**
   * Patients' grant lists longer than this are cached apart, at most {@link #CACHED_LONG_GRANT_LISTS}
   * of them: a list holds up to {@link Limits#MAX_OPEN_GRANTS} ids (about 18 KB decoded), so a cache
   * full of such lists held about 600 MB.
   */
  static final int CACHED_GRANT_LIST = 16;
  /** Most long grant lists (see {@link #CACHED_GRANT_LIST}) cached, about 2.4 MB of them at most. */
  static final int CACHED_LONG_GRANT_LISTS = 128;
  private static final int HEADER_CACHE = 1 << 12;

  /**
   * At most this many blocks are applied between two commits of the ledger-wide log (and at most
   * {@link #LOG_COMMIT_LEAVES} leaves): the log is derived from the blocks, so a log behind the
   * state after a crash is caught up from the block store on reopen, re-reading at most these.
   * Its commit costs several fsyncs (tiles, directories, tree file); the block and the state
   * commit stay one synced write each per block.
   */
  static final int LOG_COMMIT_BLOCKS = 16;
  /** At most this many leaves are appended between two commits of the ledger-wide log. */
  static final long LOG_COMMIT_LEAVES = 1 << 14;

  final DeferringStateStore store;
  /** The ledger-wide log: in memory by default, or tiles on disk that may already hold leaves. */
  final LeafHashLog log;
  /** The height and log size at the last commit of the log by {@link #apply}. */
  private long logCommitHeight = Long.MIN_VALUE;
  private long logCommitSize;
  /** Whether {@link #apply} leaves the log and the state store's commit to {@link #makeDurable}. */
  private boolean deferring;
  final List<ParticipantId> federation = new ArrayList<>();
  final List<ParticipantId> audit = new ArrayList<>();
  final List<ParticipantId> regulators = new ArrayList<>();
  /** Servers suspended by evidence: still listed above, but left out of {@link #membership()}. */
  final Set<ParticipantId> suspended = new HashSet<>();
  /** Per reinstated server, the height of the block that last reinstated it. */
  final Map<ParticipantId, Long> reinstatedAt = new HashMap<>();
  /**
   * The membership lists (federation, audit, regulators, suspended) after each block that changed
   * them; change points only, so it stays small; the first is genesis.
   */
  private final TreeMap<Long, List<List<ParticipantId>>> membershipHistory = new TreeMap<>();
  /** The listed transparency-log witnesses, in order of listing. */
  List<Witness> witnesses = List.of();
  /** The witness list after each height that changed it (witness changes are rare). */
  private final TreeMap<Long, List<Witness>> witnessHistory = new TreeMap<>();
  /** The heads tree's nodes by hash, for every tree this state builds (exact whatever is abandoned). */
  private final HeadsNodeCache headsNodes = new HeadsNodeCache();
  HeadsTree headsTree = HeadsTree.empty(headsNodes);
  CompactRange frontier = new CompactRange();
  private BlockHeader tip;
  // Read caches, exact: filled from the store under the read lock, updated by apply under the
  // write lock, emptied by reload. Each holds at most the bound given (two generations of half).
  private final GenerationalMap<ParticipantId, Participant> participants = new GenerationalMap<>(CACHE / 2);
  private final GenerationalMap<Long, BlockHeader> headers = new GenerationalMap<>(HEADER_CACHE / 2);
  /** Decoding a grant's terms costs more than reading them, and patients reuse their grants. */
  private final GenerationalMap<Digest, GrantInfo> grants = new GenerationalMap<>(CACHE / 4);
  /** Grants whose scope lists more than {@link #CACHED_SCOPE_ITEMS} items, which {@link #grants} never holds. */
  private final GenerationalMap<Digest, GrantInfo> wideGrants = new GenerationalMap<>(CACHED_WIDE_GRANTS / 2);
  /** Reads (access events) name a patient's latest records, written a few blocks before. */
  private final GenerationalMap<Digest, RecordInfo> records = new GenerationalMap<>(CACHE / 4);
  /** The grant ids of recently active patients (every record a clinician writes reads them). */
  private final GenerationalMap<ParticipantId, List<Digest>> patientGrants = new GenerationalMap<>(CACHE / 4);
  /** Grant lists longer than {@link #CACHED_GRANT_LIST}, which {@link #patientGrants} never holds. */
  private final GenerationalMap<ParticipantId, List<Digest>> longPatientGrants =
      new GenerationalMap<>(CACHED_LONG_GRANT_LISTS / 2);

  LedgerState() {
    this(new InMemoryStateStore(), new MerkleLog());
  }

  /**
   * The state committed in {@code store}, with {@code log} as the ledger-wide log.
   *
   * @throws IllegalStateException if the store's tip header is missing or does not match
   * @throws StoreException if the store holds another layout version than {@link #LAYOUT_VERSION}
   */
  LedgerState(StateStore store, LeafHashLog log) {
    this.store = new DeferringStateStore(store);
    this.log = log;
    long h = store.height();
    if (h < 0) {
      return;
    }
    int version = layoutVersion(store.get(VERSION));
    if (version != LAYOUT_VERSION) {
      throw new StoreException("the state store has layout version " + version + "; this build reads version "
          + LAYOUT_VERSION + " only: delete the state directory to rebuild it from the block store");
    }
    byte[] hb = store.get(key(HEADER, h));
    if (hb == null || !BlockHeader.decode(hb).hash().equals(store.tip().orElseThrow())) {
      throw new IllegalStateException("the state store's header at " + h + " is missing or does not match its tip");
    }
    tip = BlockHeader.decode(hb);
    BinaryFieldReader m = new BinaryFieldReader(store.get(MEMBERS));
    setMembers(readLists(m));
    long heads = m.i64("heads");
    m.finish();
    loadHistory();
    BinaryFieldReader f = new BinaryFieldReader(store.get(FRONTIER));
    long size = f.i64("size");
    frontier = CompactRange.restore(size, f.digestList("roots", 64));
    f.finish();
    headsTree = HeadsTree.open(store, heads, headsNodes);
    if (!headsTree.root().equals(tip.patientHeadsRoot())) {
      throw new IllegalStateException("the state store's heads tree does not match its tip's patient heads root");
    }
  }

  /** The layout version a stored {@code V} value names: 1 where there is none (before versions were stored). */
  static int layoutVersion(byte[] v) {
    if (v == null) {
      return 1;
    }
    if (v.length != 4) {
      throw new StoreException("the state store's layout version has " + v.length + " bytes, not 4");
    }
    return ByteBuffer.wrap(v).getInt();
  }

  /** Reads the membership change points and the reinstatement heights from the store. */
  private void loadHistory() {
    membershipHistory.clear();
    reinstatedAt.clear();
    store.scan(new byte[] {MEMBERSHIP_AT}, successor(new byte[] {MEMBERSHIP_AT}), (k, v) -> {
      BinaryFieldReader r = new BinaryFieldReader(v);
      List<List<ParticipantId>> lists = readLists(r);
      r.finish();
      membershipHistory.put(ByteBuffer.wrap(k, 1, 8).getLong(), lists);
      return true;
    });
    witnessHistory.clear();
    store.scan(new byte[] {WITNESSES_AT}, successor(new byte[] {WITNESSES_AT}), (k, v) -> {
      BinaryFieldReader r = new BinaryFieldReader(v);
      List<String> names = r.stringList("names", Limits.MAX_WITNESSES, Limits.MAX_ENTRY_BYTES);
      List<Digest> keys = r.digestList("keys", Limits.MAX_WITNESSES);
      List<String> urls = r.stringList("urls", Limits.MAX_WITNESSES, Limits.MAX_ENTRY_BYTES);
      r.finish();
      List<Witness> list = new ArrayList<>();
      for (int i = 0; i < names.size(); i++) {
        list.add(new Witness(names.get(i), EntryCodec.key(keys.get(i), "witnessKey"), urls.get(i)));
      }
      witnessHistory.put(ByteBuffer.wrap(k, 1, 8).getLong(), List.copyOf(list));
      return true;
    });
    witnesses = witnessHistory.isEmpty() ? List.of() : witnessHistory.lastEntry().getValue();
    store.scan(new byte[] {REINSTATED}, successor(new byte[] {REINSTATED}), (k, v) -> {
      reinstatedAt.put(ParticipantId.fromDigest(Digest.of(k, 1)), ByteBuffer.wrap(v).getLong());
      return true;
    });
  }

  /** The membership lists in their stored order: federation, audit, regulators, suspended. */
  private static List<List<ParticipantId>> readLists(BinaryFieldReader r) {
    return List.of(ids(r.digestList("federation", Integer.MAX_VALUE)), ids(r.digestList("audit", Integer.MAX_VALUE)),
        ids(r.digestList("regulators", Integer.MAX_VALUE)), ids(r.digestList("suspended", Integer.MAX_VALUE)));
  }

  private static void writeLists(BinaryFieldWriter w, List<List<ParticipantId>> lists) {
    List<String> names = List.of("federation", "audit", "regulators", "suspended");
    for (int i = 0; i < names.size(); i++) {
      w.digestList(names.get(i), lists.get(i).stream().map(ParticipantId::digest).toList());
    }
  }

  /** The current membership lists, as stored. */
  private List<List<ParticipantId>> currentLists() {
    return List.of(List.copyOf(federation), List.copyOf(audit), List.copyOf(regulators), sortedSuspended());
  }

  private void setMembers(List<List<ParticipantId>> lists) {
    federation.clear();
    audit.clear();
    regulators.clear();
    suspended.clear();
    federation.addAll(lists.get(0));
    audit.addAll(lists.get(1));
    regulators.addAll(lists.get(2));
    suspended.addAll(lists.get(3));
  }

  private static List<ParticipantId> ids(List<Digest> ds) {
    return ds.stream().map(ParticipantId::fromDigest).toList();
  }

  // ------------------------------------------------------------------ keys

  static byte[] key(byte tag, Digest d) {
    byte[] k = new byte[1 + Digest.LENGTH];
    k[0] = tag;
    d.copyTo(k, 1);
    return k;
  }

  static byte[] key(byte tag, long n) {
    return ByteBuffer.allocate(9).put(tag).putLong(n).array();
  }

  static byte[] key(byte tag, Digest d, long n) {
    return ByteBuffer.allocate(1 + Digest.LENGTH + 8).put(tag).put(d.toByteArray()).putLong(n).array();
  }

  static byte[] key(byte tag, Digest a, Digest b) {
    byte[] k = new byte[1 + 2 * Digest.LENGTH];
    k[0] = tag;
    a.copyTo(k, 1);
    b.copyTo(k, 1 + Digest.LENGTH);
    return k;
  }

  static byte[] u64(long v) {
    return ByteBuffer.allocate(8).putLong(v).array();
  }

  // ------------------------------------------------------------------ reads

  long height() {
    return tip == null ? -1 : tip.height();
  }

  BlockHeader tip() {
    return tip;
  }

  /** The header at {@code height}. @throws IndexOutOfBoundsException outside 0..height() */
  BlockHeader header(long height) {
    if (height < 0 || height > height()) {
      throw new IndexOutOfBoundsException("no header at height " + height);
    }
    if (height == tip.height()) {
      return tip;
    }
    BlockHeader h = headers.get(height);
    if (h == null) {
      byte[] b = store.get(key(HEADER, height));
      if (b == null) {
        throw new IllegalStateException("header " + height + " missing from the state store");
      }
      h = BlockHeader.decode(b);
      headers.put(height, h);
    }
    return h;
  }

  /** The height of the block holding ledger index {@code index} (which must be below the tip's ledger size). */
  long blockOf(long index) {
    long[] out = {-1};
    store.scan(key(LOCATION, index + 1), successor(new byte[] {LOCATION}), (k, v) -> {
      out[0] = ByteBuffer.wrap(v).getLong();
      return false;
    });
    if (out[0] < 0) {
      throw new IllegalStateException("no block holds ledger index " + index);
    }
    return out[0];
  }

  /**
   * {@code id} as it stands: as stored ({@link #participant}), except that an affiliate of an
   * institution governance removed reads as removed too ({@link #standing(Participant, java.util.function.Function)}).
   */
  Participant standing(ParticipantId id) {
    return standing(participant(id), this::participant);
  }

  /**
   * {@code p} as it stands, given how participants are stored: a clinician, researcher or storage
   * node whose institution is not active (an {@link InstitutionRemoval} deactivated it) reads as
   * removed; every other participant as stored. Null for null.
   */
  static Participant standing(Participant p, java.util.function.Function<ParticipantId, Participant> stored) {
    if (p == null || !p.active() || !(p.kind() == ParticipantKind.CLINICIAN || p.kind() == ParticipantKind.RESEARCHER
        || p.kind() == ParticipantKind.STORAGE_NODE)) {
      return p;
    }
    Participant institution = stored.apply(p.affiliation().orElseThrow());
    return institution != null && institution.active() ? p : p.deactivated();
  }

  /** {@code id} as stored (an affiliate of a removed institution still reads as active here; see {@link #standing}). */
  Participant participant(ParticipantId id) {
    Participant p = participants.get(id);
    if (p != null) {
      return p;
    }
    byte[] b = store.get(key(PARTICIPANT, id.digest()));
    if (b == null) {
      return null;
    }
    p = decodeParticipant(b);
    participants.put(id, p);
    return p;
  }

  GrantInfo grant(Digest id) {
    GrantInfo g = grants.get(id);
    if (g == null) {
      g = wideGrants.get(id);
    }
    if (g != null) {
      return g;
    }
    byte[] b = store.get(key(GRANT, id));
    if (b == null) {
      return null;
    }
    g = decodeGrant(id, b);
    (g.grant().scope().items() > CACHED_SCOPE_ITEMS ? wideGrants : grants).put(id, g);
    return g;
  }

  RecordInfo record(Digest id) {
    RecordInfo r = records.get(id);
    if (r != null) {
      return r;
    }
    byte[] b = store.get(key(RECORD, id));
    if (b == null) {
      return null;
    }
    r = decodeRecord(id, b);
    if (r.lineage().size() <= CACHED_LINEAGE) {
      records.put(id, r);
    }
    return r;
  }

  /** The resource types and records the scopes of the grants cached list, in all (for tests). */
  long cachedScopeItems() {
    long[] n = {0};
    grants.forEach((id, g) -> n[0] += g.grant().scope().items());
    wideGrants.forEach((id, g) -> n[0] += g.grant().scope().items());
    return n[0];
  }


  /** How many patients' grant lists of more than {@link #CACHED_GRANT_LIST} ids are cached (for tests). */
  int cachedLongGrantLists() {
    int[] n = {0};
    patientGrants.forEach((p, l) -> n[0] += l.size() > CACHED_GRANT_LIST ? 1 : 0);
    longPatientGrants.forEach((p, l) -> n[0] += l.size() > CACHED_GRANT_LIST ? 1 : 0);
    return n[0];
  }

  /** The digests of the lineages of the records cached, in all (for tests). */
  long cachedLineageDigests() {
    long[] n = {0};
    records.forEach((id, r) -> n[0] += r.lineage().size());
    return n[0];
  }

  /**
   * The ids of the grants {@code patient} made and has not revoked (at most
   * {@link Limits#MAX_OPEN_GRANTS}; a state written before revocations were marked in this index
   * may also list grants revoked then).
   */
  List<Digest> grantsOf(ParticipantId patient) {
    List<Digest> cached = cachedGrantsOf(patient);
    if (cached != null) {
      return cached;
    }
    List<Digest> out = new ArrayList<>();
    byte[] prefix = key(PATIENT_GRANT, patient.digest());
    store.scan(prefix, successor(prefix), (k, v) -> v.length != 0 || out.add(Digest.of(k, 1 + Digest.LENGTH)));
    List<Digest> all = List.copyOf(out);
    cacheGrantsOf(patient, all);
    return all;
  }

  private List<Digest> cachedGrantsOf(ParticipantId patient) {
    List<Digest> l = patientGrants.get(patient);
    return l != null ? l : longPatientGrants.get(patient);
  }

  /** Caches {@code patient}'s grant list in the cache its length belongs to, and in no other. */
  private void cacheGrantsOf(ParticipantId patient, List<Digest> list) {
    patientGrants.remove(patient);
    longPatientGrants.remove(patient);
    (list.size() > CACHED_GRANT_LIST ? longPatientGrants : patientGrants).put(patient, list);
  }

  /** The grants {@code o}'s block revoked (its overlay holds a grant only if the block made or revoked it). */
  private static List<GrantInfo> revokedIn(Overlay o) {
    List<GrantInfo> out = new ArrayList<>();
    for (GrantInfo g : o.grants.values()) {
      if (g.revoked()) {
        out.add(g);
      }
    }
    return out;
  }

  /** The least key above every key that starts with {@code prefix} (which is not all 0xff). */
  static byte[] successor(byte[] prefix) {
    int i = prefix.length - 1;
    while (prefix[i] == (byte) 0xff) {
      i--;
    }
    byte[] s = java.util.Arrays.copyOf(prefix, i + 1);
    s[i]++;
    return s;
  }

  /** Those of {@code ids} that no committed entry has, read from the store in one batch. */
  Set<Digest> absentEntries(List<Digest> ids) {
    List<byte[]> keys = new ArrayList<>(ids.size());
    for (Digest id : ids) {
      keys.add(key(ENTRY, id));
    }
    List<byte[]> found = store.getAll(keys);
    Set<Digest> absent = new HashSet<>();
    for (int i = 0; i < ids.size(); i++) {
      if (found.get(i) == null) {
        absent.add(ids.get(i));
      }
    }
    return absent;
  }

  /** The ledger index of entry {@code id}, or null. */
  Long entryIndex(Digest id) {
    byte[] b = store.get(key(ENTRY, id));
    return b == null ? null : ByteBuffer.wrap(b).getLong();
  }

  /**
   * Where the entries of block {@code height} lie in its stored bytes (see {@link Block#entryBounds}),
   * or null if the state does not record it (a block applied before the state recorded bounds).
   * Not checked here: the caller checks what it reads by hash.
   */
  int[] entryBounds(long height) {
    byte[] b = store.get(key(ENTRY_BOUNDS, height));
    if (b == null || b.length % 4 != 0 || b.length / 4 > Limits.MAX_BLOCK_ENTRIES + 1) {
      return null;
    }
    int[] out = new int[b.length / 4];
    ByteBuffer.wrap(b).asIntBuffer().get(out);
    return out;
  }

  /** The id of the key publication in force for {@code id}, or null. */
  Digest publishedKey(ParticipantId id) {
    byte[] b = store.get(key(KEYS, id.digest()));
    return b == null ? null : Digest.of(b);
  }

  /** Who first published the Umbral key {@code key} ({@code BlockProcessor.keyDigest}), or null. */
  KeyOwner keyOwner(Digest key) {
    byte[] b = store.get(key(KEY_OWNER, key));
    return b == null ? null : decodeKeyOwner(b);
  }

  /** The first publishers of those of {@code keys} that someone published, read from the store in one batch. */
  Map<Digest, KeyOwner> keyOwners(List<Digest> keys) {
    List<byte[]> ks = new ArrayList<>(keys.size());
    for (Digest k : keys) {
      ks.add(key(KEY_OWNER, k));
    }
    List<byte[]> found = store.getAll(ks);
    Map<Digest, KeyOwner> out = new HashMap<>();
    for (int i = 0; i < keys.size(); i++) {
      if (found.get(i) != null) {
        out.put(keys.get(i), decodeKeyOwner(found.get(i)));
      }
    }
    return out;
  }

  /** The record that names {@code claim} (a payload or capsule key), or null. */
  Digest claimant(Digest claim) {
    byte[] b = store.get(key(CLAIM, claim));
    return b == null ? null : Digest.of(b);
  }

  /** The last sub-block of {@code key}, or null. */
  SubBlockRef lastSubBlock(Digest key) {
    byte[] b = store.get(key(LAST_SUB_BLOCK, key));
    return b == null ? null : new SubBlockRef(ByteBuffer.wrap(b).getLong(), ByteBuffer.wrap(b).getLong(8),
        Digest.of(b, 16));
  }

  /**
   * All sub-blocks of {@code key}, oldest first; null if it has none.
   *
   * @throws IllegalStateException if a stored sub-block record does not have the layout's size
   */
  SubBlockIndex subBlocks(Digest key) {
    return subBlocks(key, 0, Integer.MAX_VALUE);
  }

  /**
   * As {@link #subBlocks(Digest)}, but only the records of {@code key} at heights from
   * {@code fromHeight} on, at most {@code max} of them: the scan reads no further.
   */
  SubBlockIndex subBlocks(Digest key, long fromHeight, int max) {
    SubBlockIndex ix = new SubBlockIndex();
    store.scan(key(SUB_BLOCK, key, fromHeight), key(SUB_BLOCK, key, Long.MAX_VALUE), (k, v) -> {
      int n = subBlockEntries(v.length);
      if (n < 0) {
        throw new IllegalStateException("the sub-block record of " + key + " has " + v.length + " bytes");
      }
      ByteBuffer b = ByteBuffer.wrap(v);
      long total = b.getLong();
      Digest hash = Digest.of(v, 8);
      b.position(SUB_BLOCK_FIXED);
      int[] at = new int[n];
      int[] range = new int[2 * n];
      for (int i = 0; i < n; i++) {
        at[i] = b.getInt();
        range[2 * i] = b.getInt();
        range[2 * i + 1] = b.getInt();
      }
      ix.add(ByteBuffer.wrap(k, 1 + Digest.LENGTH, 8).getLong(), total, hash, at, range);
      return ix.size() < max;
    });
    return ix.size() == 0 ? null : ix;
  }

  /**
   * The entry bytes {@code key}'s sub-blocks record, summed in height order until the sum exceeds
   * {@code limit}: the records after that are not read, so the result is exact up to
   * {@code limit} and otherwise only known to be larger.
   */
  long subBlockBytes(Digest key, long limit) {
    long[] sum = {0};
    store.scan(key(SUB_BLOCK, key, 0), key(SUB_BLOCK, key, Long.MAX_VALUE), (k, v) -> {
      int n = subBlockEntries(v.length);
      if (n < 0) {
        throw new IllegalStateException("the sub-block record of " + key + " has " + v.length + " bytes");
      }
      ByteBuffer b = ByteBuffer.wrap(v);
      for (int i = 0; i < n; i++) {
        sum[0] += b.getInt(SUB_BLOCK_FIXED + SUB_BLOCK_PER_ENTRY * i + 8);
      }
      return sum[0] <= limit;
    });
    return sum[0];
  }

  /** The number of entries a sub-block record of {@code length} bytes holds, or -1 if no record has that length. */
  static int subBlockEntries(int length) {
    int rest = length - SUB_BLOCK_FIXED;
    if (rest < SUB_BLOCK_PER_ENTRY || rest % SUB_BLOCK_PER_ENTRY != 0
        || rest / SUB_BLOCK_PER_ENTRY > Limits.MAX_BLOCK_ENTRIES) {
      return -1;
    }
    return rest / SUB_BLOCK_PER_ENTRY;
  }

  /** Visits the ledger indexes above {@code after} under {@code prefix}, ascending, until {@code visitor} says stop. */
  void scanIndex(byte[] prefix, long after, LongPredicate visitor) {
    if (after == Long.MAX_VALUE) {
      return;
    }
    byte[] from = ByteBuffer.allocate(prefix.length + 8).put(prefix).putLong(Math.max(0, after + 1)).array();
    store.scan(from, successor(prefix), (k, v) -> visitor.test(ByteBuffer.wrap(k, k.length - 8, 8).getLong()));
  }

  List<ParticipantId> listFor(ParticipantKind role) {
    switch (role) {
      case FEDERATION_SERVER:
        return federation;
      case AUDIT_SERVER:
        return audit;
      case REGULATOR:
        return regulators;
      default:
        throw new IllegalArgumentException("no membership list for " + role);
    }
  }

  /** The witnesses listed after block {@code height}. */
  List<Witness> witnessesAt(long height) {
    Map.Entry<Long, List<Witness>> e = witnessHistory.floorEntry(height);
    return e == null ? List.of() : e.getValue();
  }

  Membership membership() {
    return membershipOf(height(), List.of(federation, audit, regulators, sortedSuspended()));
  }

  private List<ParticipantId> sortedSuspended() {
    return suspended.stream().sorted(Comparator.comparing(ParticipantId::digest)).toList();
  }

  private Membership membershipOf(long h, List<List<ParticipantId>> lists) {
    Set<ParticipantId> out = new HashSet<>(lists.get(3));
    return new Membership(h, serving(lists.get(0), out), serving(lists.get(1), out),
        lists.get(2).stream().map(this::participant).toList(), lists.get(3).stream().map(this::participant).toList());
  }

  private List<Participant> serving(List<ParticipantId> ids, Set<ParticipantId> out) {
    return ids.stream().filter(id -> !out.contains(id)).map(this::participant).toList();
  }

  /** The federation servers that may propose and sign governance entries (listed and not suspended). */
  Set<ParticipantId> servingFederation() {
    Set<ParticipantId> s = new HashSet<>(federation);
    s.removeAll(suspended);
    return s;
  }

  /**
   * The membership as it held after block {@code h} (0 &lt;= h &lt;= height()), from the change
   * points; its {@link Membership#height()} is {@code h}.
   */
  /** See {@link Ledger#membershipChangeHeights}: the change points above genesis in the range, at most {@code max}. */
  List<Long> membershipChangeHeights(long from, long to, int max) {
    List<Long> out = new ArrayList<>();
    if (from > to || from > height()) {
      return out;
    }
    for (Long k : membershipHistory.subMap(Math.max(from, 1), true, Math.min(to, height()), true).keySet()) {
      if (out.size() == max) {
        break;
      }
      out.add(k);
    }
    return out;
  }

  Membership membershipAfter(long h) {
    if (h < 0 || h > height()) {
      throw new IllegalArgumentException("no block " + h + " (height " + height() + ")");
    }
    return membershipOf(h, membershipHistory.floorEntry(h).getValue());
  }

  // ------------------------------------------------------------------ writes

  /**
   * Applies a validated block's effects: appends its leaves to the ledger-wide log and commits
   * the log, then commits every state change with the block's height and hash in one store
   * commit. So the block store is never behind the log, nor the log behind the state.
   */
  /** {@code listed} after {@code changes}, in order (an immutable list). */
  static List<Witness> applyWitnessChanges(List<Witness> listed, List<WitnessChange> changes) {
    List<Witness> l = new ArrayList<>(listed);
    for (WitnessChange c : changes) {
      if (c.action() == MembershipChange.Operation.ADD) {
        l.add(c.witness());
      } else {
        l.remove(c.witness());
      }
    }
    return List.copyOf(l);
  }

  /**
   * Commits block {@code fx} to the store, with where its entries lie in its stored bytes
   * ({@code bounds} from {@link Block#entryBounds}).
   */
  void apply(BlockEffects fx, int[] bounds) {
    BlockHeader h = fx.block.header();
    if (bounds.length != h.entryCount() + 1) {
      throw new IllegalArgumentException("entry bounds for " + (bounds.length - 1) + " entries, block has " + h.entryCount());
    }
    StateStore.Batch b = new StateStore.Batch(h.height(), h.hash());
    if (tip == null) {
      b.put(VERSION, ByteBuffer.allocate(4).putInt(LAYOUT_VERSION).array());
    }
    if (h.entryCount() > 0) {
      ByteBuffer v = ByteBuffer.allocate(4 * bounds.length);
      for (int x : bounds) {
        v.putInt(x);
      }
      b.put(key(ENTRY_BOUNDS, h.height()), v.array());
    }
    Overlay o = fx.overlay;
    o.participants.forEach((id, p) -> b.put(key(PARTICIPANT, id.digest()), encode(p)));
    boolean membersChanged = false;
    for (MembershipChange c : o.membershipChanges) {
      List<ParticipantId> l = listFor(c.role());
      if (c.action() == MembershipChange.Operation.ADD) {
        l.add(c.member());
      } else if (c.action() == MembershipChange.Operation.REMOVE) {
        l.remove(c.member());
      }
      membersChanged = true;
    }
    for (Map.Entry<ParticipantId, Boolean> e : o.suspension.entrySet()) {
      if (e.getValue()) {
        suspended.add(e.getKey());
      } else {
        suspended.remove(e.getKey());
      }
      membersChanged = true;
    }
    if (!o.witnessChanges.isEmpty()) {
      List<Witness> next = applyWitnessChanges(witnesses, o.witnessChanges);
      BinaryFieldWriter w = new BinaryFieldWriter();
      w.stringList("names", next.stream().map(Witness::name).toList());
      w.digestList("keys", next.stream().map(x -> Digest.of(x.key().toBytes())).toList());
      w.stringList("urls", next.stream().map(Witness::url).toList());
      b.put(key(WITNESSES_AT, h.height()), w.toByteArray());
      witnesses = next;
      witnessHistory.put(h.height(), next);
    }
    for (ParticipantId id : o.reinstated) {
      reinstatedAt.put(id, h.height());
      b.put(key(REINSTATED, id.digest()), u64(h.height()));
    }
    o.grants.forEach((id, g) -> b.put(key(GRANT, id), encode(g)));
    o.records.forEach((id, r) -> b.put(key(RECORD, id), encode(r)));
    o.publishedKeys.forEach((id, d) -> b.put(key(KEYS, id.digest()), d.toByteArray()));
    o.claims.forEach((c, r) -> b.put(key(CLAIM, c), r.toByteArray()));
    o.keyOwners.forEach((k, w) -> b.put(key(KEY_OWNER, k), encode(w)));
    o.newGrantsByPatient.forEach((p, l) -> l.forEach(g -> b.put(key(PATIENT_GRANT, p.digest(), g), new byte[0])));
    // after the new grants: a grant made and revoked in this block ends marked
    List<GrantInfo> revoked = revokedIn(o);
    revoked.forEach(g -> b.put(key(PATIENT_GRANT, g.grant().patient().digest(), g.id()), REVOKED_MARK));
    long first = h.ledgerSize() - h.entryCount();
    List<EncodedEntry> entries = fx.block.encodedEntries();
    Map<Digest, List<Integer>> positions = new java.util.HashMap<>();
    for (int i = 0; i < entries.size(); i++) {
      EncodedEntry e = entries.get(i);
      positions.computeIfAbsent(e.entry.subject().map(ParticipantId::digest).orElse(SubBlockHeader.NO_PATIENT),
          k -> new ArrayList<>()).add(i);
      Digest leaf = e.leafHash();
      long at = first + i;
      if (at < log.size()) {
        // A durable log reopened with the chain already holds this leaf: check, don't append.
        if (!log.leafHash(at).equals(leaf)) {
          throw new IllegalStateException("the ledger-wide log's leaf " + at + " does not match the chain");
        }
      } else {
        log.appendLeafHash(leaf);
      }
      b.put(key(ENTRY, e.id()), u64(at));
      QueryIndex.add(e.entry, at, b);
    }
    for (int i = 0; i < fx.subBlocks.size(); i++) {
      SubBlockHeader s = fx.subBlocks.get(i);
      Digest hash = fx.subBlockHashes.get(i);
      List<Integer> at = positions.get(s.key());
      ByteBuffer v = ByteBuffer.allocate(SUB_BLOCK_FIXED + SUB_BLOCK_PER_ENTRY * at.size()).putLong(s.totalEntries())
          .put(hash.toByteArray());
      for (int p : at) {
        v.putInt(p).putInt(bounds[p] + 4).putInt(bounds[p + 1] - bounds[p] - 4);
      }
      b.put(key(SUB_BLOCK, s.key(), s.height()), v.array());
      b.put(key(LAST_SUB_BLOCK, s.key()), ByteBuffer.allocate(16 + Digest.LENGTH).putLong(s.height())
          .putLong(s.totalEntries()).put(hash.toByteArray()).array());
    }
    fx.headsTree.writeTo(b);
    b.put(key(HEADER, h.height()), h.encode());
    if (h.entryCount() > 0) {
      b.put(key(LOCATION, h.ledgerSize()), u64(h.height()));
    }
    if (membersChanged || tip == null || fx.headsTree.size() != headsTree.size()) {
      BinaryFieldWriter w = new BinaryFieldWriter();
      writeLists(w, currentLists());
      w.i64("heads", fx.headsTree.size());
      b.put(MEMBERS, w.toByteArray());
    }
    if (membersChanged || membershipHistory.isEmpty()) {
      List<List<ParticipantId>> lists = currentLists();
      BinaryFieldWriter w = new BinaryFieldWriter();
      writeLists(w, lists);
      b.put(key(MEMBERSHIP_AT, h.height()), w.toByteArray());
      membershipHistory.put(h.height(), lists);
    }
    BinaryFieldWriter f = new BinaryFieldWriter();
    f.i64("size", fx.frontier.size());
    f.digestList("roots", fx.frontier.subtreeRoots());
    b.put(FRONTIER, f.toByteArray());
    if (!deferring && logCommitDue(h.height(), logCommitHeight, log.size() - logCommitSize)) {
      log.commit();
      logCommitHeight = h.height();
      logCommitSize = log.size();
    }
    store.commit(b);
    // refreshed, not added: each block registers new participants and writes new grants and
    // records, and holding every one for two generations (tens of thousands of entries) moved them
    // all into a node's old generation, most never read again
    participants.refreshAll(o.participants);
    grants.refreshAll(o.grants);
    wideGrants.refreshAll(o.grants);
    records.refreshAll(o.records);
    o.newGrantsByPatient.forEach((p, l) -> {
      List<Digest> had = cachedGrantsOf(p);
      if (had != null) {
        List<Digest> all = new ArrayList<>(had);
        all.addAll(l);
        cacheGrantsOf(p, List.copyOf(all));
      }
    });
    for (GrantInfo g : revoked) {
      ParticipantId p = g.grant().patient();
      List<Digest> had = cachedGrantsOf(p);
      if (had != null && had.contains(g.id())) {
        List<Digest> rest = new ArrayList<>(had);
        rest.remove(g.id());
        cacheGrantsOf(p, List.copyOf(rest));
      }
    }
    frontier = fx.frontier;
    headsTree = fx.headsTree.rebase(HeadsTree.Base.of(store));
    if (tip != null) {
      headers.put(tip.height(), tip);
    }
    tip = h;
  }

  /**
   * Whether the log is committed with block {@code height}: {@link #LOG_COMMIT_BLOCKS} blocks after
   * the last commit (at {@code lastHeight}; every block's first apply commits), or once
   * {@code uncommitted} leaves reach {@link #LOG_COMMIT_LEAVES}.
   */
  static boolean logCommitDue(long height, long lastHeight, long uncommitted) {
    return lastHeight == Long.MIN_VALUE || height - lastHeight >= LOG_COMMIT_BLOCKS
        || uncommitted >= LOG_COMMIT_LEAVES;
  }

  /**
   * Starts or stops deferring durability: while on, {@link #apply} neither commits the log nor
   * writes the state store; {@link #makeDurable} does both.
   */
  void defer(boolean on) {
    deferring = on;
    store.defer(on);
  }

  /** Commits the log, then the state held since the last call, as one store commit. */
  void makeDurable() {
    commitLog();
    store.flush();
  }

  /** Commits the ledger-wide log now (before closing, or to make a deferred run durable). */
  void commitLog() {
    log.commit();
    logCommitHeight = height();
    logCommitSize = log.size();
  }

  /**
   * Undoes the in-memory part of an {@link #apply} whose store commit failed (the store still
   * reflects the previous block): the membership lists and the participant cache.
   */
  void reload() {
    participants.clear();
    grants.clear();
    wideGrants.clear();
    records.clear();
    patientGrants.clear();
    longPatientGrants.clear();
    byte[] m = store.get(MEMBERS);
    setMembers(m == null ? List.of(List.of(), List.of(), List.of(), List.of()) : readLists(new BinaryFieldReader(m)));
    loadHistory();
  }

  // ------------------------------------------------------------------ values

  private static byte[] encode(Participant p) {
    BinaryFieldWriter w = new BinaryFieldWriter(128);
    w.u8("kind", p.kind().ordinal());
    w.digest("key", Digest.of(p.publicKey().toBytes()));
    w.optionalDigest("affiliation", p.affiliation().map(ParticipantId::digest).orElse(null));
    w.string("class", p.institutionClass().map(InstitutionClass::code).orElse(""));
    w.i64("registered", p.registeredAt());
    w.bool("active", p.active());
    return w.toByteArray();
  }

  private static Participant decodeParticipant(byte[] b) {
    BinaryFieldReader r = new BinaryFieldReader(b);
    ParticipantKind kind = ParticipantKind.values()[r.u8("kind")];
    Digest key = r.digest("key");
    Digest aff = r.optionalDigest("affiliation");
    String cls = r.string("class", 8);
    Participant p = new Participant(kind, EntryCodec.key(key, "key"),
        Optional.ofNullable(aff).map(ParticipantId::fromDigest),
        cls.isEmpty() ? Optional.empty() : Optional.of(new InstitutionClass(cls)), r.i64("registered"),
        r.bool("active"));
    r.finish();
    return p;
  }

  private static byte[] encode(KeyOwner w) {
    return ByteBuffer.allocate(Digest.LENGTH + 1).put(w.participant().digest().toByteArray())
        .put((byte) (w.research() ? 1 : 0)).array();
  }

  private static KeyOwner decodeKeyOwner(byte[] b) {
    if (b.length != Digest.LENGTH + 1 || (b[Digest.LENGTH] & 0xfe) != 0) {
      throw new StoreException("a key owner record has " + b.length + " bytes or a bad flag");
    }
    return new KeyOwner(ParticipantId.fromDigest(Digest.of(b, 0)), b[Digest.LENGTH] == 1);
  }

  private static byte[] encode(GrantInfo g) {
    byte[] terms = EntryCodec.encode(g.grant());
    return ByteBuffer.allocate(16 + terms.length).putLong(g.height()).putLong(g.revokedAt()).put(terms).array();
  }

  private static GrantInfo decodeGrant(Digest id, byte[] b) {
    ByteBuffer bb = ByteBuffer.wrap(b);
    long height = bb.getLong();
    long revokedAt = bb.getLong();
    AccessGrant terms = (AccessGrant) EntryCodec.decode(java.util.Arrays.copyOfRange(b, 16, b.length));
    return new GrantInfo(id, terms, height, revokedAt);
  }

  private static byte[] encode(RecordInfo r) {
    BinaryFieldWriter w = new BinaryFieldWriter(128);
    w.digest("patient", r.patient().digest());
    w.string("type", r.resourceType());
    w.digestList("lineage", r.lineage());
    w.i64("created", r.createdAt());
    w.bool("erased", r.erased());
    return w.toByteArray();
  }

  private static RecordInfo decodeRecord(Digest id, byte[] b) {
    BinaryFieldReader r = new BinaryFieldReader(b);
    RecordInfo info = new RecordInfo(id, ParticipantId.fromDigest(r.digest("patient")),
        r.string("type", Limits.MAX_ENTRY_BYTES), r.digestList("lineage", Limits.MAX_AMENDMENT_DEPTH), r.i64("created"),
        r.bool("erased"));
    r.finish();
    return info;
  }
}
