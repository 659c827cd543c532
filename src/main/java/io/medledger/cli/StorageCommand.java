package io.medledger.cli;

import io.medledger.access.Participant;
import io.medledger.access.ParticipantId;
import io.medledger.chain.MedicalRecord;
import io.medledger.chain.Page;
import io.medledger.chain.PageRequest;
import io.medledger.chain.QueryHit;
import io.medledger.chain.RecordQuery;
import io.medledger.crypto.Digest;
import io.medledger.internal.Json;
import io.medledger.node.ClientConfig;
import io.medledger.node.NodeException;
import io.medledger.node.RemoteConnection;
import io.medledger.node.ServerRole;
import io.medledger.node.StorageNodeClient;
import io.medledger.node.TlsIdentity;
import io.medledger.storage.ReplicatedBlobStore;
import io.medledger.storage.StorageNode;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;
import java.util.Set;

/**
 * {@code medledger storage rebalance}: after a storage node left the ledger (its institution
 * removed, or the node itself removed as an affiliate), an operator's client restores the
 * replication factor of the payloads the departed node held. It walks the ledger's records through
 * a {@link RemoteConnection} (index pages, at most {@link #MAX_SCANNED_RECORDS} records a run),
 * takes each record not erased that lists a storage node the ledger no longer lists as active (its
 * payload and its de-identified copy), connects a {@link StorageNodeClient} to every storage node
 * the client configuration lists (a departed one only as a last source, and only if it still
 * answers), and runs a bounded {@link ReplicatedBlobStore#rebalance}. It prints one JSON object:
 * what moved, what is still short, lost or deferred, the bytes moved and the cursor to resume from.
 * Keys come from the client configuration's key store and are destroyed when the command ends.
 * Stateless.
 */
final class StorageCommand implements Command {
  /** Most records one run looks at, whether or not they list a departed node. */
  static final int MAX_SCANNED_RECORDS = 100_000;
  private static final int PAGE = 1_000;
  private static final int DEFAULT_MAX_PAYLOADS = 256;
  private static final long DEFAULT_MAX_BYTES = 1L << 30;
  private static final long MAX_MAX_BYTES = 1L << 40;
  private static final Duration READ_TIMEOUT = Duration.ofSeconds(30);
  private static final String USAGE = "usage: medledger storage rebalance --client FILE [--after CURSOR] "
      + "[--max-payloads N] [--max-bytes B] [--replicas R]";

  @Override
  public int run(String[] args, InputStream in, PrintStream out, PrintStream err) throws Exception {
    if (args.length > 0 && args[0].equals("rebalance")) {
      return rebalance(Args.parse(args, 1), out);
    }
    throw new CliException(args.length == 0 ? USAGE : "unknown subcommand '" + args[0] + "'; " + USAGE);
  }

  private static int rebalance(Args a, PrintStream out) throws IOException {
    String clientFile = a.required("client");
    long after = a.optionalLong("after", -1);
    int maxPayloads = a.optionalInt("max-payloads", DEFAULT_MAX_PAYLOADS);
    long maxBytes = a.optionalLong("max-bytes", DEFAULT_MAX_BYTES);
    int replicas = a.optionalInt("replicas", 2);
    a.rejectUnknown();
    if (!a.positional().isEmpty()) {
      throw new CliException("unexpected argument '" + a.positional().get(0) + "'; " + USAGE);
    }
    if (after < -1) {
      throw new CliException("--after must be a ledger index (-1 or more), got " + after);
    }
    if (maxPayloads < 2 || maxPayloads > ReplicatedBlobStore.MAX_REBALANCE_PAYLOADS) {
      throw new CliException("--max-payloads must be 2.." + ReplicatedBlobStore.MAX_REBALANCE_PAYLOADS + ", got "
          + maxPayloads);
    }
    if (maxBytes < 1 || maxBytes > MAX_MAX_BYTES) {
      throw new CliException("--max-bytes must be 1.." + MAX_MAX_BYTES + ", got " + maxBytes);
    }
    if (replicas < 1 || replicas > 32) {
      throw new CliException("--replicas must be 1..32, got " + replicas);
    }
    ClientConfig cc = ClientConfig.read(Path.of(clientFile));
    try (OpenedKeys opened = new OpenedKeys()) {
      TlsIdentity tls = TlsIdentity.of(opened.openClient(cc).ledgerSecretKey());
      try (RemoteConnection c = RemoteConnection.builder(tls).nodes(cc).timeouts(READ_TIMEOUT, READ_TIMEOUT).build()) {
        Walk w = walk(c, after, maxPayloads);
        Result r = w.listed().isEmpty() ? Result.NOTHING : move(c, cc, tls, w, replicas, maxBytes);
        out.println(json(w, r));
        return r.report().lost().isEmpty() && r.report().shortfalls().isEmpty() ? 0 : 1;
      }
    }
  }

