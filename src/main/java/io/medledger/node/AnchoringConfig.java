package io.medledger.node;

import com.fasterxml.jackson.core.JsonGenerator;
import io.medledger.anchor.AnchorPolicy;
import io.medledger.anchor.bitcoin.BitcoinRpcClient;
import io.medledger.anchor.bitcoin.Network;
import io.medledger.internal.node.ConfigObject;
import java.io.IOException;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Objects;
import java.util.Optional;

/**
 * The {@code anchoring} section of a node's configuration: the Bitcoin Core JSON-RPC endpoint, how
 * to authenticate to it, the anchoring wallet's key and the anchoring policy (reference:
 * {@code docs/deployment.md}). Secrets are never in the JSON: the RPC password, the cookie and the
 * wallet key are read from owner-only files when the node starts. Immutable; validated at
 * construction.
 *
 * @param rpcUrl the node's RPC endpoint ({@code http://127.0.0.1:8332/}, or a wallet endpoint
 *     {@code .../wallet/<name>} whose wallet watches the anchoring address)
 * @param auth how to authenticate to it
 * @param network the Bitcoin network the key and the addresses belong to: {@link Network#MAINNET}
 *     or {@link Network#REGTEST}, the two whose proof-of-work rules receipts are checked under
 *     (testnet's minimum-difficulty rule is not modelled); the Bitcoin node must report the same
 *     chain, or the service anchors nothing
 * @param walletKeyFile the file whose first line is the anchoring wallet's key in WIF (federation
 *     servers; other roles only serve receipts and need none)
 * @param policy when to anchor, confirmations, fee bumps and the highest fee rate
 * @param fallbackFeeRate the fee rate (sat/vB) used while the node has no estimate
 * @param takeoverAfter how long a server's turn lasts without a new anchor on the ledger before
 *     the next server takes over
 * @param pollInterval how often the service asks the Bitcoin node
 * @param rpcTimeout the bound of every RPC call
 */
