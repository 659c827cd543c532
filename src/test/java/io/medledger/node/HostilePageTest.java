package io.medledger.node;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.medledger.access.ParticipantId;
import io.medledger.chain.AccessGrant;
import io.medledger.chain.Page;
import io.medledger.chain.PageRequest;
import io.medledger.client.ClinicianClient;
import io.medledger.client.GrantRequest;
import io.medledger.client.PatientClient;
import io.medledger.client.SmallFederation;
import io.medledger.codec.MalformedEncodingException;
import io.medledger.crypto.Ed25519PrivateKey;
import io.medledger.federation.Federation;
import io.medledger.internal.node.ClientWire;
import io.medledger.internal.node.LedgerWire;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * A node's answer to a page request is hostile too: a page whose cursor does not move past the
 * one asked for would keep a client that reads every page (grants, records, the audit trail)
 * asking forever, so the remote connection refuses it as malformed.
 */
@Timeout(120)
class HostilePageTest {
  /** An encoded page: each item an entry at a ledger index, then the next cursor (or none). */
  private static byte[] page(List<AccessGrant> entries, List<Long> indexes, Long next) {
    LedgerWire.Writer w = new LedgerWire.Writer(ClientWire.OK).u16(entries.size());
    for (int i = 0; i < entries.size(); i++) {
      w.bytes(entries.get(i).encode()).i64(1).i64(indexes.get(i)).bool(false);
    }
    w.optionalLong(next == null ? java.util.OptionalLong.empty() : java.util.OptionalLong.of(next));
    return w.bool(false).toBytes();
  }

  @Test
  void aPageWhoseCursorDoesNotMoveOnIsRefused() {
    AccessGrant g;
    ParticipantId anna;
    try (Federation f = SmallFederation.builder("hostile-page-test", 5).directSequencer().build()) {
      PatientClient p = f.registerPatient("Anna");
      ClinicianClient lee = f.registerClinician("Dr Lee", "Hospital A");
      g = p.grant(GrantRequest.treatment(lee.id()));
      anna = p.id();
    }
    Ed25519PrivateKey nodeKey = Ed25519PrivateKey.generate();
    Ed25519PrivateKey clientKey = Ed25519PrivateKey.generate();
    AtomicReference<byte[]> answer = new AtomicReference<>();
    // it reports a height (a read needs a freshness floor), and answers every other request with the page set
    RequestHandler hostile = (who, req) -> CompletableFuture.completedFuture(req[0] == ClientWire.HEIGHT
        ? new LedgerWire.Writer(ClientWire.OK).i64(1).toBytes() : answer.get());
    try (NodeEndpoint ep = NodeEndpoint.start(new PeerAddress("127.0.0.1", 0), TlsIdentity.of(nodeKey),
        clientKey.publicKey()::equals, hostile, TransportLimits.defaults());
        RemoteConnection c = RemoteConnection.builder(TlsIdentity.of(clientKey))
            .node(nodeKey.publicKey(), ep.boundAddress(), ServerRole.FEDERATION).build()) {
      PageRequest after7 = PageRequest.first(100).after(7);

      answer.set(page(List.of(), List.of(), 7L));
      assertThrows(MalformedEncodingException.class, () -> c.grantsByPatient(anna, after7), "no items, same cursor");
      answer.set(page(List.of(), List.of(), 5L));
      assertThrows(MalformedEncodingException.class, () -> c.grantsByPatient(anna, after7), "no items, cursor behind");
      answer.set(page(List.of(g), List.of(7L), 7L));
      assertThrows(MalformedEncodingException.class, () -> c.grantsByPatient(anna, after7), "an item at the cursor");
      answer.set(page(List.of(g, g), List.of(9L, 9L), 9L));
      assertThrows(MalformedEncodingException.class, () -> c.grantsByPatient(anna, after7), "items out of order");
      answer.set(page(List.of(g, g), List.of(8L, 10L), 9L));
      assertThrows(MalformedEncodingException.class, () -> c.grantsByPatient(anna, after7), "a cursor behind the last item");

      answer.set(page(List.of(g), List.of(8L), 8L));
      Page<AccessGrant> more = c.grantsByPatient(anna, after7);
      assertEquals(8L, more.nextCursor().orElseThrow(), "an honest page with more to come");
      answer.set(page(List.of(), List.of(), null));
      assertTrue(c.grantsByPatient(anna, after7).items().isEmpty(), "an honest last page");
      // a page that stopped at the bound on entries examined: few items or none, the cursor past them
      answer.set(page(List.of(), List.of(), 9L));
      assertEquals(9L, c.grantsByPatient(anna, after7).nextCursor().orElseThrow(), "no items, the cursor moved on");
      answer.set(page(List.of(g), List.of(8L), 12L));
      assertEquals(12L, c.grantsByPatient(anna, after7).nextCursor().orElseThrow(), "a cursor past the last item");
    }
  }
}
