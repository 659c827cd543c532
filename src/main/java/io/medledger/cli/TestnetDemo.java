package io.medledger.cli;

import io.medledger.access.ParticipantId;
import io.medledger.access.ParticipantKind;
import io.medledger.anchor.AnchorReceipt;
import io.medledger.anchor.ReceiptVerdict;
import io.medledger.anchor.bitcoin.Address;
import io.medledger.anchor.bitcoin.BitcoinPrivateKey;
import io.medledger.anchor.bitcoin.BitcoinRpcClient;
import io.medledger.anchor.bitcoin.BitcoinRpcException;
import io.medledger.anchor.bitcoin.Network;
import io.medledger.chain.AccessGrant;
import io.medledger.chain.Anchor;
import io.medledger.chain.AffiliateRegistration;
import io.medledger.chain.CertifiedBlock;
import io.medledger.chain.Entry;
import io.medledger.chain.MedicalRecord;
import io.medledger.client.AccessRefusedException;
import io.medledger.client.AuditorClient;
import io.medledger.client.ChainReport;
import io.medledger.client.ClinicianClient;
import io.medledger.client.ErasureReport;
import io.medledger.client.GrantRequest;
import io.medledger.client.Identity;
import io.medledger.client.LedgerConnection;
import io.medledger.client.PatientClient;
import io.medledger.client.RecordErasedException;
import io.medledger.client.ResearcherClient;
import io.medledger.crypto.Digest;
import io.medledger.node.AnchoringConfig;
import io.medledger.node.CheckpointProof;
import io.medledger.node.ClientConfig;
import io.medledger.node.NodeClient;
import io.medledger.node.NodeConfig;
import io.medledger.node.NodeException;
import io.medledger.node.NodeKeys;
import io.medledger.node.RemoteConnection;
import io.medledger.node.ServerRole;
import io.medledger.node.StorageNodeClient;
import io.medledger.node.TlsIdentity;
import io.medledger.storage.ReplicatedBlobStore;
import io.medledger.storage.StorageNode;
import io.medledger.tlog.CheckpointVerifier;
import java.io.PrintStream;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Proxy;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.stream.Stream;

/**
 * {@code medledger demo --testnet D}: the demo's story against the running node processes of a
 * testnet written by {@code medledger testnet --dir D}. Connects with the operator key of
 * {@code D/client.json}, onboards a patient, clinicians and a researcher, and keeps the payloads on
 * the testnet's storage nodes. Not thread-safe; one run per instance.
 */
final class TestnetDemo {
  private static final Duration READ_TIMEOUT = Duration.ofSeconds(20);
  private static final Duration SUBMIT_TIMEOUT = Duration.ofSeconds(60);
  /** How long the demo waits for a complete receipt of Anna's record. */
  private static final Duration ANCHOR_TIMEOUT = Duration.ofSeconds(90);
  /** How long the demo waits for a storage node that is still starting. */
  private static final Duration NODE_START_TIMEOUT = Duration.ofSeconds(60);

  private final Path dir;
  private final PrintStream out;
  private final SecureRandom random = new SecureRandom();
  private final List<AutoCloseable> open = new ArrayList<>();
  /** The key stores opened and the identities made in this run, destroyed when it ends. */
  private final OpenedKeys keys = new OpenedKeys();
  /** Node name ("node-N, Hospital N") by ledger id, for the narrative. */
  private final Map<ParticipantId, String> names = new LinkedHashMap<>();
  private int step;
  private io.medledger.crypto.Ed25519PrivateKey operatorKey;

  TestnetDemo(Path dir, PrintStream out) {
    this.dir = dir;
    this.out = out;
  }

  private void say(String title) {
    out.printf(Locale.ROOT, "%n%d. %s%n", ++step, title);
  }

  private void line(String fmt, Object... args) {
    out.printf(Locale.ROOT, "   " + fmt + "%n", args);
  }

  private static String shortId(Object id) {
    return id.toString().substring(0, 12) + "…";
  }

