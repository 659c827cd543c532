package io.medledger.node;

import io.medledger.access.Participant;
import io.medledger.access.ParticipantId;
import io.medledger.access.ParticipantKind;
import io.medledger.chain.Entry;
import io.medledger.chain.EntryLocation;
import io.medledger.chain.Ledger;
import io.medledger.chain.Page;
import io.medledger.chain.PageRequest;
import io.medledger.chain.PatientHistoryPage;
import io.medledger.chain.QueryHit;
import io.medledger.chain.RecordQuery;
import io.medledger.client.AccessRefusedException;
import io.medledger.client.AccessRight;
import io.medledger.client.KeyCard;
import io.medledger.client.RecordErasedException;
import io.medledger.codec.MalformedEncodingException;
import io.medledger.crypto.Digest;
import io.medledger.crypto.Ed25519PublicKey;
import io.medledger.internal.ProxyRules;
import io.medledger.internal.node.ClientWire;
import io.medledger.internal.node.LedgerWire;
import io.medledger.pre.EnvelopeException;
import io.medledger.pre.ProxyResponse;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.Function;

/**
 * Serves a node's remote ledger and proxy requests (ClientWire codes 16-63) for the remote
 * {@link io.medledger.client.LedgerConnection}: deny by default, each request type is allowed to
 * the participant kinds listed in {@link #RIGHTS} (plus the operator keys of the node's
 * configuration, which act as auditors), and the caller's key is checked against the ledger on
 * every request, not only at the handshake. A refusal names the missing {@link AccessRight}.
 * Pages hold at most {@link #MAX_PAGE} items and {@link #MAX_PAGE_BYTES} bytes; the cursor
 * continues where a page stopped. A patient's history is answered a page at a time
 * ({@link Ledger#patientHistory(ParticipantId, PageRequest, long)}), each within the answer cap. Thread-safe (stateless over the thread-safe ledger).
 */
final class LedgerRequests {
  /** Most items in one page. */
  static final int MAX_PAGE = 256;
  /** Most entry and proof bytes in one page (the rest goes to the next page). */
  static final int MAX_PAGE_BYTES = 4 << 20;
  /** The bytes an answer adds around what it carries (status byte, length). */
  private static final int ANSWER_FRAMING = 16;

  private static final Set<ParticipantKind> ANYONE = EnumSet.allOf(ParticipantKind.class);
  private static final Set<ParticipantKind> READERS =
      EnumSet.of(ParticipantKind.PATIENT, ParticipantKind.CLINICIAN, ParticipantKind.RESEARCHER);
  private static final Set<ParticipantKind> OVERSIGHT = EnumSet.of(ParticipantKind.PATIENT, ParticipantKind.REGULATOR,
      ParticipantKind.AUDIT_SERVER, ParticipantKind.FEDERATION_SERVER);

