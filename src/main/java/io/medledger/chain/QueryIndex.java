package io.medledger.chain;

import io.medledger.access.ParticipantId;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/** In-memory secondary indexes for the unified query, by ledger index. Guarded by the ledger lock. */
final class QueryIndex {
  /** What the record filters need, without decoding the block. */
  record RecordMeta(ParticipantId patient, ParticipantId author, ParticipantId institution, String resourceType,
      long createdAt) {}

  final LongList records = new LongList();
  final List<RecordMeta> recordMeta = new ArrayList<>();
  final Map<ParticipantId, LongList> recordsByPatient = new HashMap<>();
  final Map<ParticipantId, LongList> recordsByInstitution = new HashMap<>();
  final Map<ParticipantId, LongList> recordsByAuthor = new HashMap<>();
  final Map<String, LongList> recordsByType = new HashMap<>();
  final Map<ParticipantId, LongList> grantsByPatient = new HashMap<>();
  final Map<ParticipantId, LongList> grantsByGrantee = new HashMap<>();
  final Map<ParticipantId, LongList> eventsByPatient = new HashMap<>();
  final Map<ParticipantId, LongList> eventsByAccessor = new HashMap<>();

  private static <K> void put(Map<K, LongList> m, K k, long i) {
    m.computeIfAbsent(k, x -> new LongList()).add(i);
  }

  void add(Entry e, long i) {
    if (e instanceof MedicalRecord r) {
      records.add(i);
      recordMeta.add(new RecordMeta(r.patient(), r.author(), r.institution().orElse(null), r.resourceType(),
          r.createdAt()));
      put(recordsByPatient, r.patient(), i);
      put(recordsByAuthor, r.author(), i);
      r.institution().ifPresent(inst -> put(recordsByInstitution, inst, i));
      put(recordsByType, r.resourceType(), i);
    } else if (e instanceof AccessGrant g) {
      put(grantsByPatient, g.patient(), i);
      put(grantsByGrantee, g.grantee(), i);
    } else if (e instanceof AccessEvent a) {
      put(eventsByPatient, a.patient(), i);
      put(eventsByAccessor, a.accessor(), i);
    }
  }

  RecordMeta meta(long ledgerIndex) {
    int pos = records.firstAbove(ledgerIndex) - 1;
    if (pos < 0 || records.get(pos) != ledgerIndex) {
      throw new IllegalStateException("not a record index");
    }
    return recordMeta.get(pos);
  }
}
