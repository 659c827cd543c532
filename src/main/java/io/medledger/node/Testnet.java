package io.medledger.node;

import io.medledger.access.InstitutionClass;
import io.medledger.access.ParticipantKind;
import io.medledger.anchor.AnchorPolicy;
import io.medledger.anchor.bitcoin.Address;
import io.medledger.anchor.bitcoin.BitcoinPrivateKey;
import io.medledger.anchor.bitcoin.Network;
import io.medledger.chain.AffiliateRegistration;
import io.medledger.chain.BlockCandidate;
import io.medledger.chain.Certificate;
import io.medledger.chain.CertifiedBlock;
import io.medledger.chain.ChainParameters;
import io.medledger.chain.Entry;
import io.medledger.chain.InstitutionRegistration;
import io.medledger.chain.KeyPublication;
import io.medledger.chain.Ledger;
import io.medledger.chain.MembershipChange;
import io.medledger.chain.ValidationResult;
import io.medledger.codec.ByteString;
import io.medledger.consensus.LedgerApp;
import io.medledger.crypto.Ed25519PrivateKey;
import io.medledger.internal.node.OwnerOnly;
import io.medledger.storage.InMemoryBlockStore;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Optional;

/**
 * Writes a local multi-process federation on loopback: one directory per node ({@code node-1},
 * {@code node-2}, ...: federation servers first, then audit servers, then storage nodes), each with
 * {@code node.json}, {@code genesis.block} and a sealed key store in {@code data/}; the
 * institutions' sealed keys in {@code institutions/}; a client key store and {@code client.json};
 * and one random passphrase in {@code passphrase} (mode 0600) that every key store is sealed under.
 * Each federation and audit server belongs to its own institution (class A and class B); storage
 * nodes are affiliates of the first institution.
 *
 * <p>With {@link Options#regtest()}, it also writes offline Bitcoin anchoring: {@code regtest/regtest.json}
 * for the Bitcoin Core stand-in of {@code medledger regtest run} (a loopback port and the anchoring
 * wallet's address to fund), the wallet's key in {@code anchoring/wallet.wif} (mode 0600), and an
 * {@code anchoring} section in every federation and audit server's configuration: the stand-in's
 * endpoint, its cookie file (written by the stand-in when it starts, so no password is on disk
 * before), the wallet key on federation servers only, and a demo policy (an anchor after every
 * block of records, one confirmation). Stateless; thread-safe.
 */
public final class Testnet {
  private Testnet() {}

  /**
   * What was written.
   *
   * @param directory the root
   * @param nodeDirectories one per node, in order
   * @param clientConfig {@code client.json}
   * @param passphrase the passphrase file
   * @param regtest the Bitcoin Core stand-in's directory, when the testnet anchors offline
   */
  public record Layout(Path directory, List<Path> nodeDirectories, Path clientConfig, Path passphrase,
      Optional<Path> regtest) {
    /** Copies the list. */
    public Layout {
      nodeDirectories = List.copyOf(nodeDirectories);
    }
  }

  /**
   * Options.
   *
   * @param chain chain name
   * @param federation federation servers (at least 1)
   * @param audit audit servers
   * @param storage storage nodes
   * @param basePort first port: node {@code i} (from 0) listens for peers on base+2i and for
   *     clients on base+2i+1; 0 picks free ports now
   * @param consensus consensus settings written to every node
   * @param regtest whether the servers anchor into the offline Bitcoin Core stand-in (one more port:
   *     base+2n when {@code basePort} is given)
   */
  public record Options(String chain, int federation, int audit, int storage, int basePort,
      NodeConfig.ConsensusSettings consensus, boolean regtest) {
    /** Options without offline anchoring. */
    public Options(String chain, int federation, int audit, int storage, int basePort,
        NodeConfig.ConsensusSettings consensus) {
      this(chain, federation, audit, storage, basePort, consensus, false);
    }

    /** Checks ranges. */
    public Options {
      if (federation < 1 || federation > 100 || audit < 0 || audit > 100 || storage < 0 || storage > 32) {
        throw new IllegalArgumentException("need 1..100 federation servers, 0..100 audit servers, 0..32 storage nodes");
      }
      if (basePort != 0 && (basePort < 1024 || basePort + 2 * (federation + audit + storage) + 1 > 65535)) {
        throw new IllegalArgumentException("--base-port must leave room for two ports per node below 65536");
      }
      if ("rotating-audit".equals(consensus.protocol()) && audit < 1) {
        throw new IllegalArgumentException("the rotating-audit protocol needs at least one audit server");
      }
    }
  }