  /**
   * Which participant kinds may send each request type, and the right a refusal names. Types not
   * listed are refused. Operator keys may send every type but {@code REENCRYPT}, which each client
   * may send at the proxy's per-client rate ({@link ProxyService#spend}; BUSY beyond it). A
   * {@code PUBLISH_KEY_CARD} of a key the ledger does not list is taken from operator keys only.
   */
  static final Map<Byte, Rule> RIGHTS = Map.ofEntries(
      Map.entry(ClientWire.CHAIN, new Rule(ANYONE, AccessRight.PARTICIPANT, true)),
      Map.entry(ClientWire.HEIGHT, new Rule(ANYONE, AccessRight.PARTICIPANT, true)),
      Map.entry(ClientWire.BLOCK, new Rule(ANYONE, AccessRight.PARTICIPANT, true)),
      Map.entry(ClientWire.ENTRY, new Rule(ANYONE, AccessRight.PARTICIPANT, true)),
      Map.entry(ClientWire.LOCATE, new Rule(ANYONE, AccessRight.PARTICIPANT, true)),
      Map.entry(ClientWire.PARTICIPANT, new Rule(ANYONE, AccessRight.PARTICIPANT, true)),
      Map.entry(ClientWire.GRANT_ACTIVE, new Rule(ANYONE, AccessRight.PARTICIPANT, true)),
      Map.entry(ClientWire.GRANT_REVOKED, new Rule(ANYONE, AccessRight.PARTICIPANT, true)),
      Map.entry(ClientWire.IS_ERASED, new Rule(ANYONE, AccessRight.PARTICIPANT, true)),
      Map.entry(ClientWire.RECORDS, new Rule(ANYONE, AccessRight.PARTICIPANT, true)),
      Map.entry(ClientWire.GRANTS_BY_PATIENT, new Rule(ANYONE, AccessRight.PARTICIPANT, true)),
      Map.entry(ClientWire.GRANTS_BY_GRANTEE, new Rule(ANYONE, AccessRight.PARTICIPANT, true)),
      Map.entry(ClientWire.EVENTS_BY_PATIENT, new Rule(OVERSIGHT, AccessRight.AUDIT_TRAIL, true)),
      Map.entry(ClientWire.PATIENT_HISTORY, new Rule(ANYONE, AccessRight.PARTICIPANT, true)),
      Map.entry(ClientWire.TIP, new Rule(ANYONE, AccessRight.PARTICIPANT, true)),
      Map.entry(ClientWire.KEY_CARD, new Rule(ANYONE, AccessRight.PARTICIPANT, true)),
      Map.entry(ClientWire.PUBLISHED_KEYS, new Rule(ANYONE, AccessRight.PARTICIPANT, true)),
      Map.entry(ClientWire.MEMBERSHIP_CHANGES, new Rule(ANYONE, AccessRight.PARTICIPANT, true)),
      Map.entry(ClientWire.HEADERS, new Rule(ANYONE, AccessRight.PARTICIPANT, true)),
      Map.entry(ClientWire.PUBLISH_KEY_CARD, new Rule(ANYONE, AccessRight.PARTICIPANT, true)),
      Map.entry(ClientWire.PROXIES, new Rule(ANYONE, AccessRight.PARTICIPANT, true)),
      Map.entry(ClientWire.FRAGMENT, new Rule(ANYONE, AccessRight.PARTICIPANT, true)),
      Map.entry(ClientWire.REENCRYPT, new Rule(READERS, AccessRight.READER_ROLE, false)));

  /**
   * Who may send one request type.
   *
   * @param kinds the participant kinds allowed
   * @param missing the right a refusal names
   * @param operators whether the node's configured operator keys may send it
   */
  record Rule(Set<ParticipantKind> kinds, AccessRight missing, boolean operators) {}

  private final Ledger ledger;
  private final String chain;
  private final String protocol;
  private final Function<Ed25519PublicKey, Boolean> operator;
  private static final System.Logger LOG = System.getLogger(LedgerRequests.class.getName());
  private final KeyCardStore cards;
  private final ProxyService proxy;
  private final int maxAnswerBytes;

  /**
   * @param maxAnswerBytes the largest answer the client endpoint sends (its frame cap): a larger
   *     one is dropped for an error
   */
  LedgerRequests(Ledger ledger, String chain, String protocol, Function<Ed25519PublicKey, Boolean> operator,
      KeyCardStore cards, ProxyService proxy, int maxAnswerBytes) {
    this.maxAnswerBytes = maxAnswerBytes;
    this.ledger = ledger;
    this.chain = chain;
    this.protocol = protocol;
    this.operator = operator;
    this.cards = cards;
    this.proxy = proxy;
  }

  /** Whether {@code type} is one of the codes this class serves. */
  static boolean serves(byte type) {
    return type >= ClientWire.LEDGER_FIRST && type <= ClientWire.LEDGER_LAST;
  }

