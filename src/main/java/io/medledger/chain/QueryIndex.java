package io.medledger.chain;

import io.medledger.access.ParticipantId;
import io.medledger.crypto.Digest;
import io.medledger.crypto.Sha256;
import io.medledger.internal.codec.BinaryFieldReader;
import io.medledger.internal.codec.BinaryFieldWriter;
import io.medledger.storage.StateStore;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;

/**
 * The secondary indexes of the unified query, in the state store: a key {@code 'Q' || list ||
 * 32-byte key || 8-byte ledger index} per entry and list it belongs to (empty value), so a list
 * reads in ledger order from any point; and {@code 'r' || ledger index} per record with what the
 * record filters need, so a filter never decodes a block. Resource types are keyed by their
 * SHA-256. Stateless.
 */
final class QueryIndex {
  /** What the record filters need, without decoding the block. */
  record RecordMeta(ParticipantId patient, ParticipantId author, ParticipantId institution, String resourceType,
      long createdAt) {}

  /** The lists, by the entries they hold and the key they are kept by. */
  enum Index {
    RECORDS_BY_PATIENT, RECORDS_BY_INSTITUTION, RECORDS_BY_AUTHOR, RECORDS_BY_TYPE, GRANTS_BY_PATIENT,
    GRANTS_BY_GRANTEE, EVENTS_BY_PATIENT, EVENTS_BY_ACCESSOR
  }

  static final byte INDEX = 'Q';
  static final byte RECORD_META = 'r';
  /** The prefix of the list of all records (their filter data). */
  static final byte[] ALL_RECORDS = {RECORD_META};

  private QueryIndex() {}

  /** The key prefix of list {@code l} for {@code key}. */
  static byte[] prefix(Index l, Digest key) {
    byte[] p = new byte[2 + Digest.LENGTH];
    p[0] = INDEX;
    p[1] = (byte) l.ordinal();
    key.copyTo(p, 2);
    return p;
  }

  static byte[] prefix(Index l, ParticipantId id) {
    return prefix(l, id.digest());
  }

  static Digest typeKey(String resourceType) {
    return Sha256.hash(resourceType.getBytes(StandardCharsets.UTF_8));
  }

  private static void put(StateStore.Batch b, Index l, Digest key, long i) {
    b.put(ByteBuffer.allocate(2 + Digest.LENGTH + 8).put(prefix(l, key)).putLong(i).array(), new byte[0]);
  }

  /** Adds the index keys of entry {@code e} at ledger index {@code i} to {@code b}. */
  static void add(Entry e, long i, StateStore.Batch b) {
    if (e instanceof MedicalRecord r) {
      BinaryFieldWriter w = new BinaryFieldWriter(128);
      w.digest("patient", r.patient().digest());
      w.digest("author", r.author().digest());
      w.optionalDigest("institution", r.institution().map(ParticipantId::digest).orElse(null));
      w.string("type", r.resourceType());
      w.i64("created", r.createdAt());
      b.put(LedgerState.key(RECORD_META, i), w.toByteArray());
      put(b, Index.RECORDS_BY_PATIENT, r.patient().digest(), i);
      put(b, Index.RECORDS_BY_AUTHOR, r.author().digest(), i);
      r.institution().ifPresent(inst -> put(b, Index.RECORDS_BY_INSTITUTION, inst.digest(), i));
      put(b, Index.RECORDS_BY_TYPE, typeKey(r.resourceType()), i);
    } else if (e instanceof AccessGrant g) {
      put(b, Index.GRANTS_BY_PATIENT, g.patient().digest(), i);
      put(b, Index.GRANTS_BY_GRANTEE, g.grantee().digest(), i);
    } else if (e instanceof AccessEvent a) {
      put(b, Index.EVENTS_BY_PATIENT, a.patient().digest(), i);
      put(b, Index.EVENTS_BY_ACCESSOR, a.accessor().digest(), i);
    }
  }

  /** The filter data of the record at {@code ledgerIndex}. */
  static RecordMeta meta(StateStore store, long ledgerIndex) {
    byte[] v = store.get(LedgerState.key(RECORD_META, ledgerIndex));
    if (v == null) {
      throw new IllegalStateException("not a record index");
    }
    BinaryFieldReader r = new BinaryFieldReader(v);
    Digest inst;
    RecordMeta m = new RecordMeta(ParticipantId.fromDigest(r.digest("patient")),
        ParticipantId.fromDigest(r.digest("author")),
        (inst = r.optionalDigest("institution")) == null ? null : ParticipantId.fromDigest(inst),
        r.string("type", Limits.MAX_ENTRY_BYTES), r.i64("created"));
    r.finish();
    return m;
  }
}
