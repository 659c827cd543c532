package io.medledger.federation;

import io.medledger.chain.AccessGrant;
import io.medledger.chain.MedicalRecord;
import io.medledger.chain.RecordQuery;
import io.medledger.client.AccessRefusedException;
import io.medledger.client.AuditorClient;
import io.medledger.client.ClinicianClient;
import io.medledger.client.EntryRejectedException;
import io.medledger.client.ErasureReport;
import io.medledger.client.GrantRequest;
import io.medledger.client.LedgerQuery;
import io.medledger.client.PatientClient;
import io.medledger.client.RecordErasedException;
import io.medledger.client.ResearcherClient;
import io.medledger.client.TestNetwork;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicContainer;
import org.junit.jupiter.api.DynamicNode;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The access matrix as a table: every client type (rows) against every operation on patient
 * Anna's data (columns), against the in-process federation here and against remote nodes in
 * {@link RemoteOperationMatrixTest}. A cell is {@code ok} (allowed and done), {@code hidden} (a query that
 * returns nothing), {@code ledger} (the client sends it, the chain rules refuse it; no cell now:
 * every refusal here happens at the client, before anything is sent), {@code -}
 * (the type has no such operation at all), or the name of the right an
 * {@link AccessRefusedException} reports.
 */
class OperationMatrixTest {
  /** A network for one row (rows do not share patients). */
  TestNetwork network() {
    return new InProcessNetwork(TestFederation.create());
  }

  /** Called after a row's last cell. */
  void release(TestNetwork n) {
    n.close();
  }

  private static final List<String> OPS =
      List.of("upload", "write", "amend", "read", "query", "events", "grant", "verify", "revoke", "erase");

  private static final String TABLE = """
      type               upload write           amend           read            query  events      grant verify revoke       erase
      patient            ok     -               -               ok              ok     ok          ok    -      ok           ok
      other-patient      ok     -               -               record-owner    hidden audit-trail ok    -      record-owner record-owner
      clinician-granted  -      ok              ok              ok              ok     audit-trail -     -      -            -
      clinician-other    -      treatment-grant treatment-grant treatment-grant hidden audit-trail -     -      -            -
      researcher-granted -      -               -               ok              ok     audit-trail -     -      -            -
      researcher-other   -      -               -               research-grant  hidden audit-trail -     -      -            -
      auditor            -      -               -               -               ok     ok          -     ok     -            role:regulator
      regulator          -      -               -               -               ok     ok          -     ok     -            ok
      """;

  /** The operation's method name on each client class, for the "-" cells. */
  private static final Map<String, String> METHOD = Map.of("upload", "upload", "write", "write", "amend", "amend",
      "read", "read", "query", "query", "events", "query", "grant", "grant", "verify", "verifyChain",
      "revoke", "revoke", "erase", "erase");

  /** One row's world: a network where a new Anna has a record and a grant, and the actor of the row. */
  private static final class World {
    final TestNetwork f;
    final PatientClient anna;
    final PatientClient li;
    final MedicalRecord annaRecord;
    final AccessGrant annaGrant;
    final Object actor;

    World(TestNetwork f, String type) {
      this.f = f;
      anna = f.registerPatient("Anna");
      li = f.registerPatient("Li");
      annaRecord = anna.upload(TestFederation.demoRecord("anna-mueller")).record();
      annaGrant = anna.grant(GrantRequest.treatment(f.institutionId("Hospital A3")));
      actor = switch (type) {
        case "patient" -> anna;
        case "other-patient" -> li;
        case "clinician-granted" -> {
          ClinicianClient c = f.registerClinician("Dr Granted", "Hospital A2");
          anna.grant(GrantRequest.treatment(c.id()));
          yield c;
        }
        case "clinician-other" -> f.registerClinician("Dr Other", "Clinic C");
        case "researcher-granted" -> {
          ResearcherClient r = f.registerResearcher("Granted Researcher", "Authority B1");
          anna.grant(GrantRequest.research(r.id()));
          yield r;
        }
        case "researcher-other" -> f.registerResearcher("Other Researcher", "Authority B1");
        case "auditor" -> f.auditor("Auditor");
        case "regulator" -> f.regulator("Health Regulator");
        default -> throw new IllegalArgumentException(type);
      };
    }