  int run() throws Exception {
    Path clientFile = dir.resolve("client.json");
    if (!Files.isRegularFile(clientFile)) {
      throw new CliException("no testnet in " + dir + ": " + clientFile + " is missing (make one with medledger testnet --dir "
          + dir + ")");
    }
    ClientConfig cc = ClientConfig.read(clientFile);
    char[] pass = NodeKeys.passphrase(cc.keySource());
    try {
      NodeKeys desk = keys.open(cc.keyStore(), pass);
      Identity operator = Identity.of(ParticipantKind.AUDIT_SERVER, "Operator", desk.ledgerSecretKey(),
          desk.encryptionSecretKey(), desk.fragmentSigningSecretKey());
      List<NodeConfig> configs = nodeConfigs();
      operatorKey = operator.secretSigningKey();
      story(cc, pass, operator, configs);
    } finally {
      java.util.Arrays.fill(pass, '\0');
      for (int i = open.size() - 1; i >= 0; i--) {
        try {
          open.get(i).close();
        } catch (Exception e) {
          // closing at the end of the run: nothing to report
        }
      }
      keys.close(); // after the connections that sign with them
    }
    return 0;
  }

  private List<NodeConfig> nodeConfigs() throws java.io.IOException {
    List<Path> dirs;
    try (Stream<Path> s = Files.list(dir)) {
      dirs = s.filter(p -> p.getFileName().toString().matches("node-\\d+") && Files.isRegularFile(p.resolve("node.json")))
          .sorted((a, b) -> Integer.compare(number(a), number(b))).toList();
    }
    List<NodeConfig> configs = new ArrayList<>();
    for (Path d : dirs) {
      NodeConfig c = NodeConfig.read(d.resolve("node.json"));
      configs.add(c);
      names.put(ParticipantId.of(c.ledgerKey()), d.getFileName() + " (" + c.role().toString().toLowerCase(Locale.ROOT)
          + ")");
    }
    return configs;
  }

  private static int number(Path nodeDir) {
    return Integer.parseInt(nodeDir.getFileName().toString().substring("node-".length()));
  }

  private String name(ParticipantId id) {
    return names.getOrDefault(id, shortId(id));
  }

  private <T extends AutoCloseable> T keep(T c) {
    open.add(c);
    return c;
  }

