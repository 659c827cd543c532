package io.medledger.cli;

import io.medledger.access.InstitutionClass;
import io.medledger.access.Participant;
import io.medledger.access.ParticipantId;
import io.medledger.access.ParticipantKind;
import io.medledger.chain.ChainParameters;
import io.medledger.chain.Endorsement;
import io.medledger.chain.Entry;
import io.medledger.chain.EntryLocation;
import io.medledger.chain.InstitutionRegistration;
import io.medledger.chain.InstitutionRemoval;
import io.medledger.chain.MembershipChange;
import io.medledger.chain.Witness;
import io.medledger.chain.WitnessChange;
import io.medledger.crypto.Ed25519PublicKey;
import io.medledger.internal.Json;
import io.medledger.node.ClientConfig;
import io.medledger.node.NodeConfig;
import io.medledger.node.NodeKeys;
import io.medledger.node.RemoteConnection;
import io.medledger.node.ServerRole;
import io.medledger.node.TlsIdentity;
import java.io.InputStream;
import java.io.PrintStream;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * {@code medledger governance propose|endorse|submit|show}: governance entries (server additions,
 * removals and reinstatements, institution registrations and removals, witness listings) made by operators of
 * separate node processes. {@code propose} writes the unsigned entry to a file (see
 * {@link GovernanceFile}), each federation server's operator adds the server's endorsement with
 * {@code endorse} from that node's key store, and {@code submit} sends the entry with its
 * endorsements to the nodes and waits until it is final. {@code show} prints what a file holds.
 * Keys come from key stores opened with the passphrase their configuration names, never from the
 * command line, and are destroyed when the command ends. Stateless.
 */
final class GovernanceCommand implements Command {
  private static final String USAGE = "usage: medledger governance propose --client FILE --out FILE [--force] "
      + "add-server|remove-server|reinstate-server|register-institution|remove-institution|add-witness|remove-witness ... | "
      + "governance endorse --dir NODE_DIR --in FILE --out FILE [--force] | "
      + "governance submit --client FILE --in FILE [--timeout S] | governance show --in FILE --chain NAME";
  private static final Duration READ_TIMEOUT = Duration.ofSeconds(30);

  @Override
  public int run(String[] args, InputStream in, PrintStream out, PrintStream err) throws Exception {
    if (args.length == 0) {
      throw new CliException(USAGE);
    }
    switch (args[0]) {
      case "propose":
        return propose(args, out);
      case "endorse":
        return endorse(Args.parse(args, 1, "force"), out);
      case "submit":
        return submit(Args.parse(args, 1), out);
      case "show":
        return show(Args.parse(args, 1), out);
      default:
        throw new CliException("unknown subcommand '" + args[0] + "'; " + USAGE);
    }
  }

  // ---------------------------------------------------------------- propose