  /**
   * Answers one request from {@code client}: the response, or a DENIED/ERASED/REFUSED response.
   *
   * @throws MalformedEncodingException if the request is malformed or of an unknown type
   */
  byte[] handle(Ed25519PublicKey client, byte[] request) {
    byte type = request[0];
    Rule rule = RIGHTS.get(type);
    if (rule == null) {
      throw new MalformedEncodingException("unknown request type " + type);
    }
    ParticipantId caller = ParticipantId.of(client);
    boolean isOperator = operator.apply(client);
    Optional<Participant> p = ledger.participant(caller).filter(Participant::active);
    if (!(isOperator && rule.operators()) && (p.isEmpty() || !rule.kinds().contains(p.get().kind()))) {
      return denied(p.isEmpty() && !isOperator ? AccessRight.PARTICIPANT : rule.missing(),
          (p.isEmpty() ? "key " + caller + " is not an active participant" : "a " + p.get().kind().label())
              + " may not send request type " + type);
    }
    LedgerWire.Reader in = new LedgerWire.Reader(request, 1);
    try {
      return answer(type, in, caller, isOperator ? Optional.empty() : p.map(Participant::kind));
    } catch (AccessRefusedException e) {
      return denied(e.missingRight(), e.getMessage());
    } catch (RecordErasedException e) {
      return new LedgerWire.Writer(LedgerWire.ERASED).digest(e.record()).toBytes();
    }
  }

