package io.medledger.cli;

import io.medledger.access.InstitutionClass;
import io.medledger.access.ParticipantKind;
import io.medledger.anchor.AnchorReceipt;
import io.medledger.anchor.ReceiptVerdict;
import io.medledger.chain.AccessEvent;
import io.medledger.chain.AccessGrant;
import io.medledger.chain.Block;
import io.medledger.chain.CertifiedBlock;
import io.medledger.chain.Endorsement;
import io.medledger.chain.Entry;
import io.medledger.chain.MedicalRecord;
import io.medledger.chain.RecordQuery;
import io.medledger.chain.ValidationResult;
import io.medledger.client.AccessRefusedException;
import io.medledger.client.AuditorClient;
import io.medledger.client.ChainReport;
import io.medledger.client.ClinicianClient;
import io.medledger.client.ErasureReport;
import io.medledger.client.GrantRequest;
import io.medledger.client.Identity;
import io.medledger.client.PatientClient;
import io.medledger.client.RecordErasedException;
import io.medledger.client.RecordView;
import io.medledger.client.ResearcherClient;
import io.medledger.codec.ByteString;
import io.medledger.codec.MalformedEncodingException;
import io.medledger.consensus.ProtocolKind;
import io.medledger.crypto.Ed25519PrivateKey;
import io.medledger.federation.AnchorPoint;
import io.medledger.federation.Federation;
import io.medledger.federation.FederationServer;
import io.medledger.federation.RegtestChain;
import io.medledger.internal.PrivateFiles;
import io.medledger.pre.SecretKey;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

/**
 * {@code medledger demo [--out DIR] [--consensus rotating-audit|bft|direct]}: the whole
 * sharing model in one process, offline, in seconds. Prints a narrative and writes anchor
 * receipts (JSON and OpenTimestamps), the stamped file and the regtest headers to a folder.
 */
final class DemoCommand implements Command {
  private static final String[] HOSPITALS_A = {"St. Elisabeth University Hospital", "Rhine Valley Medical Center",
      "Northgate General Hospital"};
  private static final String[] INSTITUTIONS_B = {"Regional Health Authority", "Eastside District Hospital",
      "Lakeside Hospital", "Westfield Hospital"};
  private static final String CLINIC = "Harbour Family Clinic";

  private static final String[] OUTPUTS = {"anna-record.receipt.json", "anna-record.ots", "anna-record",
      "regtest-headers.json"};
  private PrintStream out;
  private int step;
  private boolean overwrite;

  @Override
  public int run(String[] args, InputStream in, PrintStream out, PrintStream err) throws Exception {
    Args a = Args.parse(args, 0, "force");
    if (!a.positional().isEmpty()) {
      throw new CliException("usage: medledger demo [--out DIR [--force]] [--consensus rotating-audit|bft|direct]"
          + " | medledger demo --testnet DIR");
    }
    String testnet = a.optional("testnet");
    if (testnet != null) {
      a.rejectUnknown();
      if (!Files.isDirectory(Path.of(testnet))) { // listing a named pipe would block until something writes to it
        throw new CliException("no testnet in " + testnet + ": it is not a directory (make one with medledger testnet --dir "
            + testnet + ")");
      }
      long t0 = System.nanoTime();
      int rc = new TestnetDemo(Path.of(testnet), out).run();
      out.printf(Locale.ROOT, "%nDone in %.1f s across the node processes of %s%n", (System.nanoTime() - t0) / 1e9,
          testnet);
      return rc;
    }
    String outOpt = a.optional("out");
    // the default directory is build output (target/), rewritten on every run; a directory the
    // user names keeps its files unless --force is given
    overwrite = outOpt == null || a.flag("force");
    String consensus = Optional.ofNullable(a.optional("consensus")).orElse("rotating-audit");
    a.rejectUnknown();
    Path dir = Path.of(outOpt != null ? outOpt : "target/demo-receipts");
    PrivateFiles.createDirectories(dir);
    CliFiles.refuseToOverwrite(overwrite, java.util.Arrays.stream(OUTPUTS).map(dir::resolve).toArray(Path[]::new));
    this.out = out;
    long started = System.nanoTime();

    Federation.Builder b = Federation.builder("medledger-demo");
    for (String h : HOSPITALS_A) {
      b.institution(h, InstitutionClass.A);
    }
    for (String h : INSTITUTIONS_B) {
      b.institution(h, InstitutionClass.B);
    }
    b.institution(CLINIC, InstitutionClass.C).regulator("Data Protection Authority").storage(CLINIC, 3, 2).threshold(2);
    Federation f;
    try {
      if (consensus.equals("direct")) {
        b.directSequencer();
      } else {
        b.consensus(ProtocolKind.fromConfigName(consensus));
      }
      f = b.build();
    } catch (IllegalArgumentException | MalformedEncodingException e) {
      throw new CliException(e.getMessage());
    }
    try (f) {
      scenario(f, dir);
    }
    out.printf(Locale.ROOT, "%nDone in %.1f s. Receipts and headers are in %s%n", (System.nanoTime() - started) / 1e9,
        dir.toAbsolutePath());
    return 0;
  }

