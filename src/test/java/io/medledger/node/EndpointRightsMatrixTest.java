package io.medledger.node;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.medledger.access.Participant;
import io.medledger.access.ParticipantId;
import io.medledger.access.ParticipantKind;
import io.medledger.chain.Ledger;
import io.medledger.client.AccessRight;
import io.medledger.client.ClinicianClient;
import io.medledger.client.Identity;
import io.medledger.client.PatientClient;
import io.medledger.client.SmallFederation;
import io.medledger.codec.MalformedEncodingException;
import io.medledger.crypto.Ed25519PublicKey;
import io.medledger.federation.Federation;
import io.medledger.internal.node.ClientWire;
import io.medledger.internal.node.LedgerWire;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The client endpoint's rights as a matrix: every caller (each participant kind, a removed
 * participant, a key the ledger does not list, an operator key) against every request code the
 * ledger range holds, over the in-process federation's ledger. A cell is {@code +} (past the rights
 * gate: answered, or refused for its body) or the label of the right a {@code DENIED} answer names;
 * codes not in the table are refused to everyone as unknown. The table is the one of
 * docs/architecture.md ("Requests").
 */
class EndpointRightsMatrixTest {
  @TempDir
  Path dir;
  private final Federation f = SmallFederation.builder("endpoint-rights-test", 11).regulator("Regulator").build();
  private final Ledger ledger = f.federationNodes().get(0).ledger();
  private final PatientClient anna = f.registerPatient("Anna");
  private final PatientClient li = f.registerPatient("Li");
  private final ClinicianClient lee = f.registerClinician("Dr Lee", "Hospital A");
  private final ClinicianClient gone = f.registerClinician("Dr Gone", "Hospital A");
  private final Ed25519PublicKey operator = Identity.generate(ParticipantKind.AUDIT_SERVER, "operator").publicKey();

  @AfterEach
  void close() {
    f.close();
  }

  private static final List<Byte> CODES = List.of(ClientWire.CHAIN, ClientWire.HEIGHT, ClientWire.BLOCK,
      ClientWire.ENTRY, ClientWire.LOCATE, ClientWire.PARTICIPANT, ClientWire.GRANT_ACTIVE, ClientWire.IS_ERASED,
      ClientWire.RECORDS, ClientWire.GRANTS_BY_PATIENT, ClientWire.GRANTS_BY_GRANTEE, ClientWire.EVENTS_BY_PATIENT,
      ClientWire.PATIENT_HISTORY, ClientWire.TIP, ClientWire.KEY_CARD, ClientWire.PUBLISH_KEY_CARD,
      ClientWire.PROXIES, ClientWire.REENCRYPT, ClientWire.FRAGMENT, ClientWire.GRANT_REVOKED, ClientWire.PUBLISHED_KEYS,
      ClientWire.MEMBERSHIP_CHANGES, ClientWire.HEADERS);

  /** Columns in the order of {@link #CODES}; {@code events} asks for Anna's events. */
  private static final String TABLE = """
      caller          chain height block entry locate participant active erased records byPatient byGrantee events      history tip card publish proxies reencrypt   fragment revoked keys changes headers
      patient         +     +      +     +     +      +           +      +      +       +         +         +           +       +   +    +       +       +           +        +        + + +
      other-patient   +     +      +     +     +      +           +      +      +       +         +         audit-trail +       +   +    +       +       +           +        +        + + +
      clinician       +     +      +     +     +      +           +      +      +       +         +         audit-trail +       +   +    +       +       +           +        +        + + +
      researcher      +     +      +     +     +      +           +      +      +       +         +         audit-trail +       +   +    +       +       +           +        +        + + +
      institution     +     +      +     +     +      +           +      +      +       +         +         audit-trail +       +   +    +       +       reader-role +        +        + + +
      regulator       +     +      +     +     +      +           +      +      +       +         +         +           +       +   +    +       +       reader-role +        +        + + +
      audit-server    +     +      +     +     +      +           +      +      +       +         +         +           +       +   +    +       +       reader-role +        +        + + +
      federation      +     +      +     +     +      +           +      +      +       +         +         +           +       +   +    +       +       reader-role +        +        + + +
      storage-node    +     +      +     +     +      +           +      +      +       +         +         audit-trail +       +   +    +       +       reader-role +        +        + + +
      removed         participant participant participant participant participant participant participant participant participant participant participant participant participant participant participant participant participant participant participant participant participant participant participant
      unknown-key     participant participant participant participant participant participant participant participant participant participant participant participant participant participant participant participant participant participant participant participant participant participant participant
      operator        +     +      +     +     +      +           +      +      +       +         +         +           +       +   +    +       +       reader-role +        +        + + +
      """;