  /**
   * Writes a testnet under {@code dir}, which must not exist or be empty.
   *
   * @throws IllegalArgumentException if {@code dir} is not empty, or exists and is not a directory
   * @throws UncheckedIOException if a file cannot be written
   */
  public static Layout create(Path dir, Options o, SecureRandom random) {
    return create(dir, o, random, List.of());
  }

  /**
   * As {@link #create(Path, Options, SecureRandom)}, with {@code extraGenesis} (signed for the
   * chain {@code ChainParameters.defaults(o.chain())}, created no later than now) appended to the
   * genesis block: more institutions, regulators and the like.
   *
   * @throws IllegalStateException if the genesis block does not validate with them
   */
  public static Layout create(Path dir, Options o, SecureRandom random, List<Entry> extraGenesis) {
    List<NodeKeys> made = new ArrayList<>(); // sealed into their files; destroyed here, whatever happens
    try {
      if (Files.exists(dir)) {
        if (!Files.isDirectory(dir)) { // listing a named pipe would block until something writes to it
          throw new IllegalArgumentException(dir + " is not a directory");
        }
        try (var s = Files.list(dir)) {
          if (s.findAny().isPresent()) {
            throw new IllegalArgumentException("directory " + dir + " is not empty");
          }
        }
      }
      OwnerOnly.createDirectories(dir);
      byte[] pw = new byte[24];
      random.nextBytes(pw);
      byte[] encoded = Base64.getUrlEncoder().withoutPadding().encode(pw);
      java.util.Arrays.fill(pw, (byte) 0);
      char[] passphrase = new char[encoded.length];
      for (int i = 0; i < encoded.length; i++) {
        passphrase[i] = (char) encoded[i];
      }
      java.util.Arrays.fill(encoded, (byte) 0);
      Path passFile = dir.resolve("passphrase");
      writeSecretLine(passFile, passphrase);

      int n = o.federation() + o.audit() + o.storage();
      List<PeerAddress[]> addresses = ports(n + 1, o.basePort());
      Optional<AnchoringConfig> anchoring = Optional.empty();
      Optional<Path> regtestDir = Optional.empty();
      if (o.regtest()) {
        regtestDir = Optional.of(dir.resolve("regtest"));
        anchoring = Optional.of(regtest(dir, addresses.get(n)[0], random));
      }
      ChainParameters params = ChainParameters.defaults(o.chain());
      List<Entry> genesis = new ArrayList<>();
      List<NodeKeys> servers = new ArrayList<>();
      List<ServerRole> roles = new ArrayList<>();
      long now = System.currentTimeMillis();
      NodeKeys firstInstitution = null;
      for (int i = 0; i < o.federation() + o.audit(); i++) {
        boolean fed = i < o.federation();
        String name = fed ? "Hospital " + (i + 1) : "Health Authority " + (i + 1 - o.federation());
        NodeKeys inst = NodeKeys.generate(random);
        made.add(inst);
        inst.save(dir.resolve("institutions").resolve("institution-" + (i + 1) + ".json"), passphrase, random);
        if (firstInstitution == null) {
          firstInstitution = inst;
        }
        genesis.add(Entry.sign(new InstitutionRegistration(inst.ledgerKey(), name, fed ? InstitutionClass.A : InstitutionClass.B,
            now, List.of()), params.chainId(), inst.ledgerSecretKey()));
        NodeKeys server = NodeKeys.generate(random);
        made.add(server);
        genesis.add(Entry.sign(new MembershipChange(MembershipChange.Operation.ADD,
            fed ? ParticipantKind.FEDERATION_SERVER : ParticipantKind.AUDIT_SERVER, server.ledgerKey(),
            Optional.of(io.medledger.access.ParticipantId.of(inst.ledgerKey())), now, List.of()),
            params.chainId(), server.ledgerSecretKey()));
        genesis.add(publication(server, params, now)); // every genesis entry at the block's time: sealing keys takes a while
        servers.add(server);
        roles.add(fed ? ServerRole.FEDERATION : ServerRole.AUDIT);
      }
      for (int i = 0; i < o.storage(); i++) {
        NodeKeys s = NodeKeys.generate(random);
        made.add(s);
        genesis.add(Entry.sign(new AffiliateRegistration(s.ledgerKey(), ParticipantKind.STORAGE_NODE,
            io.medledger.access.ParticipantId.of(firstInstitution.ledgerKey()), now, List.of()), params.chainId(),
            firstInstitution.ledgerSecretKey(), s.ledgerSecretKey()));
        servers.add(s);
        roles.add(ServerRole.STORAGE);
      }
      genesis.addAll(extraGenesis);
      CertifiedBlock g = genesisBlock(params, o.consensus().protocol(), servers.get(0).ledgerSecretKey(), now, genesis);

      NodeKeys client = NodeKeys.generate(random);
      made.add(client);
      Path clientKeys = dir.resolve("client-keys.json");
      client.save(clientKeys, passphrase, random);
      List<Path> nodeDirs = new ArrayList<>();
      List<ClientConfig.NodeEndpointConfig> endpoints = new ArrayList<>();
      for (int i = 0; i < n; i++) {
        Path nd = dir.resolve("node-" + (i + 1));
        OwnerOnly.createDirectories(nd);
        servers.get(i).save(nd.resolve("data").resolve(NodeKeys.FILE_NAME), passphrase, random);
        OwnerOnly.write(nd.resolve("genesis.block"), g.encode(), false);
        List<NodeConfig.PeerConfig> peers = new ArrayList<>();
        for (int j = 0; j < n; j++) {
          if (j != i) {
            peers.add(new NodeConfig.PeerConfig(servers.get(j).ledgerKey(), addresses.get(j)[0], roles.get(j)));
          }
        }
        NodeConfig c = new NodeConfig(o.chain(), roles.get(i), i < o.federation() + o.audit() ? "institution-" + (i + 1)
            : "institution-1", servers.get(i).ledgerKey(), addresses.get(i)[0], addresses.get(i)[1], peers,
            List.of(client.ledgerKey()), nd.resolve("data"), nd.resolve("genesis.block"), g.header().hash(),
            new NodeConfig.KeySource.File(passFile), o.consensus(), NodeConfig.NodeLimits.defaults());
        if (anchoring.isPresent() && roles.get(i) != ServerRole.STORAGE) {
          AnchoringConfig a = anchoring.get();
          c = c.withAnchoring(Optional.of(new AnchoringConfig(a.rpcUrl(), a.auth(), a.network(),
              roles.get(i) == ServerRole.FEDERATION ? a.walletKeyFile() : Optional.empty(), a.policy(),
              a.fallbackFeeRate(), a.takeoverAfter(), a.pollInterval(), a.rpcTimeout())));
        }
        OwnerOnly.write(nd.resolve("node.json"), c.toJson(nd).getBytes(StandardCharsets.UTF_8), false);
        nodeDirs.add(nd);
        if (roles.get(i) != ServerRole.STORAGE) {
          endpoints.add(new ClientConfig.NodeEndpointConfig(servers.get(i).ledgerKey(), addresses.get(i)[1], roles.get(i)));
        }
      }
      ClientConfig cc = new ClientConfig(o.chain(), clientKeys, new NodeConfig.KeySource.File(passFile), endpoints);
      Path clientFile = dir.resolve("client.json");
      OwnerOnly.write(clientFile, cc.toJson(dir).getBytes(StandardCharsets.UTF_8), false);
      java.util.Arrays.fill(passphrase, '\0');
      return new Layout(dir, nodeDirs, clientFile, passFile, regtestDir);
    } catch (IOException e) {
      throw new UncheckedIOException("writing the testnet in " + dir + ": " + e.getMessage(), e);
    } finally {
      made.forEach(NodeKeys::destroy);
    }
  }