  /**
   * What the ledger walk found: the payloads to rebalance, the departed storage nodes the records
   * listed, how many records it looked at, and where to resume (empty once it reached the end).
   */
  record Walk(List<ReplicatedBlobStore.Listed> listed, Set<String> departed, long scanned, OptionalLong next) {}

  /** The rebalance's report, and the configured storage nodes that did not answer. */
  private record Result(ReplicatedBlobStore.RebalanceReport report, List<String> unreachable) {
    static final Result NOTHING = new Result(new ReplicatedBlobStore.RebalanceReport(0, List.of(), List.of(), List.of(),
        List.of(), 0), List.of());
  }

  /**
   * Walks the records after ledger index {@code after}, at most {@link #MAX_SCANNED_RECORDS} of them.
   *
   * @throws CliException if a page holds a record at or before the cursor asked after (a node
   *     answering it again would make the walk repeat itself)
   */
  static Walk walk(io.medledger.client.LedgerConnection c, long after, int maxPayloads) {
    Map<ParticipantId, Boolean> active = new HashMap<>();
    Set<String> departed = new LinkedHashSet<>();
    List<ReplicatedBlobStore.Listed> listed = new ArrayList<>();
    long done = after; // the last record handled
    long scanned = 0;
    PageRequest p = PageRequest.first(PAGE).after(after);
    while (true) {
      Page<MedicalRecord> page = c.records(RecordQuery.all(), p);
      for (QueryHit<MedicalRecord> h : page.items()) {
        if (h.ledgerIndex() <= done) {
          throw new CliException("the ledger answered record " + h.entry().id() + " at index " + h.ledgerIndex()
              + ", not after " + done + "; try again later");
        }
        if (scanned == MAX_SCANNED_RECORDS) {
          return new Walk(listed, departed, scanned, OptionalLong.of(done));
        }
        MedicalRecord m = h.entry();
        List<String> gone = new ArrayList<>();
        for (ParticipantId n : m.storageNodes()) {
          if (!active.computeIfAbsent(n, id -> c.participant(id).filter(Participant::active).isPresent())) {
            gone.add(n.toHex());
          }
        }
        if (!gone.isEmpty() && !c.isErased(m.id())) {
          int need = m.deidentified().isPresent() ? 2 : 1;
          if (listed.size() + need > maxPayloads) {
            return new Walk(listed, departed, scanned, OptionalLong.of(done));
          }
          List<String> on = m.storageNodes().stream().map(ParticipantId::toHex).toList();
          listed.add(new ReplicatedBlobStore.Listed(m.payloadDigest(), m.payloadSize(), on));
          m.deidentified().ifPresent(d -> listed.add(new ReplicatedBlobStore.Listed(d.payloadDigest(), d.payloadSize(), on)));
          departed.addAll(gone);
        }
        scanned++;
        done = h.ledgerIndex();
      }
      if (page.nextCursor().isEmpty()) {
        return new Walk(listed, departed, scanned, OptionalLong.empty());
      }
      p = p.after(page.nextCursor().getAsLong());
    }
  }