  private void say(String title) {
    out.printf(Locale.ROOT, "%n%d. %s%n", ++step, title);
  }

  private void line(String fmt, Object... args) {
    out.printf(Locale.ROOT, "   " + fmt + "%n", args);
  }

  /** {@code text} with every 64-hex-digit id cut to its first 12 digits. */
  private static String brief(String text) {
    return text.replaceAll("([0-9a-f]{12})[0-9a-f]{52}", "$1…");
  }

  private static String shortId(Object id) {
    return id.toString().substring(0, 12) + "…";
  }

  private void scenario(Federation f, Path dir) throws Exception {
    say("A federation starts (consensus: " + f.consensusName() + ")");
    line("%d class A hospitals run federation servers (bookkeepers and re-encryption proxies)", f.federationNodes().size());
    line("%d class B institutions run audit servers (validate and countersign every block)", f.auditNodes().size());
    line("%s (class C) operates %d storage nodes, write quorum %d", CLINIC, f.storageNodeIds().size(),
        f.storage().writeQuorum());
    line("genesis block %s registers them all", shortId(f.reader().ledger().header(0).hash()));

    say("Patients register under pseudonyms and upload their FHIR R4 records");
    PatientClient anna = f.registerPatient("Anna Müller");
    PatientClient li = f.registerPatient("Li Wei");
    PatientClient zhang = f.registerPatient("Zhang Min");
    MedicalRecord annaRec = anna.upload(resource("anna-mueller")).record();
    MedicalRecord liRec = li.upload(resource("li-wei")).record();
    MedicalRecord zhangRec = zhang.upload(resource("zhang-min")).record();
    for (Object[] p : new Object[][] {{"Anna Müller", anna, annaRec}, {"Li Wei", li, liRec}, {"Zhang Min", zhang, zhangRec}}) {
      MedicalRecord r = (MedicalRecord) p[2];
      line("%-12s -> pseudonym %s, %s of %d encrypted bytes on %d storage nodes", p[0],
          shortId(((PatientClient) p[1]).id()), r.resourceType(), r.payloadSize(), r.storageNodes().size());
    }
    line("the ledger holds digests, pseudonyms and capsules only: no name, no FHIR text");

    say("Anna grants Dr. Okafor at " + HOSPITALS_A[1] + " treatment access");
    ClinicianClient okafor = f.registerClinician("Dr. Okafor", HOSPITALS_A[1]);
    AccessGrant grant = anna.grant(GrantRequest.treatment(okafor.id()));
    line("grant %s: re-encryption key split %d-of-%d among the federation servers", shortId(grant.id()),
        grant.threshold(), grant.proxies().size());
    byte[] read = okafor.read(annaRec.id());
    line("Dr. Okafor reads Anna's bundle through %d proxies: %d bytes, %s", grant.threshold(), read.length,
        new String(read, StandardCharsets.UTF_8).contains("Müller") ? "decrypted intact" : "WRONG");
    line("the proxies transformed only the capsule; they never held the data key or the payload");
    MedicalRecord note = okafor.write(anna.id(), observation()).record();
    line("Dr. Okafor adds an HbA1c Observation to Anna's record (%s), encrypted to Anna's key", shortId(note.id()));
    line("Anna reads it back: %s", new String(anna.read(note.id()), StandardCharsets.UTF_8).contains("4548-4")
        ? "ok" : "WRONG");

    say("A researcher sees only consented, de-identified data");
    ResearcherClient researcher = f.registerResearcher("Dr. Haddad", INSTITUTIONS_B[0]);
    li.grant(GrantRequest.research(researcher.id()));
    List<RecordView> visible = researcher.consentedRecords();
    line("Li Wei consented to research, Anna and Zhang did not: the researcher's query returns %d record(s)",
        visible.size());
    String deid = new String(researcher.read(liRec.id()), StandardCharsets.UTF_8);
    line("Li's bundle as the researcher gets it: name %s, identifiers %s, diagnoses %s, patient id %s",
        deid.contains("\"Wei\"") || deid.contains("\"Li\"") ? "PRESENT" : "removed",
        deid.contains("\"identifier\"") ? "PRESENT" : "removed",
        deid.contains("Condition") ? "kept" : "missing", deid.contains("demo-li-wei") ? "PRESENT" : "pseudonymized");
    try {
      researcher.read(zhangRec.id());
      line("UNEXPECTED: the researcher read Zhang's record");
    } catch (AccessRefusedException e) {
      line("reading Zhang's record: refused (%s)", e.missingRight());
    }

    say("Unauthorized reads and writes are refused twice");
    Ed25519PrivateKey brandtKey = Ed25519PrivateKey.generate(new SecureRandom());
    Identity brandtId = Identity.of(ParticipantKind.CLINICIAN, "Dr. Brandt", brandtKey, SecretKey.random(),
        SecretKey.random());
    ClinicianClient brandt = f.registerClinician(brandtId, CLINIC);
    try {
      brandt.read(annaRec.id());
      line("UNEXPECTED: Dr. Brandt read Anna's record");
    } catch (AccessRefusedException e) {
      line("client API: Dr. Brandt (no grant) reading Anna's record -> %s", brief(e.getMessage()));
    }
    MedicalRecord forged = Entry.sign(new MedicalRecord(anna.id(), brandt.id(), Optional.of(brandt.institutionId()),
        "Observation", annaRec.payloadDigest(), 1, List.of(), ByteString.EMPTY, f.clock().millis(), Optional.empty(),
        List.of()), f.parameters().chainId(), brandtKey);
    FederationServer bookkeeper = f.federationNodes().get(0);
    Block rogue = bookkeeper.ledger().assembleUnchecked(bookkeeper.id(), 0, f.clock().millis(), List.of(forged));
    int refused = 0;
    String reason = "";
    for (FederationServer auditor : f.auditNodes()) {
      ValidationResult<Endorsement> v = auditor.vote(rogue);
      if (!v.isAccepted()) {
        refused++;
        reason = v.reason();
      }
    }
    line("validation: a modified client signs a record for Anna and a faulty bookkeeper proposes it;");
    line("%d of %d audit servers refuse to countersign: %s", refused, f.auditNodes().size(),
        brief(reason.substring(reason.indexOf(':') + 1).trim()));

    say("Anna revokes Dr. Okafor's access");
    anna.revoke(grant.id());
    long holding = f.federationNodes().stream().filter(n -> n.holdsFragment(grant.id())).count();
    line("the proxies discarded their fragments (%d still hold one)", holding);
    try {
      okafor.read(annaRec.id());
      line("UNEXPECTED: read after revocation");
    } catch (AccessRefusedException e) {
      line("Dr. Okafor's next read: refused (%s)", e.missingRight());
    }
    List<AccessEvent> trail = anna.accessEvents();
    line("Anna's access trail has %d events: %s", trail.size(), describe(trail, anna, okafor));

    say("Bitcoin anchoring (a private regtest chain in this process, no network)");
    RegtestChain bitcoin = new RegtestChain(new SecureRandom());
    AnchorPoint anchor = f.anchor(bitcoin);
    line("commitment to ledger height %d (%d entries) in OP_RETURN of tx %s", anchor.commitment().height(),
        anchor.commitment().logSize(), shortId(anchor.txid().reversed()));
    AuditorClient auditor = f.auditor("Independent Auditor");
    RecordView annaView = auditor.query().allRecords(RecordQuery.all().patient(anna.id())).get(0);
    AnchorReceipt receipt = annaView.anchorReceipt().orElseThrow();
    ReceiptVerdict verdict = auditor.verifyReceipt(receipt, bitcoin);
    line("receipt for Anna's record: %s", verdict instanceof ReceiptVerdict.Anchored an
        ? "verified, anchored in regtest block " + an.height() : "NOT verified: " + verdict);
    CliFiles.write(dir.resolve(OUTPUTS[0]), receipt.toJson().getBytes(StandardCharsets.UTF_8), overwrite);
    CliFiles.write(dir.resolve(OUTPUTS[1]), receipt.toOpenTimestamps().serialize(), overwrite);
    CliFiles.write(dir.resolve(OUTPUTS[2]), receipt.stampedFile(), overwrite);
    Map<String, String> headers = new TreeMap<>();
    for (long h = 0; h <= bitcoin.bestHeight().orElse(-1); h++) {
      headers.put(Long.toString(h), bitcoin.headerAt(h).orElseThrow().toHex());
    }
    StringBuilder json = new StringBuilder("{");
    headers.forEach((k, v) -> json.append(json.length() > 1 ? "," : "").append('"').append(k).append("\":\"")
        .append(v).append('"'));
    CliFiles.write(dir.resolve(OUTPUTS[3]), json.append("}\n").toString().getBytes(StandardCharsets.UTF_8), overwrite);
    line("wrote anna-record.receipt.json, anna-record.ots (+ stamped file) and regtest-headers.json");

    say("A tampering attempt is detected");
    List<CertifiedBlock> copy = new ArrayList<>();
    for (long h = 0; h <= f.reader().ledger().height(); h++) {
      copy.add(f.reader().ledger().block(h));
    }
    int target = (int) annaView.height();
    String original = copy.get(target).toJson();
    String forgedDigest = "00".repeat(32);
    copy.set(target, CertifiedBlock.fromJson(original.replace(annaRec.payloadDigest().toHex(), forgedDigest)));
    ChainReport tampered = auditor.verify(copy);
    line("a mirror swaps the payload digest of Anna's record in block %d: %s", target,
        tampered.valid() ? "NOT detected" : "rejected (" + brief(tampered.problem().orElse("")) + ")");

    say("Zhang Min has her record erased");
    ErasureReport erased = zhang.erase(zhangRec.id());
    line("erasure recorded on the ledger as record_erasure %s, signed by Zhang Min; "
        + "copies deleted from %d storage nodes",
        shortId(erased.erasureEntry()), erased.deletedFrom().size());
    try {
      zhang.read(zhangRec.id());
      line("UNEXPECTED: read after erasure");
    } catch (RecordErasedException e) {
      line("reading it now: refused, the payload is gone; the ledger keeps only digest, pseudonym and the erasure");
    }

    say("The auditor verifies everything");
    ChainReport report = auditor.verifyChain();
    line("chain: %s, %d blocks, every signature, rule, root and certificate re-checked; nodes agreeing: %d of %d",
        report.valid() ? "valid" : "INVALID " + report.problem().orElse(""), report.blocks(),
        f.nodes().size() - report.disagreeingNodes().size(), f.nodes().size());
    line("Anna's access trail, checked complete against the tip: %d events",
        auditor.accessTrail(anna.id()).size());
    long entries = f.reader().ledger().tip().orElseThrow().ledgerSize();
    line("ledger: %d blocks, %d entries", f.reader().ledger().height() + 1, entries);
  }