  private Ed25519PublicKey key(String caller) {
    return switch (caller) {
      case "patient" -> anna.identity().publicKey();
      case "other-patient" -> li.identity().publicKey();
      case "clinician" -> lee.identity().publicKey();
      case "researcher" -> f.registerResearcher("Researcher", "Authority").identity().publicKey();
      case "institution" -> listed(f.institutionId("Hospital B"));
      case "regulator" -> listed(f.regulator("Regulator").id());
      case "audit-server" -> ledger.membership().auditKeys().get(0);
      case "federation" -> ledger.membership().federationKeys().get(0);
      case "storage-node" -> listed(f.storageNodeIds().get(0));
      case "removed" -> gone.identity().publicKey();
      case "unknown-key" -> Identity.generate(ParticipantKind.PATIENT, "nobody").publicKey();
      case "operator" -> operator;
      default -> throw new IllegalArgumentException(caller);
    };
  }

  private Ed25519PublicKey listed(ParticipantId id) {
    return ledger.participant(id).map(Participant::publicKey).orElseThrow();
  }

  /** A request of {@code code} whose body (when it has one) is well formed where the table needs it. */
  private byte[] request(byte code) {
    LedgerWire.Writer w = new LedgerWire.Writer(code);
    if (code == ClientWire.EVENTS_BY_PATIENT) {
      w.id(anna.id()).i64(-1).u16(10).bool(false);
    }
    return w.toBytes();
  }

  /** {@code +} or the right a denial names. */
  private static String cell(LedgerRequests requests, Ed25519PublicKey who, byte[] request) {
    byte[] answer;
    try {
      answer = requests.handle(who, request);
    } catch (MalformedEncodingException e) {
      return "+"; // past the gate, refused for its (empty) body
    }
    return answer[0] == LedgerWire.DENIED ? AccessRight.values()[answer[1]].label() : "+";
  }

  @Test
  void everyCallerAgainstEveryRequestCodeIsDeniedUnlessARuleGrantsIt() {
    io.medledger.federation.Removals.affiliate(f, gone.id(), "Hospital A");
    LedgerRequests requests = new LedgerRequests(ledger, "endpoint-rights-test", "p", operator::equals,
        KeyCardStore.open(dir), null, 1 << 20);
    String[] lines = TABLE.strip().split("\n");
    assertEquals(CODES.size() + 1, lines[0].trim().split("\\s+").length, "one column per code");
    Map<String, List<String>> expected = new LinkedHashMap<>();
    Map<String, List<String>> got = new LinkedHashMap<>();
    for (int i = 1; i < lines.length; i++) {
      String[] cells = lines[i].trim().split("\\s+");
      assertEquals(CODES.size() + 1, cells.length, lines[i]);
      Ed25519PublicKey who = key(cells[0]);
      List<String> row = new ArrayList<>();
      for (byte code : CODES) {
        row.add(cell(requests, who, request(code)));
      }
      expected.put(cells[0], List.of(cells).subList(1, cells.length));
      got.put(cells[0], row);
    }
    assertEquals(expected, got);
    assertEquals(CODES.size(), LedgerRequests.RIGHTS.size(), "every code the endpoint grants is in the table");
    for (int code = ClientWire.LEDGER_FIRST; code <= ClientWire.LEDGER_LAST; code++) {
      if (!CODES.contains((byte) code)) {
        byte[] unknown = {(byte) code};
        for (String caller : List.of("patient", "federation", "operator")) {
          Ed25519PublicKey who = key(caller);
          assertThrows(MalformedEncodingException.class, () -> requests.handle(who, unknown), caller + " " + code);
        }
      }
    }
    assertTrue(ledger.participant(gone.id()).filter(p -> !p.active()).isPresent(), "the removed one is listed, inactive");
  }
}