  /**
   * Connects to the configured storage nodes, retires the departed ones that answer (a last source)
   * and rebalances the walk's payloads to {@code replicas} copies on the active ones.
   */
  private static Result move(RemoteConnection c, ClientConfig cc, TlsIdentity tls, Walk w, int replicas,
      long maxBytes) throws IOException {
    Digest chainId = c.parameters().chainId();
    List<StorageNodeClient> clients = new ArrayList<>();
    List<StorageNode> nodes = new ArrayList<>();
    List<String> retire = new ArrayList<>();
    List<String> unreachable = new ArrayList<>();
    int active = 0;
    Path spool = null;
    try {
      for (ClientConfig.NodeEndpointConfig e : cc.nodes()) {
        if (e.role() != ServerRole.STORAGE) {
          continue;
        }
        ParticipantId id = ParticipantId.of(e.key());
        boolean isActive = c.participant(id).filter(Participant::active).isPresent();
        StorageNodeClient s;
        try {
          s = StorageNodeClient.connect(e.address(), e.key(), chainId, tls);
        } catch (NodeException x) {
          unreachable.add(id.toHex());
          continue;
        }
        clients.add(s);
        nodes.add(new StorageNode(s.name(), s));
        if (isActive) {
          active++;
        } else {
          retire.add(s.name());
        }
      }
      if (active < replicas) {
        throw new CliException(active + " active storage node(s) of the client configuration answered, fewer than "
            + "--replicas " + replicas + (unreachable.isEmpty() ? "" : "; unreachable: " + unreachable)
            + " (list the storage nodes in client.json with role storage)");
      }
      spool = Files.createTempDirectory("medledger-rebalance");
      ReplicatedBlobStore store = new ReplicatedBlobStore(nodes, replicas, spool);
      retire.forEach(store::retire);
      return new Result(store.rebalance(w.listed(), replicas, maxBytes), unreachable);
    } finally {
      clients.forEach(StorageNodeClient::close);
      if (spool != null) {
        try (var s = Files.list(spool)) {
          for (Path f : s.toList()) {
            Files.deleteIfExists(f);
          }
        }
        Files.deleteIfExists(spool);
      }
    }
  }

  private static String json(Walk w, Result r) {
    ReplicatedBlobStore.RebalanceReport rep = r.report();
    return Json.write(false, g -> {
      g.writeStartObject();
      g.writeNumberField("scanned", w.scanned());
      g.writeNumberField("examined", rep.examined());
      g.writeArrayFieldStart("departed");
      for (String d : w.departed()) {
        g.writeString(d);
      }
      g.writeEndArray();
      g.writeArrayFieldStart("moved");
      for (ReplicatedBlobStore.Moved m : rep.moved()) {
        g.writeStartObject();
        g.writeStringField("id", m.id().toHex());
        g.writeStringField("source", m.source());
        g.writeArrayFieldStart("added");
        for (String n : m.added()) {
          g.writeString(n);
        }
        g.writeEndArray();
        g.writeEndObject();
      }
      g.writeEndArray();
      g.writeArrayFieldStart("short");
      for (ReplicatedBlobStore.Shortfall s : rep.shortfalls()) {
        g.writeStartObject();
        g.writeStringField("id", s.id().toHex());
        g.writeNumberField("holders", s.holders().size());
        g.writeStringField("reason", s.reason());
        g.writeEndObject();
      }
      g.writeEndArray();
      ids(g, "lost", rep.lost());
      ids(g, "deferred", rep.deferred());
      g.writeArrayFieldStart("unreachable");
      for (String u : r.unreachable()) {
        g.writeString(u);
      }
      g.writeEndArray();
      g.writeNumberField("bytes", rep.bytesMoved());
      if (w.next().isPresent()) {
        g.writeNumberField("next_cursor", w.next().getAsLong());
      } else {
        g.writeNullField("next_cursor");
      }
      g.writeBooleanField("complete", rep.complete() && w.next().isEmpty());
      g.writeEndObject();
    });
  }

  private static void ids(com.fasterxml.jackson.core.JsonGenerator g, String field, List<Digest> ids)
      throws IOException {
    g.writeArrayFieldStart(field);
    for (Digest d : ids) {
      g.writeString(d.toHex());
    }
    g.writeEndArray();
  }
}
