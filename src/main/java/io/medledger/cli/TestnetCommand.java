package io.medledger.cli;

import io.medledger.codec.MalformedEncodingException;
import io.medledger.internal.Json;
import io.medledger.node.NodeConfig;
import io.medledger.node.Testnet;
import java.io.InputStream;
import java.io.PrintStream;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Duration;

/**
 * {@code medledger testnet --dir D --federation F --audit A --storage S [--base-port P]
 * [--protocol rotating-audit|bft] [--chain NAME] [--batch-delay-ms MS] [--max-block-entries N]
 * [--round-timeout-ms MS] [--no-anchoring]} writes a local multi-process federation: {@code D/node-N} (configuration, key
 * store, genesis), {@code D/client.json} and {@code D/passphrase} (mode 0600), and unless
 * {@code --no-anchoring}, offline Bitcoin anchoring: {@code D/regtest} for the Bitcoin Core stand-in
 * ({@code medledger regtest run --dir D/regtest}), the anchoring wallet's key and an
 * {@code anchoring} section on the federation and audit servers. Prints a JSON summary.
 */
final class TestnetCommand implements Command {
  @Override
  public int run(String[] args, InputStream in, PrintStream out, PrintStream err) {
    Args a = Args.parse(args, 0, "no-anchoring");
    Path dir = Path.of(a.required("dir"));
    int fed = a.requiredInt("federation");
    int audit = a.optionalInt("audit", 0);
    int storage = a.optionalInt("storage", 0);
    int base = a.optionalInt("base-port", 0);
    String protocol = a.optional("protocol");
    String chain = a.optional("chain");
    NodeConfig.ConsensusSettings d = NodeConfig.ConsensusSettings.defaults();
    long delay = a.optionalLong("batch-delay-ms", d.batchDelay().toMillis());
    int entries = a.optionalInt("max-block-entries", d.maxBlockEntries());
    long roundTimeout = a.optionalLong("round-timeout-ms", d.roundTimeout().toMillis());
    boolean anchoring = !a.flag("no-anchoring");
    a.rejectUnknown();
    if (roundTimeout < 10 || roundTimeout > 600_000) { // the range a node configuration accepts
      throw new CliException("--round-timeout-ms must be 10..600000");
    }
    NodeConfig.ConsensusSettings cs;
    try {
      cs = new NodeConfig.ConsensusSettings(protocol == null ? d.protocol() : protocol, Duration.ofMillis(roundTimeout),
          d.retransmitInterval(), entries, d.maxBlockBytes(), Duration.ofMillis(delay), d.maxPendingEntries());
    } catch (IllegalArgumentException | MalformedEncodingException e) {
      throw new CliException("bad consensus option: " + e.getMessage());
    }
    Testnet.Layout l = Testnet.create(dir, new Testnet.Options(chain == null ? "medledger-testnet" : chain, fed, audit,
        storage, base, cs, anchoring), new SecureRandom());
    out.println(Json.write(false, g -> {
      g.writeStartObject();
      g.writeStringField("dir", l.directory().toString());
      g.writeNumberField("nodes", l.nodeDirectories().size());
      g.writeStringField("client", l.clientConfig().toString());
      g.writeStringField("passphrase", l.passphrase().toString());
      if (l.regtest().isPresent()) {
        g.writeStringField("regtest", l.regtest().get().toString());
      }
      g.writeEndObject();
    }));
    return 0;
  }
}
