package io.medledger.client;

import io.medledger.access.ParticipantId;
import io.medledger.access.ParticipantKind;
import io.medledger.access.Purpose;
import io.medledger.chain.MedicalRecord;
import java.util.Optional;
import java.util.Set;

/** Who is asking a query, and so what it may see. Immutable. */
record Viewer(ParticipantId id, ParticipantKind kind, Optional<ParticipantId> institution, boolean oversight) {
  /** Whether this viewer may see the metadata of {@code m}. */
  boolean maySee(Session f, MedicalRecord m) {
    if (oversight) {
      return true;
    }
    return switch (kind) {
      case PATIENT -> m.patient().equals(id);
      case CLINICIAN -> m.institution().equals(institution) && m.author().equals(id)
          || f.coveringGrant(m, grantees(), Purpose.TREATMENT, false).isPresent();
      case RESEARCHER -> f.coveringGrant(m, Set.of(id), Purpose.RESEARCH, true).isPresent();
      default -> false;
    };
  }

  Set<ParticipantId> grantees() {
    return institution.isPresent() ? Set.of(id, institution.get()) : Set.of(id);
  }
}