  private static int propose(String[] args, PrintStream out) throws Exception {
    Args a = Args.parse(args, 1, "force");
    List<String> what = a.positional();
    if (what.size() != 1) {
      throw new CliException("governance propose needs exactly one of add-server, remove-server, reinstate-server, "
          + "register-institution, remove-institution, add-witness, remove-witness");
    }
    String clientFile = a.required("client");
    Path outFile = Path.of(a.required("out"));
    boolean force = a.flag("force");
    long now = System.currentTimeMillis();
    Proposal p = switch (what.get(0)) {
      case "add-server" -> {
        ParticipantKind role = role(a.required("role"));
        Ed25519PublicKey key = key(a.required("key"), "--key");
        Optional<Ed25519PublicKey> operator = role == ParticipantKind.REGULATOR ? Optional.empty()
            : Optional.of(key(a.required("operator-key"), "--operator-key"));
        if (role == ParticipantKind.REGULATOR && a.optional("operator-key") != null) {
          throw new CliException("a regulator has no operator; leave out --operator-key");
        }
        yield new Proposal(new MembershipChange(MembershipChange.Operation.ADD, role, key,
            operator.map(ParticipantId::of), now, List.of()), Optional.empty());
      }
      case "remove-server", "reinstate-server" -> {
        MembershipChange.Operation op = what.get(0).startsWith("remove")
            ? MembershipChange.Operation.REMOVE : MembershipChange.Operation.REINSTATE;
        yield new Proposal(new MembershipChange(op, role(a.required("role")), key(a.required("key"), "--key"),
            Optional.empty(), now, List.of()), Optional.empty());
      }
      case "remove-institution" -> new Proposal(new InstitutionRemoval(
          ParticipantId.of(key(a.required("key"), "--key")), now, List.of()), Optional.empty());
      case "register-institution" -> {
        Path keys = CliFiles.regularFile(a.required("keys"), "key store");
        String name = a.required("name");
        InstitutionClass cls;
        try {
          cls = new InstitutionClass(a.required("class"));
        } catch (IllegalArgumentException e) {
          throw new CliException("--class: " + e.getMessage());
        }
        Ed25519PublicKey key = NodeKeys.readPublicKey(keys);
        InstitutionRegistration r;
        try {
          r = new InstitutionRegistration(key, name, cls, now, List.of());
        } catch (IllegalArgumentException e) {
          throw new CliException("--name: " + e.getMessage());
        }
        yield new Proposal(r, Optional.of(keys));
      }
      case "add-witness", "remove-witness" -> {
        Witness w;
        try {
          w = new Witness(a.required("name"), key(a.required("key"), "--key"), a.required("url"));
        } catch (IllegalArgumentException e) {
          throw new CliException("witness: " + e.getMessage());
        }
        MembershipChange.Operation op = what.get(0).startsWith("add")
            ? MembershipChange.Operation.ADD : MembershipChange.Operation.REMOVE;
        yield new Proposal(new WitnessChange(op, w, now, List.of()), Optional.empty());
      }
      default -> throw new CliException("unknown proposal '" + what.get(0) + "'; " + USAGE);
    };
    a.rejectUnknown();
    CliFiles.refuseToOverwrite(force, outFile);
    ClientConfig cc = ClientConfig.read(Path.of(clientFile));
    Entry entry = p.entry();
    char[] pass = NodeKeys.passphrase(cc.keySource());
    try (OpenedKeys opened = new OpenedKeys()) {
      NodeKeys client;
      NodeKeys institution = null;
      try {
        client = opened.open(cc.keyStore(), pass);
        if (p.institutionKeys().isPresent()) {
          institution = opened.open(p.institutionKeys().get(), pass);
        }
      } finally {
        Arrays.fill(pass, '\0');
      }
      try (RemoteConnection c = connect(cc, client, READ_TIMEOUT)) {
        refuseEarly(entry, c, cc);
      }
      if (institution != null) { // a new institution signs its own registration
        entry = Entry.sign(entry, GovernanceFile.chainId(cc.chain()), institution.ledgerSecretKey());
      }
    }
    GovernanceFile f = new GovernanceFile(cc.chain(), entry);
    f.write(outFile, force);
    out.println(summary(f, g -> g.writeStringField("out", outFile.toString())));
    return 0;
  }

  /** What a proposal makes: the entry, and for a registration the new institution's key store. */
  private record Proposal(Entry entry, Optional<Path> institutionKeys) {}

