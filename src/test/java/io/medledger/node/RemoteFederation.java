package io.medledger.node;

import io.medledger.access.InstitutionClass;
import io.medledger.access.ParticipantId;
import io.medledger.access.ParticipantKind;
import io.medledger.chain.AffiliateRegistration;
import io.medledger.chain.ChainParameters;
import io.medledger.chain.Entry;
import io.medledger.chain.InstitutionRegistration;
import io.medledger.chain.MembershipChange;
import io.medledger.client.AuditorClient;
import io.medledger.client.ClinicianClient;
import io.medledger.client.Identity;
import io.medledger.client.LedgerConnection;
import io.medledger.client.PatientClient;
import io.medledger.client.ResearcherClient;
import io.medledger.client.TestNetwork;
import io.medledger.storage.InMemoryBlobStore;
import io.medledger.storage.ReplicatedBlobStore;
import io.medledger.storage.StorageNode;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.stream.Stream;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;

/**
 * Test fixture: a testnet written by {@link Testnet} (three federation servers, which are the
 * proxies, and one audit server, each of its own institution, plus a clinic and a regulator in
 * genesis), its nodes started in this JVM with TLS on loopback for peers and clients, and clients
 * reaching them only through {@link RemoteConnection}s authenticated with their own keys. New
 * patients and affiliates are onboarded through the testnet's operator key (listed as a client in
 * every node's configuration), which also acts as the external auditor. Payloads go to in-memory
 * blob stores named after the testnet's storage participants (the node storage service is not
 * part of this fixture). Closes every node and connection it started.
 */
public final class RemoteFederation implements TestNetwork {
  /** Names the in-process test federation uses, mapped to this testnet's institutions. */
  private static final List<String> NAMES = List.of("Hospital A1", "Hospital A2", "Hospital A3", "Authority B1");

  private final Testnet.Layout layout;
  private final List<Node> nodes = new ArrayList<>();
  private final List<RemoteConnection> connections = new ArrayList<>();
  private final Map<String, Identity> institutions = new HashMap<>();
  private final Identity regulator;
  private final Identity operator;
  private final RemoteConnection operatorConnection;
  private final ReplicatedBlobStore payloads;
  private final SecureRandom random = new SecureRandom();
  private final ChainParameters params;

  /**
   * One testnet for all tests of a class: {@code @RegisterExtension static final
   * RemoteFederation.Shared NET = new RemoteFederation.Shared();} starts it before the first test
   * (in a temporary directory) and closes and deletes it after the last.
   */
  public static final class Shared implements BeforeAllCallback, AfterAllCallback {
    private Path dir;
    private RemoteFederation net;

    /** The running testnet. */
    public RemoteFederation get() {
      return net;
    }

    @Override
    public void beforeAll(ExtensionContext context) throws Exception {
      dir = Files.createTempDirectory("medledger-remote");
      net = start(dir.resolve("net"));
    }

    @Override
    public void afterAll(ExtensionContext context) throws Exception {
      if (net != null) {
        net.close();
      }
      try (Stream<Path> files = Files.walk(dir)) {
        for (Path f : (Iterable<Path>) files.sorted(Comparator.reverseOrder())::iterator) {
          Files.deleteIfExists(f);
        }
      }
    }
  }

  /** Writes a testnet under {@code dir} and starts its federation and audit nodes. */
  public static RemoteFederation start(Path dir) {
    return new RemoteFederation(dir);
  }

  private RemoteFederation(Path dir) {
    String chain = "remote-test";
    params = ChainParameters.defaults(chain);
    long now = System.currentTimeMillis();
    Identity clinic = Identity.generate(ParticipantKind.INSTITUTION, "Clinic C", random);
    regulator = Identity.generate(ParticipantKind.REGULATOR, "Health Regulator", random);
    List<Entry> extra = List.of(
        Entry.sign(new InstitutionRegistration(clinic.publicKey(), "Clinic C", InstitutionClass.C, now, List.of()),
            params.chainId(), clinic.secretSigningKey()),
        Entry.sign(new MembershipChange(MembershipChange.Operation.ADD, ParticipantKind.REGULATOR, regulator.publicKey(),
            Optional.empty(), now, List.of()), params.chainId(), regulator.secretSigningKey()));
    layout = Testnet.create(dir, new Testnet.Options(chain, 3, 1, 3, 0,
        new NodeConfig.ConsensusSettings("rotating-audit", Duration.ofMillis(500), Duration.ofMillis(200), 500, 4 << 20,
            Duration.ofMillis(5), 100_000)), random, extra);
    char[] pass = NodeKeys.passphrase(new NodeConfig.KeySource.File(layout.passphrase()));
    for (int i = 0; i < NAMES.size(); i++) {
      NodeKeys k = NodeKeys.open(dir.resolve("institutions").resolve("institution-" + (i + 1) + ".json"), pass);
      institutions.put(NAMES.get(i), Identity.of(ParticipantKind.INSTITUTION, NAMES.get(i), k.ledgerSecretKey(),
          k.encryptionSecretKey(), k.fragmentSigningSecretKey()));
    }
    institutions.put("Clinic C", clinic);
    NodeKeys op = NodeKeys.open(dir.resolve("client-keys.json"), pass);
    operator = Identity.of(ParticipantKind.AUDIT_SERVER, "Auditor", op.ledgerSecretKey(), op.encryptionSecretKey(),
        op.fragmentSigningSecretKey());
    List<StorageNode> stores = new ArrayList<>();
    for (Path nd : layout.nodeDirectories()) {
      NodeConfig c = NodeConfig.read(nd.resolve("node.json"));
      if (c.role() == ServerRole.STORAGE) {
        stores.add(new StorageNode(ParticipantId.of(c.ledgerKey()).toHex(), new InMemoryBlobStore()));
      } else {
        nodes.add(Node.start(c, NodeMetrics.NONE));
      }
    }
    payloads = new ReplicatedBlobStore(stores, 2);
    operatorConnection = connect(RemoteConnection.builder(operator));
    institutions.values().forEach(i -> operatorConnection.publish(i.card()));
    operatorConnection.publish(regulator.card());
  }

