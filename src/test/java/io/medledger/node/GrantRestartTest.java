package io.medledger.node;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.medledger.access.ParticipantId;
import io.medledger.access.ParticipantKind;
import io.medledger.access.Purpose;
import io.medledger.anchor.AnchorCommitment;
import io.medledger.anchor.AnchorReceipt;
import io.medledger.anchor.AnchorRecord;
import io.medledger.anchor.AnchorStatus;
import io.medledger.anchor.Anchorer;
import io.medledger.anchor.LedgerAnchors;
import io.medledger.chain.AccessEvent;
import io.medledger.chain.AccessGrant;
import io.medledger.chain.AccessRevocation;
import io.medledger.chain.AccessScope;
import io.medledger.chain.AffiliateRegistration;
import io.medledger.chain.ChainParameters;
import io.medledger.chain.Entry;
import io.medledger.chain.MedicalRecord;
import io.medledger.chain.PatientRegistration;
import io.medledger.codec.ByteString;
import io.medledger.crypto.Digest;
import io.medledger.crypto.Sha256;
import io.medledger.pre.EntropySource;
import io.medledger.pre.EnvelopeHeader;
import io.medledger.pre.GrantKeyMaterial;
import io.medledger.pre.ProxyKey;
import io.medledger.pre.ProxyResponse;
import io.medledger.pre.RecordEnvelope;
import io.medledger.pre.Signer;
import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Restart of file-backed nodes keeps the sharing model working: participants' keys come from
 * ledger entries, proxies retake their key fragments from the ledger, anchors and pending receipts
 * survive, grants keep working and new entries are accepted.
 */
class GrantRestartTest {
  @TempDir
  Path dir;

  private final List<Node> nodes = new ArrayList<>();
  private LocalNetwork network = new LocalNetwork();
  private static final SecureRandom RANDOM = new SecureRandom();

  @AfterEach
  void closeAll() {
    nodes.forEach(Node::close);
  }

  private void startAll(Testnet.Layout t) {
    for (Path p : t.nodeDirectories()) {
      NodeConfig c = NodeConfig.read(p.resolve("node.json"));
      NodeKeys k = NodeKeys.open(c.dataDirectory().resolve(NodeKeys.FILE_NAME), NodeKeys.passphrase(c.keySource()));
      nodes.add(Node.start(c, k, network.attach(k.ledgerKey()), true, NodeMetrics.NONE));
    }
  }

  private void stopAll() {
    nodes.forEach(Node::close);
    nodes.clear();
    network = new LocalNetwork();
  }

  private Finality submit(Entry e) throws Exception {
    return nodes.get(0).submit(e).get(30, TimeUnit.SECONDS);
  }

  private static <E extends Entry> E sign(E e, Digest chain, NodeKeys... by) {
    return Entry.sign(e, chain, java.util.Arrays.stream(by).map(NodeKeys::ledgerSecretKey)
        .toArray(io.medledger.crypto.Ed25519PrivateKey[]::new));
  }