  private void story(ClientConfig cc, char[] pass, Identity operator, List<NodeConfig> configs) throws Exception {
    List<NodeConfig> storage = configs.stream().filter(c -> c.role() == ServerRole.STORAGE).toList();
    long federation = configs.stream().filter(c -> c.role() == ServerRole.FEDERATION).count();
    long audit = configs.stream().filter(c -> c.role() == ServerRole.AUDIT).count();
    say("A testnet of " + configs.size() + " node processes (" + dir + ")");
    line("%d federation server(s) (bookkeepers and re-encryption proxies), %d audit server(s), %d storage node(s)",
        federation, audit, storage.size());
    if (storage.isEmpty()) {
      throw new CliException("the testnet in " + dir + " has no storage node (make it with --storage 2 or more)");
    }
    List<StorageNode> stores = new ArrayList<>();
    TlsIdentity deskTls = TlsIdentity.of(operator.secretSigningKey());
    for (NodeConfig c : storage) {
      StorageNodeClient s = keep(connectStorage(c, deskTls));
      stores.add(new StorageNode(s.name(), s));
    }
    ReplicatedBlobStore payloads = new ReplicatedBlobStore(stores, Math.min(2, stores.size()));
    RemoteConnection desk = connect(operator, cc, payloads);
    line("connected over mutually authenticated TLS with the operator key of client.json; ledger height %d",
        desk.height());

    say("The operator onboards a patient, two clinicians and a researcher");
    Path instDir = dir.resolve("institutions");
    NodeKeys hospital = keys.open(instDir.resolve("institution-1.json"), pass);
    Path authorityFile = instDir.resolve("institution-" + (federation + 1) + ".json");
    NodeKeys authority = audit > 0 && Files.isRegularFile(authorityFile) ? keys.open(authorityFile, pass) : hospital;
    Identity annaId = keys.keep(Identity.generate(ParticipantKind.PATIENT, "Anna Müller", random));
    Identity liId = keys.keep(Identity.generate(ParticipantKind.PATIENT, "Li Wei", random));
    // the hospital countersigns each registration as its registrar (the NodeKeys above wipe its keys)
    Identity registrar = Identity.of(ParticipantKind.INSTITUTION, "Hospital 1", hospital.ledgerSecretKey(),
        hospital.encryptionSecretKey(), hospital.fragmentSigningSecretKey());
    PatientClient.register(desk, annaId, registrar);
    PatientClient.register(desk, liId, registrar);
    Identity okaforId = affiliate(desk, ParticipantKind.CLINICIAN, "Dr. Okafor", hospital);
    Identity brandtId = affiliate(desk, ParticipantKind.CLINICIAN, "Dr. Brandt", hospital);
    Identity haddadId = affiliate(desk, ParticipantKind.RESEARCHER, "Dr. Haddad", authority);
    Set<ParticipantId> answered = ConcurrentHashMap.newKeySet();
    PatientClient anna = PatientClient.open(connect(annaId, cc, payloads), annaId);
    PatientClient li = PatientClient.open(connect(liId, cc, payloads), liId);
    ClinicianClient okafor = ClinicianClient.open(recording(connect(okaforId, cc, payloads), answered), okaforId);
    ClinicianClient brandt = ClinicianClient.open(connect(brandtId, cc, payloads), brandtId);
    ResearcherClient haddad = ResearcherClient.open(recording(connect(haddadId, cc, payloads), answered), haddadId);
    line("patients Anna Müller %s and Li Wei %s; Dr. Okafor and Dr. Brandt of Hospital 1; researcher Dr. Haddad",
        shortId(anna.id()), shortId(li.id()));
    line("each participant connects with its own key; no client holds another's signing key");

    say("Patients upload their FHIR R4 records to the storage nodes");
    MedicalRecord annaRec = anna.upload(DemoCommand.resource("anna-mueller")).record();
    MedicalRecord liRec = li.upload(DemoCommand.resource("li-wei")).record();
    for (Object[] p : new Object[][] {{"Anna Müller", annaRec}, {"Li Wei", liRec}}) {
      MedicalRecord r = (MedicalRecord) p[1];
      line("upload: %-12s %s, %d encrypted bytes on %s", p[0], r.resourceType(), r.payloadSize(),
          String.join(", ", r.storageNodes().stream().map(this::name).toList()));
    }

    say("Anna grants Dr. Okafor treatment access");
    AccessGrant grant = anna.grant(GrantRequest.treatment(okafor.id()));
    line("grant %s: re-encryption key split %d-of-%d among the proxies %s", shortId(grant.id()), grant.threshold(),
        grant.proxies().size(), String.join(", ", grant.proxies().stream().map(this::name).toList()));
    answered.clear();
    byte[] read = okafor.read(annaRec.id());
    line("threshold read: Dr. Okafor reads Anna's bundle, %d bytes, %s; proxies that answered: %s (threshold %d)",
        read.length, new String(read, StandardCharsets.UTF_8).contains("Müller") ? "decrypted intact" : "WRONG",
        answeredBy(grant, answered), grant.threshold());
    List<ParticipantId> silent = grant.proxies().stream().filter(p -> !answered.contains(p)).toList();
    if (!silent.isEmpty()) {
      line("not used: %s", String.join(", ", silent.stream().map(this::name).toList()));
    }

    say("An unauthorized read is refused");
    try {
      brandt.read(annaRec.id());
      line("UNEXPECTED: Dr. Brandt read Anna's record");
    } catch (AccessRefusedException e) {
      line("refused read: Dr. Brandt (no grant) reading Anna's record -> refused, missing right %s", e.missingRight());
    }

    say("A researcher sees only consented, de-identified data");
    li.grant(GrantRequest.research(haddad.id()));
    line("Li Wei consented to research, Anna did not: the researcher's query returns %d record(s)",
        haddad.consentedRecords().size());
    answered.clear();
    String deid = new String(haddad.read(liRec.id()), StandardCharsets.UTF_8);
    line("researcher: Li's bundle de-identified: name %s, identifiers %s, diagnoses %s (proxies: %s)",
        deid.contains("\"Wei\"") || deid.contains("\"Li\"") ? "PRESENT" : "removed",
        deid.contains("\"identifier\"") ? "PRESENT" : "removed", deid.contains("Condition") ? "kept" : "missing",
        String.join(", ", answered.stream().map(this::name).sorted().toList()));
    try {
      haddad.read(annaRec.id());
      line("UNEXPECTED: the researcher read Anna's record");
    } catch (AccessRefusedException e) {
      line("reading Anna's record: refused (%s)", e.missingRight());
    }

    say("Anna revokes Dr. Okafor's access");
    anna.revoke(grant.id());
    try {
      okafor.read(annaRec.id());
      line("UNEXPECTED: read after revocation");
    } catch (AccessRefusedException e) {
      line("revocation: Dr. Okafor's next read is refused (%s)", e.missingRight());
    }
    line("Anna's access trail has %d events", anna.accessEvents().size());

    say("Bitcoin anchoring and receipts");
    anchor(desk, operator, configs, annaRec);

    say("A tampering attempt is detected");
    AuditorClient auditor = AuditorClient.open(desk, operator);
    ChainReport report = auditor.verifyChain();
    line("tampering check: the chain from the nodes verifies: %s, %d blocks; nodes offline or on another tip: %d",
        report.valid() ? "valid" : "INVALID " + report.problem().orElse(""), report.blocks(),
        report.disagreeingNodes().size());
    List<CertifiedBlock> copy = new ArrayList<>();
    for (long h = 0; h <= desk.height(); h++) {
      copy.add(desk.block(h));
    }
    long target = -1;
    for (int h = 0; h < copy.size() && target < 0; h++) {
      if (copy.get(h).toJson().contains(annaRec.payloadDigest().toHex())) {
        target = h;
      }
    }
    if (target < 0) {
      throw new CliException("Anna's record is not in the blocks the nodes returned");
    }
    String original = copy.get((int) target).toJson();
    copy.set((int) target, CertifiedBlock.fromJson(original.replace(annaRec.payloadDigest().toHex(), "00".repeat(32))));
    ChainReport tampered = auditor.verify(copy);
    line("tampering check: one digest in block %d changed: %s", target, tampered.valid() ? "NOT detected"
        : "rejected (" + tampered.problem().orElse("").replaceAll("([0-9a-f]{12})[0-9a-f]{52}", "$1…") + ")");

    say("Li Wei has her record erased");
    ErasureReport erased = li.erase(liRec.id());
    line("erasure: record_erasure %s; copies deleted from %d storage node(s): %s%s", shortId(erased.erasureEntry()),
        erased.deletedFrom().size(), String.join(", ", erased.deletedFrom().stream()
            .map(n -> name(ParticipantId.fromHex(n))).toList()),
        erased.unreachable().isEmpty() ? "" : "; unreachable: " + String.join(", ", erased.unreachable()));
    try {
      li.read(liRec.id());
      line("UNEXPECTED: read after erasure");
    } catch (RecordErasedException e) {
      line("reading it now: refused, the payload is gone; the ledger keeps only digest, pseudonym and the erasure");
    }
    line("ledger height %d", desk.height());
  }