  /** The nodes, federation servers first. */
  public List<Node> nodes() {
    return nodes;
  }

  /** The testnet's files. */
  public Testnet.Layout layout() {
    return layout;
  }

  /** The chain parameters. */
  public ChainParameters parameters() {
    return params;
  }

  /** The encrypted payloads. */
  public ReplicatedBlobStore payloads() {
    return payloads;
  }

  /** A builder of a connection to every client endpoint of the testnet, payloads in {@link #payloads()}. */
  public RemoteConnection.Builder builder(Identity id) {
    return endpoints(RemoteConnection.builder(id));
  }

  private RemoteConnection.Builder endpoints(RemoteConnection.Builder b) {
    ClientConfig cc = ClientConfig.read(layout.clientConfig());
    return b.nodes(cc).payloads(payloads).timeouts(Duration.ofSeconds(20), Duration.ofSeconds(60));
  }

  /** Builds and keeps (to close) a connection. */
  public RemoteConnection connect(RemoteConnection.Builder b) {
    RemoteConnection c = endpoints(b).build();
    synchronized (connections) {
      connections.add(c);
    }
    return c;
  }

  /** A connection authenticated as {@code id}. */
  public RemoteConnection connection(Identity id) {
    return connect(RemoteConnection.builder(id));
  }

  /** The operator's connection (onboarding and auditing). */
  public RemoteConnection operatorConnection() {
    return operatorConnection;
  }

  /** The identity of institution {@code name}. */
  public Identity institution(String name) {
    Identity i = institutions.get(name);
    if (i == null) {
      throw new IllegalArgumentException("unknown institution " + name);
    }
    return i;
  }

  /**
   * Registers {@code patient} through the operator, countersigned by the first institution as
   * registrar, and opens its client over its own connection.
   */
  public PatientClient registerPatient(Identity patient) {
    PatientClient.register(operatorConnection, patient, institution(NAMES.get(0)));
    return PatientClient.open(connection(patient), patient);
  }

  @Override
  public PatientClient registerPatient(String name) {
    return registerPatient(Identity.generate(ParticipantKind.PATIENT, name, random));
  }

  /** Registers an affiliate (signed by it and its institution) and publishes its key card. */
  public void registerAffiliate(Identity affiliate, String institution) {
    Identity inst = institution(institution);
    operatorConnection.publish(affiliate.card());
    CompletableFuture<?> f = operatorConnection.submit(Entry.sign(new AffiliateRegistration(affiliate.publicKey(),
        affiliate.kind(), inst.id(), System.currentTimeMillis(), List.of()), params.chainId(), inst.secretSigningKey(),
        affiliate.secretSigningKey()));
    f.join();
  }

  @Override
  public ClinicianClient registerClinician(String name, String institution) {
    Identity c = Identity.generate(ParticipantKind.CLINICIAN, name, random);
    registerAffiliate(c, institution);
    return ClinicianClient.open(connection(c), c);
  }

  @Override
  public ResearcherClient registerResearcher(String name, String institution) {
    Identity r = Identity.generate(ParticipantKind.RESEARCHER, name, random);
    registerAffiliate(r, institution);
    return ResearcherClient.open(connection(r), r);
  }

  @Override
  public ParticipantId institutionId(String name) {
    return institution(name).id();
  }

  @Override
  public AuditorClient auditor(String name) {
    return AuditorClient.open(operatorConnection, operator);
  }

  @Override
  public AuditorClient regulator(String name) {
    if (!name.equals(regulator.name())) {
      throw new IllegalArgumentException("unknown regulator " + name);
    }
    return AuditorClient.open(connection(regulator), regulator);
  }

  @Override
  public LedgerConnection observer() {
    return operatorConnection;
  }

  /** Stops node {@code i} (its data directory stays). */
  public void stop(int i) {
    nodes.get(i).close();
  }

  /** Stops every node and starts them again from their data directories. */
  public void restart() {
    nodes.forEach(Node::close);
    List<Node> again = new ArrayList<>();
    for (Path nd : layout.nodeDirectories()) {
      NodeConfig c = NodeConfig.read(nd.resolve("node.json"));
      if (c.role() != ServerRole.STORAGE) {
        again.add(Node.start(c, NodeMetrics.NONE));
      }
    }
    nodes.clear();
    nodes.addAll(again);
  }

  @Override
  public void close() {
    synchronized (connections) {
      connections.forEach(RemoteConnection::close);
    }
    nodes.forEach(Node::close);
  }
}