  @Test
  void grantsKeepWorkingAcrossARestart() throws Exception {
    Testnet.Layout t = Testnet.create(dir.resolve("net"), NodeRuntimeTest.options(2, 2, 0), RANDOM);
    startAll(t);
    ChainParameters params = nodes.get(0).ledger().parameters();
    Digest chain = params.chainId();
    long now = System.currentTimeMillis();
    char[] pass = NodeKeys.passphrase(new NodeConfig.KeySource.File(t.passphrase()));
    NodeKeys institution = NodeKeys.open(t.directory().resolve("institutions").resolve("institution-1.json"), pass);
    NodeKeys patient = NodeKeys.generate(RANDOM);
    NodeKeys clinician = NodeKeys.generate(RANDOM);
    ParticipantId pid = ParticipantId.of(patient.ledgerKey());
    ParticipantId cid = ParticipantId.of(clinician.ledgerKey());
    submit(sign(new PatientRegistration(patient.ledgerKey(), now, List.of()), chain, patient, institution));
    submit(sign(new AffiliateRegistration(clinician.ledgerKey(), ParticipantKind.CLINICIAN,
        ParticipantId.of(institution.ledgerKey()), now, List.of()), chain, institution, clinician));
    // keys are published on the ledger, once
    submit(Testnet.publication(patient, params));
    submit(Testnet.publication(clinician, params));
    ExecutionException twice = assertThrows(ExecutionException.class,
        () -> nodes.get(0).submit(Testnet.publication(NodeKeys.of(patient.ledgerSecretKey(),
            NodeKeys.generate(RANDOM).encryptionSecretKey(), patient.fragmentSigningSecretKey()), params))
            .get(10, TimeUnit.SECONDS));
    assertTrue(twice.getCause().getMessage().contains("already published"), twice.getCause().getMessage());

    byte[] payload = "{\"resourceType\":\"Observation\",\"id\":\"o1\"}".getBytes(StandardCharsets.UTF_8);
    byte[] envelope = RecordEnvelope.seal(patient.encryptionSecretKey().publicKey(), payload);
    EnvelopeHeader header = EnvelopeHeader.read(new ByteArrayInputStream(envelope));
    MedicalRecord rec = sign(new MedicalRecord(pid, pid, Optional.empty(), "Observation", Sha256.hash(envelope),
        envelope.length, List.of(), ByteString.of(header.capsule().toBytes()), now, Optional.empty(), List.of()),
        chain, patient);
    submit(rec);
    // the proxies are the federation servers, with the keys they published in genesis
    List<Node> fed = nodes.stream().filter(n -> n.role() == ServerRole.FEDERATION).toList();
    List<ProxyKey> proxies = new ArrayList<>();
    for (Node n : fed) {
      ParticipantId id = ParticipantId.of(n.ledgerKey());
      proxies.add(new ProxyKey(id.toHex(), n.ledger().publishedKeys(id).orElseThrow().encryptionPublicKey()));
    }
    GrantKeyMaterial km = GrantKeyMaterial.create(patient.encryptionSecretKey(), new Signer(patient.fragmentSigningSecretKey()),
        nodes.get(0).ledger().publishedKeys(cid).orElseThrow().encryptionPublicKey(), proxies, 2,
        EntropySource.of(RANDOM));
    AccessGrant grant = sign(new AccessGrant(pid, cid, AccessScope.all(), Purpose.values()[0], now, now + 3_600_000,
        fed.stream().map(n -> ParticipantId.of(n.ledgerKey())).toList(), km.threshold(),
        km.fragments().stream().map(f -> ByteString.of(f.toBytes())).toList(), now, List.of()), chain, patient);
    Finality g = submit(grant);
    NodeRuntimeTest.waitFor(() -> fed.stream().allMatch(n -> n.holdsFragment(grant.id())), "proxies hold fragments");
    // an anchor of the tip, planned but not yet sent: the record receipt is pending under it
    AnchorCommitment anchored = LedgerAnchors.commitment(nodes.get(0).ledger().tip().orElseThrow());
    Instant planned = Instant.ofEpochMilli(now);
    nodes.get(0).anchorJournal().save(new AnchorRecord(anchored, AnchorStatus.PLANNED, planned, List.of(), null, planned,
        null));
    AnchorReceipt receipt = nodes.get(0).pendingReceipt(rec.id()).orElseThrow();
    assertEquals(anchored, receipt.commitment());
    assertTrue(nodes.get(1).pendingReceipt(rec.id()).isEmpty(), "another node's journal holds no anchor");

    stopAll();
    for (Node n : fed) {
      assertFalse(n.holdsFragment(grant.id()), "a closed node's proxy wiped its fragments");
    }
    startAll(t);
    assertEquals(List.of(anchored), nodes.get(0).anchorJournal().load(Anchorer.RECENT).stream().map(AnchorRecord::commitment).toList(),
        "the anchor survives the restart");
    assertEquals(receipt.toJson(), nodes.get(0).pendingReceipt(rec.id()).orElseThrow().toJson(),
        "the pending receipt survives the restart");
    List<Node> fed2 = nodes.stream().filter(n -> n.role() == ServerRole.FEDERATION).toList();
    for (Node n : fed2) {
      assertTrue(n.ledger().locate(grant.id()).isPresent());
      assertTrue(n.holdsFragment(grant.id()), "after a restart the proxy retakes its fragment from the ledger");
    }
    // a read after the restart: access event, two proxies re-encrypt, the clinician decrypts
    AccessEvent ev = sign(new AccessEvent(pid, cid, rec.id(), Optional.of(grant.id()), System.currentTimeMillis(),
        List.of()), chain, clinician);
    Finality e = submit(ev);
    assertTrue(e.height() > g.height(), "new entries are accepted after the restart");
    assertTrue(nodes.get(0).pendingReceipt(ev.id()).isEmpty(), "an entry after the anchored height has no receipt yet");
    NodeRuntimeTest.waitFor(() -> fed2.stream().allMatch(n -> n.ledger().locate(ev.id()).isPresent()), "event everywhere");
    List<ProxyResponse> answers = new ArrayList<>();
    for (Node n : fed2) {
      answers.add(n.reencrypt(ev.id()));
    }
    byte[] plain = RecordEnvelope.openAsGrantee(clinician.encryptionSecretKey(), patient.encryptionSecretKey().publicKey(),
        patient.fragmentSigningSecretKey().publicKey(), 2, answers, envelope);
    assertArrayEquals(payload, plain);

    // a revocation drops the fragments, and re-encryption is refused with the rule
    submit(sign(new AccessRevocation(pid, grant.id(), System.currentTimeMillis(), List.of()), chain, patient));
    NodeRuntimeTest.waitFor(() -> fed2.stream().noneMatch(n -> n.holdsFragment(grant.id())), "fragments dropped");
    io.medledger.client.AccessRefusedException r = assertThrows(io.medledger.client.AccessRefusedException.class,
        () -> fed2.get(0).reencrypt(ev.id()));
    assertEquals(io.medledger.client.AccessRight.ACTIVE_GRANT, r.missingRight(), r.getMessage());
    assertEquals(ServerRole.FEDERATION, fed2.get(0).role());
  }
}
