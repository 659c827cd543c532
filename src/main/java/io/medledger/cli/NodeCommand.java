package io.medledger.cli;

import io.medledger.internal.Json;
import io.medledger.node.DataDirectory;
import io.medledger.node.Node;
import io.medledger.node.NodeClient;
import io.medledger.node.NodeConfig;
import io.medledger.node.NodeKeys;
import io.medledger.node.NodeMetrics;
import io.medledger.node.NodeStatus;
import io.medledger.node.PeerAddress;
import io.medledger.node.TlsIdentity;
import io.medledger.node.JfrNodeMetrics;
import java.io.InputStream;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Optional;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * {@code medledger node run --dir D/node-N} runs a node until SIGTERM or SIGINT, then shuts it down
 * cleanly; {@code medledger node status --dir D/node-N} prints one JSON object with {@code height},
 * {@code tip}, {@code entries}, {@code role} and {@code peers_connected}, from the running node
 * (asked over its client endpoint with the node's own key) or from a stopped node's data directory;
 * {@code medledger node new-key --from D/node-N --dir NEW} makes the node directory of a new key
 * for that server (key rotation).
 */
final class NodeCommand implements Command {
  @Override
  public int run(String[] args, InputStream in, PrintStream out, PrintStream err) throws Exception {
    if (args.length == 0 || !(args[0].equals("run") || args[0].equals("status") || args[0].equals("new-key"))) {
      throw new CliException("usage: medledger node run --dir DIR | node status --dir DIR"
          + " | node new-key --from DIR --dir NEW_DIR [--listen HOST:PORT] [--client-listen HOST:PORT]");
    }
    Args a = Args.parse(args, 1);
    if (args[0].equals("new-key")) {
      return newKey(a, out);
    }
    Path dir = Path.of(a.required("dir"));
    a.rejectUnknown();
    NodeConfig config = config(dir);
    return args[0].equals("run") ? runNode(config, out) : status(config, out);
  }

  /** The configuration {@code dir/node.json}. */
  static NodeConfig config(Path dir) {
    Path f = dir.resolve("node.json");
    if (!Files.isRegularFile(f)) {
      throw new CliException("no node configuration " + f);
    }
    return NodeConfig.read(f);
  }

  /**
   * {@code node new-key}: the node directory of a new key for the server of {@code --from} (key
   * rotation): a fresh key store sealed under the passphrase the old configuration names, a copy of
   * the genesis block, and the old configuration with the new {@code ledger_key}, the new
   * directory's data directory and genesis, and the listen addresses given (by default the old
   * ones). The new directory must not exist or be empty; nothing is written over.
   */
  private static int newKey(Args a, PrintStream out) throws java.io.IOException {
    Path from = Path.of(a.required("from"));
    Path to = Path.of(a.required("dir"));
    String listen = a.optional("listen");
    String clientListen = a.optional("client-listen");
    a.rejectUnknown();
    NodeConfig old = config(from);
    if (Files.exists(to, java.nio.file.LinkOption.NOFOLLOW_LINKS)) {
      if (!Files.isDirectory(to, java.nio.file.LinkOption.NOFOLLOW_LINKS)) {
        throw new CliException(to + " exists and is not a directory");
      }
      try (java.util.stream.Stream<Path> in = Files.list(to)) {
        if (in.findAny().isPresent()) {
          throw new CliException("directory " + to + " is not empty; a new key's node directory must be new");
        }
      }
    }
    PeerAddress peerAt = listen == null ? old.listen() : address(listen, "--listen");
    PeerAddress clientAt = clientListen == null ? old.clientListen() : address(clientListen, "--client-listen");
    char[] pass = NodeKeys.passphrase(old.keySource());
    NodeKeys keys = NodeKeys.generate(new java.security.SecureRandom());
    try {
      io.medledger.internal.node.OwnerOnly.createDirectories(to);
      keys.save(to.resolve("data").resolve(NodeKeys.FILE_NAME), pass, new java.security.SecureRandom());
      Path genesis = to.resolve("genesis.block");
      io.medledger.internal.node.OwnerOnly.write(genesis, CliFiles.read(CliFiles.regularFile(old.genesis().toString(),
          "genesis block"), GENESIS_MAX_BYTES), false);
      NodeConfig c = new NodeConfig(old.chain(), old.role(), old.institution(), keys.ledgerKey(), peerAt, clientAt,
          old.peers(), old.clients(), to.resolve("data"), genesis, old.genesisHash(), old.keySource(), old.consensus(),
          old.limits(), old.tiles(), old.storage(), old.anchoring());
      io.medledger.internal.node.OwnerOnly.write(to.resolve("node.json"),
          c.toJson(to).getBytes(java.nio.charset.StandardCharsets.UTF_8), false);
      out.println(Json.write(false, g -> {
        g.writeStartObject();
        g.writeStringField("dir", to.toString());
        g.writeStringField("role", c.role().label());
        g.writeStringField("ledger_key", c.ledgerKey().toHex());
        g.writeStringField("listen", peerAt.toString());
        g.writeStringField("client_listen", clientAt.toString());
        g.writeEndObject();
      }));
      return 0;
    } finally {
      keys.destroy();
      Arrays.fill(pass, '\0');
    }
  }

  /** Largest genesis block {@code node new-key} copies. */
  private static final long GENESIS_MAX_BYTES = 64L << 20;

  private static PeerAddress address(String text, String option) {
    try {
      return PeerAddress.parse(text);
    } catch (RuntimeException e) {
      throw new CliException(option + " '" + text + "': " + e.getMessage());
    }
  }

  private static int runNode(NodeConfig config, PrintStream out) throws InterruptedException {
    Node node = Node.start(config, JfrNodeMetrics.create());
    CountDownLatch stopped = new CountDownLatch(1);
    Thread hook = new Thread(() -> {
      node.close();
      stopped.countDown();
    }, "medledger-shutdown");
    Runtime.getRuntime().addShutdownHook(hook);
    NodeStatus s = node.status();
    out.println(Json.write(false, g -> {
      g.writeStartObject();
      g.writeStringField("event", "started");
      g.writeStringField("role", s.role().label());
      g.writeStringField("ledger_key", s.ledgerKey());
      g.writeStringField("listen", node.peerAddress().toString());
      g.writeStringField("client_listen", node.clientAddress().map(Object::toString).orElse(""));
      g.writeNumberField("height", s.height());
      g.writeEndObject();
    }));
    out.flush();
    while (!stopped.await(1, TimeUnit.SECONDS)) {
      if (!node.isRunning()) {
        System.err.println("medledger: consensus stopped on this node; restart it from its data directory");
        Runtime.getRuntime().removeShutdownHook(hook);
        node.close();
        return 2;
      }
    }
    return 0;
  }

  private static int status(NodeConfig config, PrintStream out) {
    Optional<NodeStatus> s = DataDirectory.status(config);
    if (s.isPresent()) {
      out.println(s.get().toJson());
      return 0;
    }
    try (NodeClient c = ownClient(config)) {
      out.println(c.status().get(10, TimeUnit.SECONDS));
      return 0;
    } catch (java.util.concurrent.ExecutionException | java.util.concurrent.TimeoutException e) {
      throw new CliException("the running node did not answer: " + e.getMessage());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new CliException("interrupted");
    }
  }

  /**
   * A client of the running node {@code config} describes, authenticated with the node's own key.
   * The key signs the client's TLS certificate while connecting; the keys opened for it are
   * destroyed before this returns or throws.
   */
  static NodeClient ownClient(NodeConfig config) {
    try (OpenedKeys opened = new OpenedKeys()) {
      NodeKeys keys = ownKeys(config, opened);
      return NodeClient.connect(config.clientListen(), keys.ledgerKey(), TlsIdentity.of(keys.ledgerSecretKey()));
    }
  }

  /**
   * Opens the key store of the node {@code config} describes, with the passphrase its configuration
   * names (wiped once the store is open), into {@code opened}, which destroys the keys.
   */
  static NodeKeys ownKeys(NodeConfig config, OpenedKeys opened) {
    char[] pass = NodeKeys.passphrase(config.keySource());
    try {
      return opened.open(config.dataDirectory().resolve(NodeKeys.FILE_NAME), pass);
    } finally {
      Arrays.fill(pass, '\0');
    }
  }
}