  private void anchor(RemoteConnection desk, Identity operatorIdentity, List<NodeConfig> configs, MedicalRecord rec)
      throws InterruptedException {
    List<String> anchoring = new ArrayList<>();
    AnchoringConfig bitcoin = null;
    for (NodeConfig c : configs) {
      if (c.anchoring().isPresent()) {
        anchoring.add(name(ParticipantId.of(c.ledgerKey())));
        if (bitcoin == null || c.anchoring().get().walletKeyFile().isPresent() && bitcoin.walletKeyFile().isEmpty()) {
          bitcoin = c.anchoring().get();
        }
      }
    }
    if (bitcoin == null) {
      line("anchor: no node of this testnet has an 'anchoring' section, so nothing is anchored and no receipt exists");
      line("to enable it, add the 'anchoring' section of docs/deployment.md (a Bitcoin Core JSON-RPC endpoint) to the");
      line("node.json of the federation servers and restart them; `medledger demo` (in-process) shows it on regtest");
      return;
    }
    line("anchor: the anchoring service runs on %s, against the Bitcoin Core JSON-RPC endpoint %s",
        String.join(", ", anchoring), bitcoin.rpcUrl());
    BitcoinRpcClient rpc = bitcoin.client();
    BitcoinRpcClient.BlockchainInfo info;
    try {
      info = rpc.getBlockchainInfo();
    } catch (BitcoinRpcException e) {
      line("anchor: the Bitcoin node does not answer (%s)", e.getMessage());
      line("start the offline stand-in with `medledger regtest run --dir %s` and run the demo again",
          dir.resolve("regtest"));
      return;
    }
    boolean regtest = info.chain().equals("regtest");
    AuditorClient auditor = AuditorClient.open(desk, operatorIdentity);
    // the demo plays the regtest miner: it mines a block whenever the anchoring service has a
    // transaction in the mempool, until a node serves Anna's record a complete receipt
    String miner = Address.fromScript(BitcoinPrivateKey.generate(Network.REGTEST, random).publicKey().p2wpkhScript(),
        Network.REGTEST).toString();
    Set<Digest> broadcast = new java.util.LinkedHashSet<>();
    int mined = 0;
    long deadline = System.nanoTime() + ANCHOR_TIMEOUT.toNanos();
    Optional<AnchorReceipt> receipt = Optional.empty();
    while (System.nanoTime() - deadline < 0) {
      receipt = receiptOf(auditor, rec);
      if (receipt.isPresent()) {
        break;
      }
      try {
        if (regtest) {
          List<Digest> pool = rpc.getRawMempool();
          if (!pool.isEmpty()) {
            broadcast.addAll(pool);
            rpc.generateToAddress(1, miner);
            mined++;
          }
        }
      } catch (BitcoinRpcException e) {
        line("anchor: the Bitcoin node failed (%s); retrying", e.getMessage());
      }
      Thread.sleep(300);
    }
    line("anchor: the anchoring service broadcast %d transaction(s); the demo mined %d regtest block(s) on %s",
        broadcast.size(), mined, regtest ? "the stand-in" : "nothing (not a regtest node)");
    if (receipt.isEmpty()) {
      line("receipt: none for Anna's record within %d s: see the nodes' logs and docs/deployment.md",
          ANCHOR_TIMEOUT.toSeconds());
      return;
    }
    AnchorReceipt r = receipt.get();
    Anchor recorded = recordedAnchor(desk, r);
    line("commitment to ledger height %d (%d entries) in OP_RETURN of tx %s; recorded on the ledger by %s",
        r.commitment().height(), r.commitment().logSize(), shortId(recorded.txid().reversed()),
        name(recorded.submitter()));
    ReceiptVerdict verdict = auditor.verifyReceipt(r, rpc);
    line("receipt for Anna's record: %s", verdict instanceof ReceiptVerdict.Anchored an
        ? "verified, anchored in regtest block " + an.height() + " (Merkle inclusion, commitment, block header and "
            + "SPV proof against the stand-in's chain)" : "NOT verified: " + verdict);
    line("checkpoint: %s", checkpoint(desk, configs, r));
  }