  /** Writes {@code ascii} and a newline to the new owner-only file {@code file}, through no {@code String}. */
  private static void writeSecretLine(Path file, char[] ascii) throws IOException {
    byte[] line = new byte[ascii.length + 1];
    for (int i = 0; i < ascii.length; i++) {
      line[i] = (byte) ascii[i];
    }
    line[ascii.length] = '\n';
    try {
      OwnerOnly.write(file, line, false);
    } finally {
      java.util.Arrays.fill(line, (byte) 0);
    }
  }

  /** Coins of the anchoring wallet that the stand-in funds, and their value in satoshis. */
  static final int WALLET_COINS = 20;
  static final long WALLET_COIN_SATS = 1_000_000;

  /**
   * Writes the stand-in's {@code regtest/regtest.json} and the wallet key, and returns the
   * anchoring section of a federation server (with the wallet key).
   */
  private static AnchoringConfig regtest(Path dir, PeerAddress rpc, SecureRandom random) throws IOException {
    Path rd = dir.resolve("regtest");
    OwnerOnly.createDirectories(rd);
    Path keyDir = dir.resolve("anchoring");
    OwnerOnly.createDirectories(keyDir);
    BitcoinPrivateKey wallet = BitcoinPrivateKey.generate(Network.REGTEST, random);
    Path wif = keyDir.resolve("wallet.wif");
    char[] text = wallet.exportSecretWif();
    try {
      writeSecretLine(wif, text);
    } finally {
      java.util.Arrays.fill(text, '\0');
      wallet.destroy(); // only its public key is needed from here on
    }
    Address address = Address.fromScript(wallet.publicKey().p2wpkhScript(), Network.REGTEST);
    String json = io.medledger.internal.Json.write(true, g -> {
      g.writeStartObject();
      g.writeStringField("listen", rpc.toString());
      g.writeStringField("cookie_file", ".cookie");
      g.writeArrayFieldStart("fund");
      g.writeStartObject();
      g.writeStringField("address", address.toString());
      g.writeNumberField("coins", WALLET_COINS);
      g.writeNumberField("sats", WALLET_COIN_SATS);
      g.writeEndObject();
      g.writeEndArray();
      g.writeEndObject();
    });
    OwnerOnly.write(rd.resolve("regtest.json"), (json + "\n").getBytes(StandardCharsets.UTF_8), false);
    // a demo policy: anchor after every block of records, one confirmation, quick turns and polls
    AnchorPolicy policy = new AnchorPolicy(1, java.time.Duration.ofSeconds(2), 1, java.time.Duration.ofSeconds(30),
        java.time.Duration.ofSeconds(5), 1.5, 50);
    return new AnchoringConfig(java.net.URI.create("http://" + rpc + "/"), new AnchoringConfig.RpcAuth.Cookie(
        rd.resolve(".cookie")), Network.REGTEST, Optional.of(wif), policy, 2, java.time.Duration.ofSeconds(6),
        java.time.Duration.ofMillis(250), java.time.Duration.ofSeconds(2));
  }

