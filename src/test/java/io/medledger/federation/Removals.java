package io.medledger.federation;

import io.medledger.access.ParticipantId;
import io.medledger.chain.AffiliateRemoval;
import java.util.List;

/** For tests in other packages: what a federation's governance does that the public API does not offer. */
public final class Removals {
  private Removals() {}

  /** {@code institution} removes its affiliate {@code member}, committed on return. */
  public static void affiliate(Federation f, ParticipantId member, String institution) {
    f.submitOrThrow(f.sign(new AffiliateRemoval(member, f.institutionId(institution), f.now(), List.of()),
        f.institution(institution)));
  }
}