    /** Runs {@code op} as the actor; returns "ok" or "hidden", or throws. */
    String run(String op) throws Exception {
      byte[] obs = TestFederation.observation("demo-anna-mueller", "4548-4", 5.9);
      switch (op) {
        case "upload" -> ((PatientClient) actor).upload(obs);
        case "write" -> ((ClinicianClient) actor).write(anna.id(), obs);
        case "amend" -> ((ClinicianClient) actor).amend(annaRecord.id(), TestFederation.demoRecord("anna-mueller"));
        case "read" -> {
          byte[] got = actor instanceof PatientClient p ? p.read(annaRecord.id())
              : actor instanceof ClinicianClient c ? c.read(annaRecord.id())
              : ((ResearcherClient) actor).read(annaRecord.id());
          assertTrue(got.length > 0);
        }
        case "query" -> {
          return query().allRecords(RecordQuery.all().patient(anna.id())).isEmpty() ? "hidden" : "ok";
        }
        case "events" -> query().accessEvents(anna.id());
        case "grant" -> ((PatientClient) actor).grant(GrantRequest.treatment(f.institutionId("Hospital A1")));
        case "verify" -> assertTrue(((AuditorClient) actor).verifyChain().valid());
        case "revoke" -> ((PatientClient) actor).revoke(annaGrant.id());
        case "erase" -> {
          ErasureReport r = actor instanceof PatientClient p ? p.erase(annaRecord.id())
              : ((AuditorClient) actor).orderErasure(annaRecord.id());
          assertTrue(r.complete());
          assertThrows(RecordErasedException.class, () -> anna.read(annaRecord.id()));
          // the erasure is a ledger entry signed by whoever ordered it
          assertTrue(f.observer().isErased(annaRecord.id()));
          io.medledger.chain.RecordErasure x =
              (io.medledger.chain.RecordErasure) f.observer().entry(r.erasureEntry()).orElseThrow();
          assertEquals(r.erasedBy(), x.requestedBy());
          assertEquals(annaRecord.id(), x.record());
        }
        default -> throw new IllegalArgumentException(op);
      }
      return "ok";
    }

    LedgerQuery query() {
      if (actor instanceof PatientClient p) {
        return p.query();
      } else if (actor instanceof ClinicianClient c) {
        return c.query();
      } else if (actor instanceof ResearcherClient r) {
        return r.query();
      }
      return ((AuditorClient) actor).query();
    }
  }

  private static Map<String, List<String>> table() {
    Map<String, List<String>> rows = new TreeMap<>();
    String[] lines = TABLE.strip().split("\n");
    assertEquals(OPS, List.of(lines[0].trim().split("\\s+")).subList(1, OPS.size() + 1));
    for (int i = 1; i < lines.length; i++) {
      List<String> cells = Arrays.asList(lines[i].trim().split("\\s+"));
      assertEquals(OPS.size() + 1, cells.size(), lines[i]);
      rows.put(cells.get(0), cells.subList(1, cells.size()));
    }
    return rows;
  }

  private static Class<?> clientClass(String type) {
    return type.contains("patient") ? PatientClient.class : type.startsWith("clinician") ? ClinicianClient.class
        : type.startsWith("researcher") ? ResearcherClient.class : AuditorClient.class;
  }

  private static boolean offers(Class<?> c, String op) {
    String name = METHOD.get(op);
    if (op.equals("erase") && c == AuditorClient.class) {
      name = "orderErasure";
    }
    for (Method m : c.getDeclaredMethods()) {
      if (Modifier.isPublic(m.getModifiers()) && m.getName().equals(name)) {
        return true;
      }
    }
    return false;
  }

  @TestFactory
  Stream<DynamicNode> everyTypeAgainstEveryOperation() {
    return matrix();
  }

  Stream<DynamicNode> matrix() {
    List<DynamicNode> rows = new ArrayList<>();
    for (Map.Entry<String, List<String>> row : table().entrySet()) {
      String type = row.getKey();
      World[] world = new World[1];
      List<DynamicTest> cells = new ArrayList<>();
      for (int i = 0; i < OPS.size(); i++) {
        String op = OPS.get(i);
        String expected = row.getValue().get(i);
        boolean last = i == OPS.size() - 1;
        cells.add(DynamicTest.dynamicTest(type + " × " + op + " → " + expected, () -> {
          if (world[0] == null) {
            world[0] = new World(network(), type);
          }
          try {
            check(world[0], type, op, expected);
          } finally {
            if (last) {
              release(world[0].f);
            }
          }
        }));
      }
      rows.add(DynamicContainer.dynamicContainer(type, cells));
    }
    return rows.stream();
  }

  private static void check(World w, String type, String op, String expected) throws Exception {
    Class<?> c = clientClass(type);
    switch (expected) {
      case "-" -> assertFalse(offers(c, op), c.getSimpleName() + " must not offer " + op);
      case "ok", "hidden" -> {
        assertTrue(offers(c, op));
        assertEquals(expected, w.run(op));
      }
      case "ledger" -> assertThrows(EntryRejectedException.class, () -> w.run(op));
      default -> {
        AccessRefusedException e = assertThrows(AccessRefusedException.class, () -> w.run(op));
        assertEquals(expected, e.missingRight().label(), e.getMessage());
      }
    }
  }
}