public record AnchoringConfig(URI rpcUrl, RpcAuth auth, Network network, Optional<Path> walletKeyFile,
    AnchorPolicy policy, long fallbackFeeRate, Duration takeoverAfter, Duration pollInterval, Duration rpcTimeout) {

  /** How the service authenticates to Bitcoin Core. */
  public sealed interface RpcAuth {
    /** Core's cookie file ({@code .cookie} in its data directory), re-read on every call. */
    record Cookie(Path file) implements RpcAuth {
      /** Resolves the path. */
      public Cookie {
        file = file.toAbsolutePath().normalize();
      }
    }

    /** {@code rpcuser}/{@code rpcauth}: the user, and a file whose first line is the password. */
    record Password(String user, Path passwordFile) implements RpcAuth {
      /** Checks the user and resolves the path. */
      public Password {
        if (user.isEmpty() || user.length() > 200 || user.indexOf(':') >= 0) {
          throw new IllegalArgumentException("an RPC user is 1..200 characters without ':'");
        }
        passwordFile = passwordFile.toAbsolutePath().normalize();
      }
    }
  }

  /** Validates the fields. */
  public AnchoringConfig {
    Objects.requireNonNull(rpcUrl, "rpcUrl");
    if (!"http".equals(rpcUrl.getScheme()) && !"https".equals(rpcUrl.getScheme()) || rpcUrl.getHost() == null) {
      throw new IllegalArgumentException("the RPC URL must be an http or https URL with a host");
    }
    if (rpcUrl.getUserInfo() != null) {
      throw new IllegalArgumentException("credentials do not belong in the RPC URL; use rpc_cookie_file or rpc_password_file");
    }
    Objects.requireNonNull(auth, "auth");
    Objects.requireNonNull(network, "network");
    if (network == Network.TESTNET) {
      throw new IllegalArgumentException("anchoring runs on main or regtest only: receipts check Bitcoin's proof of work"
          + " under those networks' rules, and testnet's minimum-difficulty rule is not modelled");
    }
    walletKeyFile = walletKeyFile.map(p -> p.toAbsolutePath().normalize());
    Objects.requireNonNull(policy, "policy");
    if (fallbackFeeRate < 1 || fallbackFeeRate > policy.maxFeeRate()) {
      throw new IllegalArgumentException("the fallback fee rate must be between 1 and the maximum fee rate");
    }
    positive(takeoverAfter, "takeoverAfter");
    positive(pollInterval, "pollInterval");
    positive(rpcTimeout, "rpcTimeout");
  }

  private static void positive(Duration d, String name) {
    if (d == null || d.isNegative() || d.isZero()) {
      throw new IllegalArgumentException(name + " must be positive");
    }
  }

  /**
   * A client of {@link #rpcUrl} with the configured authentication (a password file is read now, a
   * cookie file on every call) and {@link #rpcTimeout} as its connect and request timeouts.
   *
   * @throws NodeException if the password file is missing, unreadable or not owner-only
   */
  public BitcoinRpcClient client() {
    BitcoinRpcClient.Builder b = BitcoinRpcClient.builder(rpcUrl).connectTimeout(rpcTimeout).requestTimeout(rpcTimeout);
    if (auth instanceof RpcAuth.Cookie k) {
      b.cookieFile(k.file());
    } else {
      RpcAuth.Password p = (RpcAuth.Password) auth;
      char[] pw = secretLine(p.passwordFile(), "anchoring.rpc_password_file");
      try {
        b.credentials(p.user(), pw);
      } finally {
        java.util.Arrays.fill(pw, '\0');
      }
    }
    return b.build();
  }

  /** The first line of an owner-only secret file. */
  static char[] secretLine(Path file, String field) {
    try {
      return NodeKeys.passphrase(new NodeConfig.KeySource.File(file));
    } catch (NodeException e) {
      throw new NodeException(NodeException.Reason.CONFIG, "field '" + field + "': "
          + e.getMessage().replace("passphrase file", "file"), e);
    }
  }

  /** Reads the section; relative paths resolve against {@code base}. */
  static AnchoringConfig read(ConfigObject a, Path base) {
    URI url = NodeConfig.field(a, "rpc_url", () -> URI.create(a.string("rpc_url", 2000)));
    RpcAuth auth;
    if (a.has("rpc_cookie_file") == a.has("rpc_user")) {
      throw a.error("rpc_cookie_file", "give exactly one of 'rpc_cookie_file' and 'rpc_user' (with 'rpc_password_file')");
    } else if (a.has("rpc_cookie_file")) {
      auth = new RpcAuth.Cookie(a.path("rpc_cookie_file", 4096, base));
    } else {
      String user = a.string("rpc_user", 200);
      Path pw = a.path("rpc_password_file", 4096, base);
      auth = NodeConfig.field(a, "rpc_user", () -> new RpcAuth.Password(user, pw));
    }
    String net = a.string("network", 20, "main");
    Network network = NodeConfig.field(a, "network", () -> network(net));
    Optional<Path> key = a.has("wallet_key_file") ? Optional.of(a.path("wallet_key_file", 4096, base))
        : Optional.empty();
    AnchorPolicy d = AnchorPolicy.defaults();
    long every = a.integer("every_blocks", 0, 1_000_000_000, d.everyBlocks());
    long interval = a.integer("interval_ms", 0, 365L * 24 * 3_600_000, d.maxInterval().toMillis());
    AnchorPolicy policy = NodeConfig.field(a, "every_blocks", () -> new AnchorPolicy(every,
        interval == 0 ? null : Duration.ofMillis(interval),
        (int) a.integer("confirmations", 1, 1000, d.confirmationsRequired()),
        Duration.ofMillis(a.integer("bump_after_ms", 1, 30L * 24 * 3_600_000, d.bumpAfter().toMillis())),
        Duration.ofMillis(a.integer("rebroadcast_after_ms", 1, 30L * 24 * 3_600_000, d.rebroadcastAfter().toMillis())),
        a.integer("fee_bump_percent", 110, 1000, Math.round(d.feeBumpFactor() * 100)) / 100.0,
        a.integer("max_fee_rate", 1, 100_000, d.maxFeeRate())));
    long fallback = a.integer("fee_rate", 1, 100_000, 2);
    Duration takeover = Duration.ofMillis(a.integer("takeover_after_ms", 1, 30L * 24 * 3_600_000, 3 * 3_600_000L));
    Duration poll = Duration.ofMillis(a.integer("poll_ms", 10, 3_600_000, 10_000));
    Duration timeout = Duration.ofMillis(a.integer("rpc_timeout_ms", 100, 600_000, 30_000));
    a.finish();
    return NodeConfig.field(a, "rpc_url", () -> new AnchoringConfig(url, auth, network, key, policy, fallback, takeover, poll,
        timeout));
  }

  private static Network network(String label) {
    return switch (label) {
      case "main" -> Network.MAINNET;
      case "regtest" -> Network.REGTEST;
      case "test", "testnet4", "signet" -> throw new IllegalArgumentException("must be main or regtest: receipts check"
          + " Bitcoin's proof of work under those networks' rules, and testnet's minimum-difficulty rule is not modelled");
      default -> throw new IllegalArgumentException("must be main or regtest");
    };
  }

  /** The chain name Bitcoin Core's {@code getblockchaininfo} reports for this configuration's network. */
  String chainName() {
    return network == Network.MAINNET ? "main" : "regtest";
  }

  /** Writes the section, with paths relative to {@code base} where they lie under it. */
  void write(JsonGenerator g, Path base) throws IOException {
    g.writeStartObject();
    g.writeStringField("rpc_url", rpcUrl.toString());
    if (auth instanceof RpcAuth.Cookie c) {
      g.writeStringField("rpc_cookie_file", NodeConfig.relative(base, c.file()));
    } else {
      RpcAuth.Password p = (RpcAuth.Password) auth;
      g.writeStringField("rpc_user", p.user());
      g.writeStringField("rpc_password_file", NodeConfig.relative(base, p.passwordFile()));
    }
    g.writeStringField("network", chainName());
    if (walletKeyFile.isPresent()) {
      g.writeStringField("wallet_key_file", NodeConfig.relative(base, walletKeyFile.get()));
    }
    g.writeNumberField("every_blocks", policy.everyBlocks());
    g.writeNumberField("interval_ms", policy.maxInterval() == null ? 0 : policy.maxInterval().toMillis());
    g.writeNumberField("confirmations", policy.confirmationsRequired());
    g.writeNumberField("bump_after_ms", policy.bumpAfter().toMillis());
    g.writeNumberField("rebroadcast_after_ms", policy.rebroadcastAfter().toMillis());
    g.writeNumberField("fee_bump_percent", Math.round(policy.feeBumpFactor() * 100));
    g.writeNumberField("max_fee_rate", policy.maxFeeRate());
    g.writeNumberField("fee_rate", fallbackFeeRate);
    g.writeNumberField("takeover_after_ms", takeoverAfter.toMillis());
    g.writeNumberField("poll_ms", pollInterval.toMillis());
    g.writeNumberField("rpc_timeout_ms", rpcTimeout.toMillis());
    g.writeEndObject();
  }
}