  /** Anna's record's complete receipt, if a node serves one. */
  private static Optional<AnchorReceipt> receiptOf(AuditorClient auditor, MedicalRecord rec) {
    return auditor.query().allRecords(io.medledger.chain.RecordQuery.all().patient(rec.patient())).stream()
        .filter(v -> v.record().id().equals(rec.id())).findFirst().flatMap(v -> v.anchorReceipt())
        .filter(AnchorReceipt::isComplete);
  }

  /** The anchor entry on the ledger whose commitment the receipt carries. */
  private static Anchor recordedAnchor(RemoteConnection desk, AnchorReceipt r) {
    for (long h = desk.height(); h > r.commitment().height(); h--) {
      for (Entry e : desk.block(h).block().entries()) {
        if (e instanceof Anchor a && a.commitment().equals(r.commitment().digest())) {
          return a;
        }
      }
    }
    throw new CliException("no anchor entry on the ledger carries the receipt's commitment");
  }

  /** Checks the receipt's cosigned checkpoint against the federation servers' note keys, from the first node that answers. */
  private String checkpoint(RemoteConnection desk, List<NodeConfig> configs, AnchorReceipt r) {
    if (r.checkpoint().isEmpty()) {
      return "the receipt carries no checkpoint yet";
    }
    List<io.medledger.crypto.Ed25519PublicKey> servers = configs.stream().filter(c -> c.role() == ServerRole.FEDERATION)
        .map(NodeConfig::ledgerKey).filter(k -> desk.participant(ParticipantId.of(k)).map(p -> p.active()).orElse(false))
        .toList();
    TlsIdentity tls = TlsIdentity.of(operatorKey);
    for (NodeConfig c : configs) {
      if (c.role() != ServerRole.FEDERATION) {
        continue;
      }
      try (NodeClient n = NodeClient.connect(c.clientListen(), c.ledgerKey(), tls)) {
        CheckpointProof p = n.checkpoint(Optional.empty()).get(10, java.util.concurrent.TimeUnit.SECONDS);
        CheckpointVerifier policy = CheckpointVerifier.forFederation(desk.parameters().chainId(), servers, p.bindings(), 1);
        ReceiptVerdict v = r.verifyCheckpoint(policy, System.currentTimeMillis() / 1000);
        return v instanceof ReceiptVerdict.Cosigned cs ? "the receipt's checkpoint of the ledger-wide log (size "
            + cs.treeSize() + ") verifies under the federation servers' note keys, " + cs.cosignatures()
            + " witness cosignature(s)" : "NOT verified: " + v;
      } catch (RuntimeException | java.util.concurrent.ExecutionException | java.util.concurrent.TimeoutException e) {
        // this server is down or does not answer: ask the next
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        break;
      }
    }
    return "no federation server answered with its note keys";
  }

