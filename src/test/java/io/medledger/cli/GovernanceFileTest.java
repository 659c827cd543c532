package io.medledger.cli;

import static io.medledger.cli.GovernanceCommandTest.ok;
import static io.medledger.cli.GovernanceCommandTest.oneLineExit2;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.medledger.access.ParticipantKind;
import io.medledger.chain.Entry;
import io.medledger.chain.MembershipChange;
import io.medledger.chain.PatientRegistration;
import io.medledger.codec.Hex;
import io.medledger.crypto.Ed25519PrivateKey;
import io.medledger.crypto.Ed25519PublicKey;
import io.medledger.internal.Json;
import io.medledger.node.NodeConfig;
import io.medledger.node.Testnet;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.SecureRandom;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code governance endorse} and {@code show} on hostile and mistaken files, offline: each is
 * refused with one line and exit 2 before any key store is opened or anything is written.
 */
class GovernanceFileTest {
  private static final String CHAIN = "governance-file-test";
  private static final SecureRandom RANDOM = new SecureRandom();

  @TempDir
  Path dir;

  private Path federation;
  private Path audit;
  private Ed25519PublicKey auditKey;

  @BeforeEach
  void layout() {
    Testnet.Layout t = Testnet.create(dir.resolve("net"), new Testnet.Options(CHAIN, 2, 1, 0, 0,
        NodeConfig.ConsensusSettings.defaults()), RANDOM);
    federation = t.nodeDirectories().get(0);
    audit = t.nodeDirectories().get(2);
    auditKey = NodeConfig.read(audit.resolve("node.json")).ledgerKey();
  }

  private static MembershipChange removal(ParticipantKind role, Ed25519PublicKey key) {
    return new MembershipChange(MembershipChange.Operation.REMOVE, role, key, Optional.empty(), 1_000, List.of());
  }

  private Path file(String name, String chain, Entry e) throws Exception {
    Path f = dir.resolve(name);
    new GovernanceFile(chain, e).write(f, false);
    return f;
  }

  private static ChainCommandTest.Run endorse(Path node, Path in, Path out) {
    return ChainCommandTest.run("governance", "endorse", "--dir", node.toString(), "--in", in.toString(), "--out",
        out.toString());
  }

  @Test
  void anEntryOfAnotherChainIsRefused() throws Exception {
    Path out = dir.resolve("out.json");
    Path other = file("other.json", "another-chain", removal(ParticipantKind.AUDIT_SERVER, auditKey));
    oneLineExit2(endorse(federation, other, out), "is for chain 'another-chain'");
    // a file that names this chain but carries an endorsement made for another one
    Ed25519PrivateKey k = Ed25519PrivateKey.generate(RANDOM);
    Entry signedElsewhere = Entry.sign(removal(ParticipantKind.AUDIT_SERVER, auditKey),
        GovernanceFile.chainId("another-chain"), k);
    Path forged = file("forged.json", CHAIN, signedElsewhere);
    oneLineExit2(endorse(federation, forged, out), "does not verify for chain '" + CHAIN + "'");
    assertFalse(Files.exists(out), "nothing written");
  }