  private byte[] answer(byte type, LedgerWire.Reader in, ParticipantId caller, Optional<ParticipantKind> kind) {
    LedgerWire.Writer out = new LedgerWire.Writer(ClientWire.OK);
    switch (type) {
      case ClientWire.CHAIN -> {
        in.end();
        out.string(chain).digest(ledger.parameters().chainId()).string(protocol);
      }
      case ClientWire.HEIGHT -> {
        in.end();
        out.i64(ledger.height());
      }
      case ClientWire.BLOCK -> {
        long h = in.i64();
        in.end();
        if (h < 0 || h > ledger.height()) {
          return ClientWire.refused(SubmissionRefusedException.Cause.RULE.ordinal(), "no block at height " + h);
        }
        // the stored bytes, sized before they are read where the state records the block's layout
        Optional<byte[]> stored = ledger.encodedCertifiedBlock(h, maxAnswerBytes - ANSWER_FRAMING);
        if (stored.isEmpty()) {
          return ClientWire.refused(SubmissionRefusedException.Cause.RULE.ordinal(), "block " + h
              + " takes more bytes than an answer of this node carries (" + maxAnswerBytes + " bytes)");
        }
        out.bytes(stored.get());
      }
      case ClientWire.ENTRY -> {
        Digest id = in.digest();
        in.end();
        Optional<Entry> e = ProxyRules.entry(ledger, id);
        out.bool(e.isPresent());
        e.ifPresent(x -> out.bytes(x.encode()));
      }
      case ClientWire.LOCATE -> {
        Digest id = in.digest();
        in.end();
        Optional<EntryLocation> l = ledger.locate(id);
        out.bool(l.isPresent());
        l.ifPresent(x -> out.i64(x.height()).i32(x.indexInBlock()).i64(x.ledgerIndex()));
      }
      case ClientWire.PARTICIPANT -> {
        ParticipantId id = in.id();
        in.end();
        Optional<Participant> x = ledger.participant(id);
        out.bool(x.isPresent());
        x.ifPresent(out::participant);
      }
      case ClientWire.GRANT_ACTIVE -> {
        Digest id = in.digest();
        long t = in.i64();
        in.end();
        out.bool(ledger.isGrantActive(id, t));
      }
      case ClientWire.GRANT_REVOKED -> {
        Digest id = in.digest();
        in.end();
        out.bool(ledger.isGrantRevoked(id));
      }
      case ClientWire.IS_ERASED -> {
        Digest id = in.digest();
        in.end();
        out.bool(ledger.isErased(id));
      }
      case ClientWire.RECORDS -> {
        RecordQuery q = readQuery(in);
        PageRequest pr = readPage(in);
        in.end();
        writePage(out, ledger.records(q, pr));
      }
      case ClientWire.GRANTS_BY_PATIENT, ClientWire.GRANTS_BY_GRANTEE, ClientWire.EVENTS_BY_PATIENT -> {
        ParticipantId id = in.id();
        PageRequest pr = readPage(in);
        in.end();
        if (type == ClientWire.EVENTS_BY_PATIENT && kind.equals(Optional.of(ParticipantKind.PATIENT)) && !id.equals(caller)) {
          throw new AccessRefusedException(AccessRight.AUDIT_TRAIL, "only the patient, auditors and regulators see "
              + id + "'s access events");
        }
        if (type == ClientWire.EVENTS_BY_PATIENT) {
          writePage(out, ledger.accessEventsByPatient(id, pr));
        } else {
          writePage(out, type == ClientWire.GRANTS_BY_PATIENT ? ledger.grantsByPatient(id, pr) : ledger.grantsByGrantee(id, pr));
        }
      }
      case ClientWire.PATIENT_HISTORY -> {
        ParticipantId id = in.id();
        PageRequest pr = readPage(in);
        in.end();
        PatientHistoryPage page;
        try {
          // sized from the state's index: a sub-block too large for an answer is refused unread
          page = ledger.patientHistory(id, pr, maxAnswerBytes - ANSWER_FRAMING - PatientHistoryPage.HEAD_BYTES);
        } catch (IllegalArgumentException e) {
          return ClientWire.refused(SubmissionRefusedException.Cause.RULE.ordinal(), e.getMessage()
              + " (this node answers at most " + maxAnswerBytes + " bytes)");
        }
        out.bytes(page.encode());
      }
      case ClientWire.TIP -> {
        in.end();
        Optional<Digest> tip = ledger.tip().map(h -> h.hash());
        out.bool(tip.isPresent());
        tip.ifPresent(out::digest);
      }
      case ClientWire.KEY_CARD -> {
        ParticipantId id = in.id();
        in.end();
        // a card the ledger's publication in force contradicts (an upgrade card this node missed) is not
        // served, and is dropped, so that the participant's current card can be published here
        Optional<KeyCard> c = cards.lookup(id);
        if (c.isPresent() && KeyCardStore.contradicted(ledger, c.get())) {
          dropContradicted(id);
          c = Optional.empty();
        }
        out.bool(c.isPresent());
        c.ifPresent(out::card);
      }
      case ClientWire.MEMBERSHIP_CHANGES -> {
        long from = in.i64();
        long to = in.i64();
        in.end();
        if (from < 1 || to < from) {
          return ClientWire.refused(SubmissionRefusedException.Cause.RULE.ordinal(), "no range from " + from + " to " + to);
        }
        long through = Math.min(to, ledger.height());
        List<Long> heights = ledger.membershipChangeHeights(from, through, ClientWire.MAX_MEMBERSHIP_CHANGES);
        out.u16(heights.size());
        heights.forEach(out::i64);
        out.i64(heights.size() == ClientWire.MAX_MEMBERSHIP_CHANGES ? heights.get(heights.size() - 1) : through);
      }
      case ClientWire.HEADERS -> {
        long k = in.i64();
        int n = in.u16();
        in.end();
        if (k < 0 || k > ledger.height() || n < 1 || n > ClientWire.MAX_HEADERS) {
          return ClientWire.refused(SubmissionRefusedException.Cause.RULE.ordinal(), "no " + n + " headers down from "
              + k + " (at most " + ClientWire.MAX_HEADERS + ", at or below the tip)");
        }
        int budget = Math.min(ClientWire.MAX_HEADERS_BYTES, maxAnswerBytes - ANSWER_FRAMING - 2);
        List<byte[]> headers = new java.util.ArrayList<>();
        for (long h = k; h >= 0 && h > k - n; h--) {
          byte[] e = ledger.header(h).encode();
          budget -= 4 + e.length;
          if (budget < 0) {
            break;
          }
          headers.add(e);
        }
        if (headers.isEmpty()) {
          return ClientWire.refused(SubmissionRefusedException.Cause.RULE.ordinal(), "header " + k
              + " takes more bytes than an answer of this node carries (" + maxAnswerBytes + " bytes)");
        }
        out.u16(headers.size());
        headers.forEach(out::bytes);
      }
      case ClientWire.PUBLISHED_KEYS -> {
        ParticipantId id = in.id();
        in.end();
        Optional<io.medledger.chain.KeyPublication> p = ledger.publishedKeys(id);
        Optional<EntryLocation> at = p.flatMap(x -> ledger.locate(x.id()));
        out.bool(at.isPresent());
        if (at.isPresent()) {
          out.bytes(p.get().encode()).i64(at.get().height()).i64(at.get().ledgerIndex());
        }
      }
      case ClientWire.PUBLISH_KEY_CARD -> {
        KeyCard c = in.card();
        in.end();
        Optional<Participant> listed = ledger.participant(c.id());
        if (listed.isEmpty() && kind.isPresent()) { // only operator keys (no kind here) onboard new keys
          return ClientWire.refused(SubmissionRefusedException.Cause.RULE.ordinal(), "only the node's operators publish"
              + " the card of " + c.id() + ", which the ledger does not list");
        }
        if (listed.isPresent() && !listed.get().active()) { // its card was dropped when it was removed
          return ClientWire.refused(SubmissionRefusedException.Cause.RULE.ordinal(), "the ledger removed " + c.id()
              + "; its card is not kept");
        }
        if (listed.isPresent() && listed.get().kind() != c.kind()) {
          return ClientWire.refused(SubmissionRefusedException.Cause.RULE.ordinal(), "the ledger lists " + c.id()
              + " as a " + listed.get().kind().label() + ", the card says " + c.kind().label());
        }
        if (!agreesWithLedger(c)) {
          return ClientWire.refused(SubmissionRefusedException.Cause.RULE.ordinal(), "the card of " + c.id()
              + " holds other keys than its key publication in force on the ledger");
        }
        try {
          if (cards.publish(c) && proxy != null) {
            proxy.retryWaiting(c.id());
          }
        } catch (IllegalArgumentException e) {
          return ClientWire.refused(SubmissionRefusedException.Cause.RULE.ordinal(), e.getMessage());
        }
      }
      case ClientWire.PROXIES -> {
        in.end();
        List<Ed25519PublicKey> fed = ledger.membership().federationKeys();
        out.u16(fed.size()).u8(threshold(fed.size()));
        for (Ed25519PublicKey k : fed) {
          ParticipantId id = ParticipantId.of(k);
          Optional<io.medledger.chain.KeyPublication> pub = ledger.publishedKeys(id);
          out.id(id).bool(pub.isPresent());
          pub.ifPresent(x -> out.bytes(x.encryptionKey().toByteArray()));
        }
      }
      case ClientWire.FRAGMENT -> {
        Digest grant = in.digest();
        in.end();
        if (proxy == null) {
          return ClientWire.refused(SubmissionRefusedException.Cause.RULE.ordinal(), "this node runs no proxy");
        }
        int state = proxy.holds(grant) ? 0 : proxy.isWaiting(grant) ? 1 : proxy.problem(grant).isPresent() ? 2 : 3;
        out.u8(state).string(proxy.problem(grant).orElse(""));
      }
      case ClientWire.REENCRYPT -> {
        Digest event = in.digest();
        in.end();
        if (proxy == null) {
          return ClientWire.refused(SubmissionRefusedException.Cause.RULE.ordinal(), "this node runs no proxy");
        }
        if (!proxy.spend(caller)) {
          return ClientWire.refused(SubmissionRefusedException.Cause.BUSY.ordinal(), "proxy re-encrypts at most "
              + ProxyService.REENCRYPTIONS_PER_SECOND + " a second per client; retry later");
        }
        try {
          ProxyResponse r = proxy.reencrypt(event, Optional.of(caller));
          out.bytes(r.capsuleFrag().toBytes());
        } catch (EnvelopeException e) {
          return ClientWire.refused(SubmissionRefusedException.Cause.RULE.ordinal(), e.getMessage());
        }
      }
      default -> throw new MalformedEncodingException("unknown request type " + type);
    }
    return out.toBytes();
  }