  private String answeredBy(AccessGrant grant, Set<ParticipantId> answered) {
    return String.join(", ", grant.proxies().stream().filter(answered::contains).map(this::name).toList());
  }

  private Identity affiliate(RemoteConnection desk, ParticipantKind kind, String name, NodeKeys institution) {
    Identity a = keys.keep(Identity.generate(kind, name, random));
    desk.publish(a.card());
    desk.submit(Entry.sign(new AffiliateRegistration(a.publicKey(), kind, ParticipantId.of(institution.ledgerKey()),
        System.currentTimeMillis(), List.of()), desk.parameters().chainId(), institution.ledgerSecretKey(),
        a.secretSigningKey())).join();
    return a;
  }

  /**
   * A client of storage node {@code c}, waiting up to {@link #NODE_START_TIMEOUT} for a node that
   * is still starting (its port refuses connections until its key store is open).
   */
  private StorageNodeClient connectStorage(NodeConfig c, TlsIdentity tls) throws InterruptedException {
    long deadline = System.nanoTime() + NODE_START_TIMEOUT.toNanos();
    boolean said = false;
    while (true) {
      try {
        return StorageNodeClient.connect(c.clientListen(), c.ledgerKey(), io.medledger.node.Node.parameters(c).chainId(),
            tls);
      } catch (NodeException e) {
        if (e.reason() != NodeException.Reason.UNREACHABLE || System.nanoTime() - deadline >= 0) {
          throw e;
        }
        if (!said) {
          line("waiting for the storage node at %s to start", c.clientListen());
          said = true;
        }
        Thread.sleep(250);
      }
    }
  }

  private RemoteConnection connect(Identity id, ClientConfig cc, ReplicatedBlobStore payloads) {
    return keep(RemoteConnection.builder(id).nodes(cc).payloads(payloads).timeouts(READ_TIMEOUT, SUBMIT_TIMEOUT).build());
  }

  /** {@code c}, noting in {@code answered} each proxy whose re-encryption answer arrived. */
  private static LedgerConnection recording(LedgerConnection c, Set<ParticipantId> answered) {
    return (LedgerConnection) Proxy.newProxyInstance(LedgerConnection.class.getClassLoader(),
        new Class<?>[] {LedgerConnection.class}, (self, method, args) -> {
          Object result;
          try {
            result = method.invoke(c, args);
          } catch (InvocationTargetException e) {
            throw e.getCause();
          }
          if (method.getName().equals("reencrypt") && result instanceof CompletableFuture<?> f) {
            ParticipantId proxy = (ParticipantId) args[0];
            return f.thenApply(r -> {
              answered.add(proxy);
              return r;
            });
          }
          return result;
        });
  }
}