  @Test
  void aNodeEndorsesOnceAndOnlyAFederationServerOrTheServerBeingAdded() throws Exception {
    Path in = file("in.json", CHAIN, removal(ParticipantKind.AUDIT_SERVER, auditKey));
    Path once = dir.resolve("once.json");
    assertEquals(1L, ok(endorse(federation, in, once)).get("endorsements"));
    assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(once)));
    Path twice = dir.resolve("twice.json");
    oneLineExit2(endorse(federation, once, twice), "already carries this node's endorsement");
    assertFalse(Files.exists(twice));
    oneLineExit2(endorse(audit, once, twice), "not a federation server");
    assertFalse(Files.exists(twice));
    // an existing output is kept unless --force
    oneLineExit2(endorse(federation, in, once), "already exists; pass --force");

    // an audit server signs its own addition (the ledger needs the new member's signature)
    MembershipChange add = new MembershipChange(MembershipChange.Operation.ADD, ParticipantKind.AUDIT_SERVER, auditKey,
        Optional.of(io.medledger.access.ParticipantId.of(auditKey)), 1_000, List.of());
    Path own = dir.resolve("own.json");
    assertEquals(1L, ok(endorse(audit, file("add.json", CHAIN, add), own)).get("endorsements"));
    Entry e = GovernanceFile.read(own, CHAIN).entry();
    assertEquals(auditKey, e.endorsements().get(0).signer());
  }

  @Test
  void oversizedGarbageAndNonGovernanceFilesAreRefused() throws Exception {
    Path out = dir.resolve("out.json");
    Path big = dir.resolve("big.json");
    Files.write(big, new byte[(int) GovernanceFile.MAX_FILE_BYTES + 1]);
    oneLineExit2(endorse(federation, big, out), "is larger than " + GovernanceFile.MAX_FILE_BYTES + " bytes");

    Path garbage = dir.resolve("garbage.json");
    byte[] noise = new byte[4096];
    RANDOM.nextBytes(noise);
    noise[0] = (byte) 0xff; // never UTF-8
    Files.write(garbage, noise);
    oneLineExit2(endorse(federation, garbage, out), "is not valid UTF-8 JSON");

    Path good = file("good.json", CHAIN, removal(ParticipantKind.AUDIT_SERVER, auditKey));
    Map<String, Object> o = Json.asObject(Json.parse(Files.readString(good)), "file");
    String entryHex = (String) o.get("entry");
    // a cut entry, a tampered id, an unknown member, a non-governance entry
    oneLineExit2(endorse(federation, rewrite(good, "cut.json", "entry", entryHex.substring(0, entryHex.length() - 2)), out),
        "cut.json");
    oneLineExit2(endorse(federation, rewrite(good, "id.json", "id", "00".repeat(32)), out), "is not the entry's id");
    oneLineExit2(endorse(federation, rewrite(good, "extra.json", "colour", "red"), out), "unknown member 'colour'");
    Ed25519PrivateKey patient = Ed25519PrivateKey.generate(RANDOM);
    PatientRegistration reg = new PatientRegistration(patient.publicKey(), 1_000, List.of());
    Path notGovernance = rewrite(rewrite(rewrite(good, "p1.json", "entry", Hex.encode(reg.encode())), "p2.json", "id",
        reg.id().toHex()), "p3.json", "kind", reg.kind().label());
    oneLineExit2(endorse(federation, notGovernance, out), "is not a governance entry");
    oneLineExit2(endorse(federation, dir, out), "is not a regular file");
    assertFalse(Files.exists(out), "nothing written");
  }

  @Test
  void showPrintsTheEntryAndItsEndorsements() throws Exception {
    Path in = file("in.json", CHAIN, removal(ParticipantKind.AUDIT_SERVER, auditKey));
    Map<String, Object> shown = ok(ChainCommandTest.run("governance", "show", "--in", in.toString(), "--chain", CHAIN));
    assertEquals("membership_change", shown.get("kind"));
    assertEquals(0L, shown.get("endorsements"));
    Map<String, Object> entry = Json.asObject(shown.get("entry"), "entry");
    assertTrue(entry.toString().contains(auditKey.toHex()), entry.toString());
    oneLineExit2(ChainCommandTest.run("governance", "show", "--in", in.toString(), "--chain", "x"), "not for this chain 'x'");
  }

  @Test
  void proposeRefusesBadArgumentsBeforeReadingAnything() {
    String[] base = {"governance", "propose", "--client", dir.resolve("none.json").toString(), "--out",
        dir.resolve("p.json").toString()};
    String key = auditKey.toHex();
    oneLineExit2(propose(base, "add-server", "--role", "storage", "--key", key), "--role must be federation, audit or regulator");
    oneLineExit2(propose(base, "add-server", "--role", "audit", "--key", key), "missing required option --operator-key");
    oneLineExit2(propose(base, "add-server", "--role", "regulator", "--key", key, "--operator-key", key),
        "a regulator has no operator");
    oneLineExit2(propose(base, "remove-server", "--role", "audit", "--key", "00".repeat(31)), "--key must be an Ed25519");
    oneLineExit2(propose(base, "remove-server", "--role", "audit", "--key", key, "--operator-key", key),
        "unknown option --operator-key");
    oneLineExit2(propose(base, "add-witness", "--name", "a b", "--key", key, "--url", "https://w.example"), "witness:");
    oneLineExit2(propose(base, "promote-server", "--key", key), "unknown proposal 'promote-server'");
    oneLineExit2(propose(base), "needs exactly one of");
    assertFalse(Files.exists(dir.resolve("p.json")));
  }

  private static ChainCommandTest.Run propose(String[] base, String... what) {
    String[] all = java.util.Arrays.copyOf(base, base.length + what.length);
    System.arraycopy(what, 0, all, base.length, what.length);
    return ChainCommandTest.run(all);
  }

  /** A copy of {@code f} with member {@code key} set to {@code value}. */
  private Path rewrite(Path f, String name, String key, String value) throws Exception {
    Map<String, Object> o = new java.util.LinkedHashMap<>(Json.asObject(Json.parse(Files.readString(f)), "file"));
    o.put(key, value);
    Path out = dir.resolve(name);
    Files.write(out, Json.write(false, g -> Json.writeValue(g, o)).getBytes(StandardCharsets.UTF_8));
    return out;
  }
}