  /** The key publication of {@code k}, self-signed, made now. */
  static KeyPublication publication(NodeKeys k, ChainParameters params) {
    return publication(k, params, System.currentTimeMillis());
  }

  /** The key publication of {@code k}, self-signed, made at {@code createdAt} (epoch milliseconds). */
  static KeyPublication publication(NodeKeys k, ChainParameters params, long createdAt) {
    return Entry.sign(new KeyPublication(io.medledger.access.ParticipantId.of(k.ledgerKey()),
        ByteString.of(k.encryptionSecretKey().publicKey().toBytes()),
        ByteString.of(k.fragmentSigningSecretKey().publicKey().toBytes()), createdAt, List.of()),
        params.chainId(), k.ledgerSecretKey());
  }

  /** The genesis block of {@code entries}, proposed by {@code bookkeeper}, certified by nobody (height 0 needs none). */
  static CertifiedBlock genesisBlock(ChainParameters params, String protocol, Ed25519PrivateKey bookkeeper, long now,
      List<Entry> entries) {
    try (Ledger l = Ledger.builder(params).store(new InMemoryBlockStore())
        .certificatePolicy(LedgerApp.certificatePolicy(protocol)).open()) {
      ValidationResult<BlockCandidate> c = l.propose(io.medledger.access.ParticipantId.of(bookkeeper.publicKey()), 0,
          ByteString.EMPTY, now, entries);
      if (!c.isAccepted() || !c.value().rejected().isEmpty()) {
        throw new IllegalStateException("genesis does not validate: "
            + (c.isAccepted() ? c.value().rejected().get(0).reason() : c.reason()));
      }
      return new CertifiedBlock(c.value().block().block(), Certificate.EMPTY);
    }
  }

  /** Two addresses per node: fixed from {@code base}, or free loopback ports probed now. */
  private static List<PeerAddress[]> ports(int n, int base) throws IOException {
    List<PeerAddress[]> out = new ArrayList<>();
    if (base != 0) {
      for (int i = 0; i < n; i++) {
        out.add(new PeerAddress[] {new PeerAddress("127.0.0.1", base + 2 * i), new PeerAddress("127.0.0.1", base + 2 * i + 1)});
      }
      return out;
    }
    List<ServerSocket> held = new ArrayList<>();
    try {
      for (int i = 0; i < n; i++) {
        PeerAddress[] a = new PeerAddress[2];
        for (int k = 0; k < 2; k++) {
          ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress());
          held.add(s);
          a[k] = new PeerAddress("127.0.0.1", s.getLocalPort());
        }
        out.add(a);
      }
    } finally {
      for (ServerSocket s : held) {
        s.close();
      }
    }
    return out;
  }
}