  /** Refuses, before anything is written, what the ledger would refuse and the client can see. */
  private static void refuseEarly(Entry e, RemoteConnection c, ClientConfig cc) {
    ChainParameters params = c.parameters();
    if (e instanceof MembershipChange m) {
      Optional<Participant> existing = c.participant(m.member());
      if (m.action() == MembershipChange.Operation.ADD) {
        if (existing.isPresent() && (existing.get().active() || existing.get().kind() != m.role())) {
          throw new CliException("key " + m.memberKey().toHex() + " is already registered as an active or other participant ("
              + existing.get().kind().label() + ")");
        }
        if (m.operator().isPresent()) {
          Participant op = c.participant(m.operator().get())
              .filter(x -> x.kind() == ParticipantKind.INSTITUTION && x.active())
              .orElseThrow(() -> new CliException("operator " + m.operator().get() + " is not an active registered institution"));
          InstitutionClass cls = op.institutionClass().orElseThrow();
          if (!params.mayOperate(m.role(), cls)) {
            throw new CliException("an institution of class " + cls + " may not operate a " + m.role().label());
          }
        }
      } else if (existing.isEmpty() || !existing.get().active() || existing.get().kind() != m.role()) {
        throw new CliException(m.member() + " (key " + m.memberKey().toHex() + ") is not an active " + m.role().label());
      }
    } else if (e instanceof InstitutionRemoval x) {
      Participant inst = c.participant(x.institution()).filter(p -> p.kind() == ParticipantKind.INSTITUTION)
          .orElseThrow(() -> new CliException(x.institution() + " is not a registered institution"));
      if (!inst.active()) {
        throw new CliException("institution " + x.institution() + " is already removed");
      }
      for (ClientConfig.NodeEndpointConfig n : cc.nodes()) { // the servers this client knows of
        if (n.role() == ServerRole.STORAGE) {
          continue;
        }
        Optional<Participant> s = c.participant(ParticipantId.of(n.key()));
        if (s.isPresent() && s.get().active() && s.get().affiliation().filter(x.institution()::equals).isPresent()) {
          throw new CliException("institution " + x.institution() + " still operates the " + s.get().kind().label() + " "
              + n.key().toHex() + "; remove its servers first");
        }
      }
    } else if (e instanceof InstitutionRegistration r) {
      if (c.participant(r.institution()).isPresent()) {
        throw new CliException("key " + r.institutionKey().toHex() + " is already registered");
      }
    }
  }

  // ---------------------------------------------------------------- endorse

  private static int endorse(Args a, PrintStream out) throws Exception {
    Path dir = Path.of(a.required("dir"));
    Path inFile = Path.of(a.required("in"));
    Path outFile = Path.of(a.required("out"));
    boolean force = a.flag("force");
    a.rejectUnknown();
    CliFiles.refuseToOverwrite(force, outFile);
    NodeConfig config = NodeCommand.config(dir);
    GovernanceFile f = GovernanceFile.read(inFile, config.chain());
    Entry entry = f.entry();
    Ed25519PublicKey self = config.ledgerKey();
    if (config.role() != ServerRole.FEDERATION && !isOwnAddition(entry, config)) {
      throw new CliException("node " + self.toHex() + " has role " + config.role().label() + ", not a federation server: "
          + "only federation servers endorse governance entries (and a server being added its own addition)");
    }
    for (Endorsement e : entry.endorsements()) {
      if (e.signer().equals(self)) {
        throw new CliException("the entry already carries this node's endorsement (key " + self.toHex() + ")");
      }
    }
    Entry signed;
    try (OpenedKeys opened = new OpenedKeys()) {
      NodeKeys keys = NodeCommand.ownKeys(config, opened);
      if (!keys.ledgerKey().equals(self)) {
        throw new CliException("the key store holds key " + keys.ledgerKey().toHex() + ", not the node's ledger key "
            + self.toHex());
      }
      signed = Entry.sign(entry, f.chainId(), keys.ledgerSecretKey());
    }
    GovernanceFile result = f.with(signed);
    result.write(outFile, force);
    out.println(summary(result, g -> g.writeStringField("out", outFile.toString())));
    return 0;
  }

  /** Whether {@code e} adds the server that {@code config} describes, in its role (it must sign its addition). */
  private static boolean isOwnAddition(Entry e, NodeConfig config) {
    return e instanceof MembershipChange m && m.action() == MembershipChange.Operation.ADD
        && m.memberKey().equals(config.ledgerKey()) && m.role() == kindOf(config.role());
  }

