package io.medledger.chain;

import static io.medledger.internal.consensus.StatementBytes.PRECOMMIT;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.medledger.access.ParticipantId;
import io.medledger.access.ParticipantKind;
import io.medledger.access.Purpose;
import io.medledger.chain.ChainFixture.Actor;
import io.medledger.codec.MalformedEncodingException;
import io.medledger.crypto.Digest;
import io.medledger.merkle.MerkleLog;
import io.medledger.storage.InMemoryStateStore;
import io.medledger.storage.StateStore;
import io.medledger.storage.StoreException;
import io.medledger.testing.DelegatingStateStore;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * {@link LedgerState} exactly: what a reopened state reads back (records, grants, participants,
 * the membership and witness history, reinstatements, the heads tree's size), what a failed state
 * commit leaves in memory, the refusals of its reads outside the chain and of damaged stored
 * values, the caches (a counting store), and when the ledger-wide log is committed.
 */
class LedgerStateTest {
  /** The ledger's state (the ledger keeps it private; tests of the package read it). */
  static LedgerState stateOf(Ledger l) {
    try {
      java.lang.reflect.Field fld = Ledger.class.getDeclaredField("state");
      fld.setAccessible(true);
      return (LedgerState) fld.get(l);
    } catch (ReflectiveOperationException e) {
      throw new AssertionError(e);
    }
  }

  /** A state store that counts its reads by the tag byte of the key. */
  static final class CountingState extends DelegatingStateStore {
    final int[] gets = new int[256];
    final int[] scans = new int[256];

    CountingState(StateStore inner) {
      super(inner);
    }

    @Override
    public byte[] get(byte[] key) {
      gets[key[0] & 0xff]++;
      return inner.get(key);
    }

    @Override
    public void scan(byte[] from, byte[] to, Visitor visitor) {
      scans[from[0] & 0xff]++;
      inner.scan(from, to, visitor);
    }
  }

  /** A state store that appends one byte to every value under keys starting with {@code tag}. */
  static final class Trailing extends DelegatingStateStore {
    final byte tag;

    Trailing(StateStore inner, char tag) {
      super(inner);
      this.tag = (byte) tag;
    }

    private byte[] damage(byte[] k, byte[] v) {
      return v == null || k[0] != tag ? v : Arrays.copyOf(v, v.length + 1);
    }

    @Override
    public byte[] get(byte[] key) {
      return damage(key, inner.get(key));
    }

    @Override
    public void scan(byte[] from, byte[] to, Visitor visitor) {
      inner.scan(from, to, (k, v) -> visitor.visit(k, damage(k, v)));
    }
  }

  private static Evidence equivocation(ChainFixture f, Actor accused, long height) {
    return f.evidence(f.federation.get(0), accused, f.statement(PRECOMMIT, height, 0, "X", -1),
        f.statement(PRECOMMIT, height, 0, "Y", -1));
  }

  private static AccessGrant terms(AccessGrant g) {
    return new AccessGrant(g.patient(), g.grantee(), g.scope(), g.purpose(), g.notBefore(), g.notAfter(), List.of(), 0,
        List.of(), g.createdAt(), List.of());
  }

  private record Built(ChainFixture f, LedgerWritePathTest.KeptState st, Actor alice, Actor doc, MedicalRecord rec,
      MedicalRecord amend, AccessGrant grant, long grantHeight, AccessGrant revoked, long revokedAt,
      Map<ParticipantId, Long> reinstated) {}

  /** A chain touching every kind of stored state, over a state store that outlives the ledger. */
  private static Built build() {
    LedgerWritePathTest.KeptState st = new LedgerWritePathTest.KeptState();
    ChainFixture f = ChainFixture.builder().federationServers(4).auditServers(4).state(st).build();
    Actor alice = f.actor("alice");
    Actor doc = f.actor("dr-a");
    f.commit(f.registerPatient(alice), f.registerClinician(doc, f.hospitalA));
    AccessGrant g = f.grant(alice, f.hospitalA, Purpose.TREATMENT, AccessScope.all());
    AccessGrant g2 = f.grant(alice, doc, Purpose.TREATMENT, AccessScope.all());
    f.commit(g, g2);
    long grantHeight = f.ledger.height();
    MedicalRecord rec = f.record(doc, alice, f.hospitalA, "Observation", "v1");
    f.commit(rec);
    MedicalRecord amend = f.amend(doc, alice, f.hospitalA, "Observation", "v2", rec);
    f.commit(amend, f.revoke(alice, g2));
    long revokedAt = f.ledger.tip().orElseThrow().timestamp();
    f.commit(f.erase(alice, rec));
    // two servers suspended, then both reinstated: two reinstatement heights
    Actor a2 = f.auditors.get(2);
    Actor a3 = f.auditors.get(3);
    f.commit(equivocation(f, a2, f.ledger.height()), equivocation(f, a3, f.ledger.height()));
    f.commit(f.membership(MembershipChange.Operation.REINSTATE, ParticipantKind.AUDIT_SERVER, a2, null));
    long r2 = f.ledger.height();
    f.commit(f.membership(MembershipChange.Operation.REINSTATE, ParticipantKind.AUDIT_SERVER, a3, null));
    long r3 = f.ledger.height();
    f.commit(f.witnessChange(MembershipChange.Operation.ADD,
        new Witness("witness.example/one", f.actor("w1").publicKey(), "https://w1.example/")));
    f.commit(f.membership(MembershipChange.Operation.ADD, ParticipantKind.REGULATOR, f.actor("regulator"), null));
    // the last block adds a heads-tree key and changes no membership
    f.commit(f.registerPatient(f.actor("last")));
    return new Built(f, st, alice, doc, rec, amend, g, grantHeight, g2, revokedAt, Map.of(a2.id(), r2, a3.id(), r3));
  }

  private static long distinctSubjects(Ledger l) {
    Set<Digest> keys = new HashSet<>();
    for (long h = 0; h <= l.height(); h++) {
      for (Entry e : l.block(h).block().entries()) {
        keys.add(e.subject().map(ParticipantId::digest).orElse(SubBlockHeader.NO_PATIENT));
      }
    }
    return keys.size();
  }

  @Test
  void aReopenedStateReadsBackEveryKindOfStoredState() {
    Built b = build();
    Ledger live = b.f().ledger;
    LedgerState s = new LedgerState(b.st(), new MerkleLog());
    assertEquals(live.tip().orElseThrow(), s.tip());
    assertEquals(new LedgerState.RecordInfo(b.rec().id(), b.alice().id(), "Observation", List.of(b.rec().id()),
        b.rec().createdAt(), true), s.record(b.rec().id()));
    assertEquals(new LedgerState.RecordInfo(b.amend().id(), b.alice().id(), "Observation",
        List.of(b.amend().id(), b.rec().id()), b.amend().createdAt(), false), s.record(b.amend().id()));
    assertEquals(new LedgerState.GrantInfo(b.grant().id(), terms(b.grant()), b.grantHeight(), Long.MAX_VALUE),
        s.grant(b.grant().id()));
    assertEquals(new LedgerState.GrantInfo(b.revoked().id(), terms(b.revoked()), b.grantHeight(), b.revokedAt()),
        s.grant(b.revoked().id()));
    // the revoked grant has left the patient's grants that a clinician's record is checked against
    assertEquals(List.of(b.grant().id()), s.grantsOf(b.alice().id()));
    for (Actor a : List.of(b.alice(), b.doc(), b.f().hospitalA, b.f().storageNode, b.f().auditors.get(2))) {
      assertEquals(live.participant(a.id()).orElseThrow(), s.participant(a.id()), a.name());
    }
    assertEquals(live.membership(), s.membership());
    for (long h = 0; h <= live.height(); h++) {
      assertEquals(live.membershipAfter(h), s.membershipAfter(h), "membership after " + h);
      assertEquals(live.witnessesAt(h), s.witnessesAt(h), "witnesses after " + h);
    }
    assertEquals(live.witnesses(), s.witnesses);
    assertEquals(b.reinstated(), s.reinstatedAt);
    assertEquals(distinctSubjects(live), s.headsTree.size());
    assertEquals(stateOf(live).headsTree.root(), s.headsTree.root());
  }

  @Test
  void theMembershipHistoryHoldsTheBlocksThatChangedItOnly() {
    LedgerWritePathTest.KeptState st = new LedgerWritePathTest.KeptState();
    ChainFixture f = ChainFixture.builder().state(st).build();
    for (int i = 0; i < 3; i++) {
      f.commit(f.registerPatient(f.actor("p" + i)));
    }
    f.commit(f.membership(MembershipChange.Operation.ADD, ParticipantKind.REGULATOR, f.actor("regulator"), null));
    long changed = f.ledger.height();
    f.commit(f.registerPatient(f.actor("p9")));
    List<Long> heights = new ArrayList<>();
    st.scan(new byte[] {'m'}, new byte[] {'n'}, (k, v) -> heights.add(java.nio.ByteBuffer.wrap(k, 1, 8).getLong()));
    assertEquals(List.of(0L, changed), heights);
  }

  // ------------------------------------------------------------------ a failed commit

  @Test
  void aFailedStateCommitLeavesTheStateAsAReopenWouldReadIt() {
    StateStoreReopenTest.CrashingState st = new StateStoreReopenTest.CrashingState(new InMemoryStateStore());
    ChainFixture f = ChainFixture.builder().federationServers(4).auditServers(4).state(st).build();
    f.commit(f.registerPatient(f.actor("p1")));
    Actor a2 = f.auditors.get(2);
    Actor a3 = f.auditors.get(3);
    f.commit(equivocation(f, a2, f.ledger.height()));
    long height = f.ledger.height();
    Membership before = f.ledger.membership();
    List<Witness> witnesses = f.ledger.witnesses();
    st.armed = true;
    // a block that reinstates one server, suspends another, lists a regulator and a witness
    assertThrows(StoreException.class, () -> f.commit(
        f.membership(MembershipChange.Operation.REINSTATE, ParticipantKind.AUDIT_SERVER, a2, null),
        equivocation(f, a3, f.ledger.height()),
        f.membership(MembershipChange.Operation.ADD, ParticipantKind.REGULATOR, f.actor("regulator"), null),
        f.witnessChange(MembershipChange.Operation.ADD,
            new Witness("witness.example/one", f.actor("w1").publicKey(), "https://w1.example/"))));
    st.armed = false;
    assertEquals(height, f.ledger.height());
    LedgerState live = stateOf(f.ledger);
    LedgerState fresh = new LedgerState(st, new MerkleLog());
    assertEquals(before, f.ledger.membership());
    assertEquals(fresh.federation, live.federation);
    assertEquals(fresh.audit, live.audit);
    assertEquals(fresh.regulators, live.regulators);
    assertEquals(fresh.suspended, live.suspended);
    assertEquals(fresh.reinstatedAt, live.reinstatedAt);
    assertEquals(Map.of(), live.reinstatedAt);
    assertEquals(witnesses, live.witnesses);
    assertEquals(witnesses, f.ledger.witnesses());
    assertEquals(before, f.ledger.membershipAfter(height));
    // the ledger appends nothing more (its block store is a block ahead); a reopen replays the block
  }

  @Test
  void aFailedGenesisCommitLeavesAnEmptyStateAndGenesisCanBeAppendedAgain() {
    StateStoreReopenTest.CrashingState st = new StateStoreReopenTest.CrashingState(new InMemoryStateStore());
    ChainFixture f = ChainFixture.builder().state(st).genesis(false).build();
    List<Entry> genesis = f.genesisEntries();
    st.armed = true;
    assertEquals("power lost before the state commit",
        assertThrows(StoreException.class, () -> f.commit(genesis)).getMessage());
    assertEquals(-1, f.ledger.height());
    LedgerState live = stateOf(f.ledger);
    assertEquals(List.of(), live.federation);
    assertEquals(List.of(), live.audit);
  }

  // ------------------------------------------------------------------ reads outside the chain

  @Test
  void readsOutsideTheChainAreRefused() {
    Built b = build();
    Ledger l = b.f().ledger;
    long h = l.height();
    assertThrows(IndexOutOfBoundsException.class, () -> l.header(h + 1));
    assertThrows(IndexOutOfBoundsException.class, () -> l.header(-1));
    assertThrows(IllegalArgumentException.class, () -> l.membershipAfter(h + 1));
    LedgerState s = stateOf(l);
    long size = l.tip().orElseThrow().ledgerSize();
    assertEquals(h, s.blockOf(size - 1));
    assertEquals(0, s.blockOf(0));
    assertEquals("no block holds ledger index " + size,
        assertThrows(IllegalStateException.class, () -> s.blockOf(size)).getMessage());
    assertNull(s.subBlocks(ChainFixture.digest("no such key")));
    assertNotNull(s.subBlocks(b.alice().id().digest()));
    // scanIndex over the ledger sizes of the blocks: stops when told, nothing after Long.MAX_VALUE
    List<Long> sizes = new ArrayList<>();
    s.scanIndex(new byte[] {LedgerState.LOCATION}, -1, x -> sizes.add(x));
    assertEquals(h + 1, sizes.size());
    assertEquals(size, sizes.get(sizes.size() - 1));
    List<Long> first = new ArrayList<>();
    s.scanIndex(new byte[] {LedgerState.LOCATION}, -1, x -> !first.add(x));
    assertEquals(sizes.subList(0, 1), first);
    List<Long> none = new ArrayList<>();
    s.scanIndex(new byte[] {LedgerState.LOCATION}, Long.MAX_VALUE, none::add);
    assertEquals(List.of(), none);
  }

  @Test
  void successorIsTheLeastKeyAboveThePrefix() {
    assertArrayEquals(new byte[] {1, 3}, LedgerState.successor(new byte[] {1, 2}));
    assertArrayEquals(new byte[] {2}, LedgerState.successor(new byte[] {1, (byte) 0xff}));
    assertArrayEquals(new byte[] {1, 3}, LedgerState.successor(new byte[] {1, 2, (byte) 0xff, (byte) 0xff}));
  }

  @Test
  void entryBoundsOfAtMostTheLargestBlockAreRead() {
    int most = Limits.MAX_BLOCK_ENTRIES + 1;
    StateStore fake = new DelegatingStateStore(new InMemoryStateStore()) {
      @Override
      public byte[] get(byte[] key) {
        if (key[0] == LedgerState.ENTRY_BOUNDS) {
          long h = java.nio.ByteBuffer.wrap(key, 1, 8).getLong();
          return new byte[(int) h];
        }
        return null;
      }
    };
    LedgerState s = new LedgerState(fake, new MerkleLog());
    assertEquals(most, s.entryBounds(4L * most).length);
    assertEquals(2, s.entryBounds(8).length);
    assertNull(s.entryBounds(4L * (most + 1)));
    assertNull(s.entryBounds(6));
  }

  @Test
  void anEmptyBlockRecordsNoEntryBounds() {
    ChainFixture f = ChainFixture.create();
    f.commit(f.registerPatient(f.actor("p")));
    f.commit(List.of());
    LedgerState s = stateOf(f.ledger);
    assertNull(s.entryBounds(f.ledger.height()));
    assertEquals(2, s.entryBounds(f.ledger.height() - 1).length);
  }

  // ------------------------------------------------------------------ damaged stored values

  @Test
  void aStoreWhoseHeaderDoesNotMatchItsTipIsRefused() {
    Built b = build();
    StateStore other = new DelegatingStateStore(b.st()) {
      @Override
      public Optional<Digest> tip() {
        return Optional.of(ChainFixture.digest("another tip"));
      }
    };
    IllegalStateException e = assertThrows(IllegalStateException.class, () -> new LedgerState(other, new MerkleLog()));
    assertEquals("the state store's header at " + b.f().ledger.height() + " is missing or does not match its tip",
        e.getMessage());
  }

  @Test
  void aHeaderMissingFromTheStoreIsReportedNotDecoded() {
    Built b = build();
    StateStore holed = new DelegatingStateStore(b.st()) {
      @Override
      public byte[] get(byte[] key) {
        return Arrays.equals(key, LedgerState.key(LedgerState.HEADER, 1)) ? null : inner.get(key);
      }
    };
    LedgerState s = new LedgerState(holed, new MerkleLog());
    assertEquals("header 1 missing from the state store",
        assertThrows(IllegalStateException.class, () -> s.header(1)).getMessage());
  }

  @Test
  void trailingBytesAfterAStoredValueAreRefused() {
    Built b = build();
    // read when the state opens: the membership, the frontier, the membership history, the witness history
    for (char tag : new char[] {'M', 'F', 'm', 'W'}) {
      assertThrows(MalformedEncodingException.class, () -> new LedgerState(new Trailing(b.st(), tag), new MerkleLog()),
          "tag " + tag);
    }
    LedgerState p = new LedgerState(new Trailing(b.st(), 'P'), new MerkleLog());
    assertThrows(MalformedEncodingException.class, () -> p.participant(b.doc().id()));
    LedgerState r = new LedgerState(new Trailing(b.st(), 'R'), new MerkleLog());
    assertThrows(MalformedEncodingException.class, () -> r.record(b.rec().id()));
  }

  // ------------------------------------------------------------------ caches

  @Test
  void aValueReadOnceIsServedFromTheCacheAndTheTipHeaderIsNeverRead() {
    Built b = build();
    CountingState c = new CountingState(b.st());
    LedgerState s = new LedgerState(c, new MerkleLog());
    Arrays.fill(c.gets, 0);
    Arrays.fill(c.scans, 0);
    for (int i = 0; i < 2; i++) {
      assertEquals(b.f().ledger.tip().orElseThrow(), s.header(s.height()));
      assertEquals(b.f().ledger.header(1), s.header(1));
      assertNotNull(s.participant(b.doc().id()));
      assertNotNull(s.grant(b.grant().id()));
      assertNotNull(s.record(b.rec().id()));
      assertEquals(1, s.grantsOf(b.alice().id()).size()); // of two, one is revoked
    }
    assertEquals(1, c.gets[LedgerState.HEADER], "one header read (block 1); the tip is in memory");
    assertEquals(1, c.gets[LedgerState.PARTICIPANT]);
    assertEquals(1, c.gets[LedgerState.GRANT]);
    assertEquals(1, c.gets[LedgerState.RECORD]);
    assertEquals(1, c.scans[LedgerState.PATIENT_GRANT]);
  }

  @Test
  void aRecordWithALongLineageIsReadFromTheStoreEachTimeNotKeptInTheCache() {
    // a patient amends its own record 255 times, then writes many amendments of the last one: each
    // such record's lineage holds the bound's 256 ids (about 19 KB decoded), and a cache full of
    // them held about 600 MB of a node's heap
    ChainFixture f = ChainFixture.builder().build();
    Actor alice = f.actor("alice");
    f.commit(f.registerPatient(alice));
    List<Entry> lineage = new ArrayList<>();
    MedicalRecord last = f.record(alice, alice, null, "Observation", "v0");
    lineage.add(last);
    for (int i = 1; i < Limits.MAX_AMENDMENT_DEPTH - 1; i++) {
      last = f.amend(alice, alice, null, "Observation", "v" + i, last);
      lineage.add(last);
    }
    f.commit(lineage);
    List<Entry> deep = new ArrayList<>();
    for (int i = 0; i < 64; i++) {
      deep.add(f.amend(alice, alice, null, "Observation", "sibling " + i, last));
    }
    f.commit(deep);
    LedgerState s = stateOf(f.ledger);
    MedicalRecord first = (MedicalRecord) lineage.get(0);
    for (int round = 0; round < 2; round++) {
      for (Entry e : deep) {
        LedgerState.RecordInfo r = s.record(e.id());
        assertEquals(Limits.MAX_AMENDMENT_DEPTH, r.lineage().size());
        assertEquals(e.id(), r.lineage().get(0));
        assertEquals(first.id(), r.lineage().get(Limits.MAX_AMENDMENT_DEPTH - 1));
      }
      assertEquals(List.of(first.id()), s.record(first.id()).lineage());
    }
    assertTrue(s.cachedLineageDigests() <= LedgerState.CACHED_LINEAGE * (deep.size() + 1L),
        "cached lineage digests: " + s.cachedLineageDigests());
  }

  @Test
  void theGrantsCacheHoldsABoundedNumberOfWideScopes() {
    // patients whose grants list 1024 resource types each (the most one scope lists), read again
    // and again (each grant a patient makes, each record a clinician writes for it reads them): a
    // cache of 32,768 such grants held about 3.6 GB of a node's heap
    ChainFixture f = ChainFixture.builder().build();
    List<String> types = new ArrayList<>();
    for (int i = 0; i < Limits.MAX_SCOPE_ITEMS; i++) {
      types.add("Type" + (char) ('a' + i / 26 / 26 % 26) + (char) ('a' + i / 26 % 26) + (char) ('a' + i % 26));
    }
    types.sort(null);
    AccessScope wide = new AccessScope(AccessScope.Kind.RESOURCE_TYPES, types, List.of());
    int perPatient = Limits.MAX_OPEN_GRANT_SCOPE_ITEMS / Limits.MAX_SCOPE_ITEMS;
    int patients = LedgerState.CACHED_WIDE_GRANTS / perPatient + 8;
    List<Entry> registrations = new ArrayList<>();
    for (int p = 0; p < patients; p++) {
      registrations.add(f.registerPatient(f.actor("patient " + p)));
    }
    f.commit(registrations);
    List<Entry> grants = new ArrayList<>();
    for (int p = 0; p < patients; p++) {
      for (int g = 0; g < perPatient; g++) {
        grants.add(f.grant(f.actor("patient " + p), f.hospitalA, Purpose.TREATMENT, wide,
            java.time.Duration.ofDays(30).plusMillis(g)));
      }
    }
    f.commit(grants);
    LedgerState s = stateOf(f.ledger);
    for (int round = 0; round < 2; round++) {
      for (Entry g : grants) {
        assertEquals(wide, s.grant(g.id()).grant().scope());
      }
    }
    assertTrue(s.cachedScopeItems() <= (long) LedgerState.CACHED_WIDE_GRANTS * Limits.MAX_SCOPE_ITEMS,
        "cached scope items: " + s.cachedScopeItems());
  }

  @Test
  void theCacheHoldsABoundedNumberOfLongGrantLists() {
    // patients holding many grants each (up to 256 ids, about 18 KB decoded), whose lists are read
    // again and again (each grant a patient makes, each record a clinician writes for it): a cache
    // of 32,768 such lists held about 600 MB of a node's heap
    ChainFixture f = ChainFixture.builder().build();
    int patients = LedgerState.CACHED_LONG_GRANT_LISTS + 8;
    int perPatient = LedgerState.CACHED_GRANT_LIST + 1;
    List<Entry> registrations = new ArrayList<>();
    List<Entry> grants = new ArrayList<>();
    for (int p = 0; p < patients; p++) {
      Actor patient = f.actor("patient " + p);
      registrations.add(f.registerPatient(patient));
      for (int g = 0; g < perPatient; g++) {
        grants.add(f.grant(patient, f.hospitalA, Purpose.TREATMENT, AccessScope.all(),
            java.time.Duration.ofDays(30).plusMillis(g)));
      }
    }
    f.commit(registrations);
    f.commit(grants);
    LedgerState s = stateOf(f.ledger);
    for (int round = 0; round < 2; round++) {
      for (int p = 0; p < patients; p++) {
        assertEquals(perPatient, s.grantsOf(f.actor("patient " + p).id()).size());
      }
    }
    assertTrue(s.cachedLongGrantLists() <= LedgerState.CACHED_LONG_GRANT_LISTS,
        "long grant lists cached: " + s.cachedLongGrantLists());
    // a list that grows long while cached leaves the cache of short ones, and stays exact
    Actor carol = f.actor("carol");
    f.commit(f.registerPatient(carol), f.grant(carol, f.hospitalA, Purpose.TREATMENT, AccessScope.all()));
    assertEquals(1, s.grantsOf(carol.id()).size());
    List<Entry> more = new ArrayList<>();
    for (int g = 0; g < perPatient; g++) {
      more.add(f.grant(carol, f.hospitalA, Purpose.TREATMENT, AccessScope.all(), java.time.Duration.ofDays(30).plusMillis(g)));
    }
    f.commit(more);
    assertEquals(perPatient + 1, s.grantsOf(carol.id()).size());
    f.commit(f.revoke(carol, (AccessGrant) more.get(0)));
    assertEquals(perPatient, s.grantsOf(carol.id()).size());
    assertTrue(s.cachedLongGrantLists() <= LedgerState.CACHED_LONG_GRANT_LISTS);
  }

  @Test
  void theHeaderOfTheOldTipIsCachedWhenABlockIsApplied() {
    CountingState c = new CountingState(new InMemoryStateStore());
    ChainFixture f = ChainFixture.builder().state(c).build();
    f.commit(f.registerPatient(f.actor("p1")));
    BlockHeader old = f.ledger.tip().orElseThrow();
    f.commit(f.registerPatient(f.actor("p2")));
    Arrays.fill(c.gets, 0);
    assertEquals(old, f.ledger.header(old.height()));
    assertEquals(0, c.gets[LedgerState.HEADER]);
  }

  // ------------------------------------------------------------------ apply and the log

  @Test
  void boundsForAnotherNumberOfEntriesAreRefused() {
    ChainFixture f = ChainFixture.create();
    VerifiedBlock vb = f.propose(List.of(f.registerPatient(f.actor("a")), f.registerPatient(f.actor("b"))));
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> stateOf(f.ledger).apply(vb.effects(), new int[1]));
    assertEquals("entry bounds for 0 entries, block has 2", e.getMessage());
  }

  @Test
  void aLogHoldingAnotherLeafWhereTheBlockGoesIsRefused() {
    ChainFixture f = ChainFixture.builder().genesis(false).build();
    VerifiedBlock vb = f.propose(f.genesisEntries());
    byte[] encoded = new CertifiedBlock(vb.block(), f.certify(vb.header())).encode();
    MerkleLog log = new MerkleLog();
    log.appendLeafHash(ChainFixture.digest("another leaf"));
    LedgerState s = new LedgerState(new InMemoryStateStore(), log);
    IllegalStateException e = assertThrows(IllegalStateException.class,
        () -> s.apply(vb.effects(), Block.entryBounds(encoded)));
    assertEquals("the ledger-wide log's leaf 0 does not match the chain", e.getMessage());
  }

  @Test
  void theLogIsCommittedWithGenesisAndThenEverySixteenBlocksAndOnMakeDurable() {
    LedgerLifecycleTest.RecordingLog log = new LedgerLifecycleTest.RecordingLog();
    ChainFixture f = ChainFixture.builder().log(log).build();
    long genesis = f.ledger.tip().orElseThrow().ledgerSize();
    List<Long> sizes = new ArrayList<>();
    for (int i = 1; i <= 18; i++) {
      f.commit(f.registerPatient(f.actor("p" + i)));
      sizes.add(f.ledger.tip().orElseThrow().ledgerSize());
    }
    // on opening (empty), then with blocks 0 and 16 (sizes index 15); not 17 or 18
    assertEquals(List.of(0L, genesis, sizes.get(15)), log.commits);
    f.ledger.deferDurability();
    for (int i = 19; i <= 40; i++) {
      f.commit(f.registerPatient(f.actor("p" + i)));
    }
    assertEquals(3, log.commits.size(), "no commit while deferring: " + log.commits);
    f.ledger.makeDurable();
    assertEquals(List.of(0L, genesis, sizes.get(15), f.ledger.tip().orElseThrow().ledgerSize()), log.commits);
  }
}