  /** The re-encryption threshold of {@code proxies} federation servers: a majority. */
  static int threshold(int proxies) {
    return proxies / 2 + 1;
  }

  private static byte[] denied(AccessRight right, String why) {
    return new LedgerWire.Writer(LedgerWire.DENIED).u8(right.ordinal()).string(why).toBytes();
  }

  private static RecordQuery readQuery(LedgerWire.Reader in) {
    Optional<ParticipantId> patient = in.optionalId();
    Optional<ParticipantId> institution = in.optionalId();
    Optional<ParticipantId> author = in.optionalId();
    Optional<String> type = in.bool() ? Optional.of(in.string()) : Optional.empty();
    long from = in.i64();
    long until = in.i64();
    try {
      return new RecordQuery(patient, institution, author, type, from, until);
    } catch (IllegalArgumentException e) {
      throw new MalformedEncodingException("record query: " + e.getMessage());
    }
  }

  private static PageRequest readPage(LedgerWire.Reader in) {
    long after = in.i64();
    int limit = in.u16();
    boolean proofs = in.bool();
    try {
      return new PageRequest(after, Math.min(limit, MAX_PAGE), proofs);
    } catch (IllegalArgumentException e) {
      throw new MalformedEncodingException("page request: " + e.getMessage());
    }
  }

