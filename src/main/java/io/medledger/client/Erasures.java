package io.medledger.client;

import io.medledger.chain.AccessGrant;
import io.medledger.chain.AccessRevocation;
import io.medledger.chain.AccessScope;
import io.medledger.chain.MedicalRecord;
import io.medledger.chain.QueryHit;
import io.medledger.chain.RecordErasure;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;

/** The client side of an erasure, shared by patients and regulators. Stateless. */
final class Erasures {
  private Erasures() {}

  /**
   * Makes a {@link RecordErasure} of {@code rec} signed by the session's participant final; when
   * the patient erases, then revokes its active grants scoped to this record only; then has the
   * federation delete every copy and drop the proxies' fragments of those grants. Nothing is
   * deleted if the ledger refuses the erasure.
   */
  static CompletableFuture<ErasureReport> erase(Session s, MedicalRecord rec) {
    if (s.isErased(rec)) {
      throw new RecordErasedException(rec.id());
    }
    boolean byPatient = s.id().equals(rec.patient());
    List<AccessRevocation> revocations = new ArrayList<>();
    if (byPatient) {
      for (QueryHit<AccessGrant> h : s.allGrants(rec.patient())) {
        AccessGrant g = h.entry();
        if (g.scope().kind() == AccessScope.Kind.RECORDS && g.scope().records().equals(List.of(rec.id()))
            && s.connection().isGrantActive(g.id(), s.now())) {
          revocations.add(s.sign(new AccessRevocation(rec.patient(), g.id(), s.now(), List.of())));
        }
      }
    }
    return s.signAndSubmit(new RecordErasure(rec.patient(), rec.id(), s.id(), s.now(), List.of()))
        .thenCompose(erasure -> {
          // the erasure is final from here on: delete what can be deleted even if a revocation is refused
          List<CompletableFuture<?>> revoked = new ArrayList<>();
          List<String> refused = new ArrayList<>();
          for (AccessRevocation r : revocations) {
            revoked.add(s.submit(r).exceptionally(e -> {
              synchronized (refused) {
                refused.add("the revocation of grant " + r.grant() + " was refused: " + e.getMessage());
              }
              return null;
            }));
          }
          return CompletableFuture.allOf(revoked.toArray(CompletableFuture[]::new)).thenApply(v -> {
            ErasureReport report = s.connection().finishErasure(rec.id());
            if (!refused.isEmpty()) {
              throw new EntryRejectedException("record " + rec.id() + " erased, but " + String.join("; ", refused));
            }
            return report;
          });
        });
  }
}