  private static ParticipantKind kindOf(ServerRole r) {
    return switch (r) {
      case FEDERATION -> ParticipantKind.FEDERATION_SERVER;
      case AUDIT -> ParticipantKind.AUDIT_SERVER;
      case STORAGE -> ParticipantKind.STORAGE_NODE;
    };
  }

  // ---------------------------------------------------------------- submit

  private static int submit(Args a, PrintStream out) throws Exception {
    String clientFile = a.required("client");
    Path inFile = Path.of(a.required("in"));
    long timeout = a.optionalLong("timeout", 120);
    a.rejectUnknown();
    if (timeout < 1 || timeout > 3600) {
      throw new CliException("--timeout must be 1..3600");
    }
    ClientConfig cc = ClientConfig.read(Path.of(clientFile));
    GovernanceFile f = GovernanceFile.read(inFile, cc.chain());
    if (f.entry().endorsements().isEmpty()) {
      throw new CliException("governance entry " + f.entry().id().toHex() + " carries no endorsement; "
          + "add the federation servers' with governance endorse");
    }
    EntryLocation at;
    try (OpenedKeys opened = new OpenedKeys()) {
      NodeKeys client = opened.openClient(cc);
      try (RemoteConnection c = connect(cc, client, Duration.ofSeconds(timeout))) {
        at = c.submit(f.entry()).get(timeout + 5, TimeUnit.SECONDS);
      } catch (ExecutionException e) {
        Throwable cause = e.getCause() != null ? e.getCause() : e;
        throw new CliException("governance entry " + f.entry().id().toHex() + " not final: " + cause.getMessage(), cause);
      } catch (TimeoutException e) {
        throw new CliException("governance entry " + f.entry().id().toHex() + " not final within " + timeout + " s");
      }
    }
    out.println(summary(f, g -> {
      g.writeNumberField("height", at.height());
      g.writeNumberField("ledger_index", at.ledgerIndex());
    }));
    return 0;
  }

  // ---------------------------------------------------------------- show

  private static int show(Args a, PrintStream out) throws Exception {
    Path inFile = Path.of(a.required("in"));
    String chain = a.required("chain");
    a.rejectUnknown();
    GovernanceFile f = GovernanceFile.read(inFile, chain);
    String view = f.entry().toJson();
    out.println(summary(f, g -> {
      g.writeStringField("chain", f.chain());
      g.writeFieldName("entry");
      g.writeRawValue(view);
    }));
    return 0;
  }

  // ---------------------------------------------------------------- shared

  private static RemoteConnection connect(ClientConfig cc, NodeKeys client, Duration submit) {
    return RemoteConnection.builder(TlsIdentity.of(client.ledgerSecretKey())).nodes(cc).timeouts(READ_TIMEOUT, submit)
        .build();
  }

  private static ParticipantKind role(String label) {
    return switch (label) {
      case "federation" -> ParticipantKind.FEDERATION_SERVER;
      case "audit" -> ParticipantKind.AUDIT_SERVER;
      case "regulator" -> ParticipantKind.REGULATOR;
      default -> throw new CliException("--role must be federation, audit or regulator, got '" + label + "'");
    };
  }

  private static Ed25519PublicKey key(String hex, String option) {
    try {
      return Ed25519PublicKey.fromHex(hex);
    } catch (IllegalArgumentException | io.medledger.codec.MalformedEncodingException e) {
      throw new CliException(option + " must be an Ed25519 public key in hex: " + e.getMessage());
    }
  }

  /** One line of JSON: the entry's id, kind and endorsement count, then what {@code more} adds. */
  private static String summary(GovernanceFile f, Json.WriterBody more) {
    return Json.write(false, g -> {
      g.writeStartObject();
      g.writeStringField("id", f.entry().id().toHex());
      g.writeStringField("kind", f.entry().kind().label());
      g.writeNumberField("endorsements", f.entry().endorsements().size());
      more.write(g);
      g.writeEndObject();
    });
  }
}