  private static String describe(List<AccessEvent> trail, PatientClient anna, ClinicianClient okafor) {
    List<String> who = new ArrayList<>();
    for (AccessEvent e : trail) {
      who.add(e.accessor().equals(anna.id()) ? "Anna" : e.accessor().equals(okafor.id()) ? "Dr. Okafor" : "other");
    }
    return String.join(", ", who);
  }

  static byte[] resource(String name) throws IOException {
    try (InputStream in = DemoCommand.class.getResourceAsStream("/io/medledger/demo/" + name + ".json")) {
      if (in == null) {
        throw new CliException("missing demo resource " + name);
      }
      return in.readAllBytes();
    }
  }

  private static byte[] observation() {
    return ("{\"resourceType\":\"Observation\",\"id\":\"anna-hba1c\",\"status\":\"final\","
        + "\"code\":{\"coding\":[{\"system\":\"http://loinc.org\",\"code\":\"4548-4\",\"display\":\"Hemoglobin A1c\"}]},"
        + "\"subject\":{\"reference\":\"Patient/demo-anna-mueller\"},\"effectiveDateTime\":\"2026-11-20\","
        + "\"valueQuantity\":{\"value\":5.6,\"unit\":\"%\",\"system\":\"http://unitsofmeasure.org\",\"code\":\"%\"}}")
        .getBytes(StandardCharsets.UTF_8);
  }
}