  static <E extends Entry> void writePage(LedgerWire.Writer out, Page<E> page) {
    List<QueryHit<E>> items = page.items();
    int n = 0;
    long bytes = 0;
    for (QueryHit<E> h : items) {
      bytes += h.entry().encode().length + h.proof().map(x -> 2L * x.entry().encode().length + 4096).orElse(0L);
      if (n > 0 && bytes > MAX_PAGE_BYTES) {
        break;
      }
      n++;
    }
    out.u16(n);
    for (QueryHit<E> h : items.subList(0, n)) {
      out.bytes(h.entry().encode()).i64(h.height()).i64(h.ledgerIndex()).bool(h.proof().isPresent());
      h.proof().ifPresent(x -> out.bytes(x.toJson().getBytes(java.nio.charset.StandardCharsets.UTF_8)));
    }
    out.optionalLong(n < items.size() ? java.util.OptionalLong.of(items.get(n - 1).ledgerIndex()) : page.nextCursor());
    out.bool(page.provedAgainst().isPresent());
    page.provedAgainst().ifPresent(h -> out.bytes(h.encode()));
  }

  /** Drops the card of {@code id} if the ledger contradicts it; a failure is logged, and the next start retries. */
  private void dropContradicted(ParticipantId id) {
    try {
      cards.forgetIf(id, x -> KeyCardStore.contradicted(ledger, x));
    } catch (java.io.UncheckedIOException e) {
      LOG.log(System.Logger.Level.WARNING, "could not drop the key card of " + id + ", which the ledger contradicts (dropped on the next start): " + e.getMessage());
    }
  }

  /** Whether {@code c} holds the keys of its participant's key publication in force, if it has one. */
  private boolean agreesWithLedger(KeyCard c) {
    return !KeyCardStore.contradicted(ledger, c);
  }
}
