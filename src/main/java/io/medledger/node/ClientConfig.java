package io.medledger.node;

import io.medledger.codec.MalformedEncodingException;
import io.medledger.crypto.Digest;
import io.medledger.crypto.Ed25519PublicKey;
import io.medledger.internal.Json;
import io.medledger.internal.node.ConfigObject;
import java.nio.file.Path;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * A client's configuration ({@code client.json}): the chain, the client's key store and the
 * source of its passphrase, the nodes' client endpoints with their ledger keys, and the chain rules
 * a client cannot learn from the nodes without trusting them (the registrar rule's activation
 * height, the per-registrar bound and its height), and optionally a block it pins and where it keeps
 * the headers read back from it. Unknown fields are errors; a bad value names the field. Immutable.
 *
 * @param chain the chain name
 * @param keyStore the client's key store (its ledger key authenticates it to nodes)
 * @param keySource where the key store's passphrase comes from
 * @param nodes the nodes to talk to
 * @param registrarsFrom the chain's {@link io.medledger.chain.ChainParameters#registrarsFrom()}
 *     (field {@code registrars_from}, default 0, as the nodes' {@code consensus.registrars_from}),
 *     which an auditor's chain check over these nodes applies
 * @param reusedKeysFrom the chain's {@link io.medledger.chain.ChainParameters#reusedKeysFrom()}
 *     (field {@code reused_keys_from}, default 0, as the nodes' {@code consensus.reused_keys_from}),
 *     which an auditor's chain check over these nodes applies
 * @param registrationsPerRegistrar the chain's
 *     {@link io.medledger.chain.ChainParameters#registrationsPerRegistrar()} (field
 *     {@code registrations_per_registrar}, default 64, as the nodes' setting of that name)
 * @param registrationBoundFrom the chain's
 *     {@link io.medledger.chain.ChainParameters#registrationBoundFrom()} (field
 *     {@code registration_bound_from}, default 0, as the nodes' setting of that name)
 * @param trustedBlock the block the client pins (field {@code trusted_block}, optional): it refuses a
 *     chain whose block at that height has another hash, and follows the membership below it only
 *     along that block's ancestors
 * @param headerCache where a pinned client keeps the headers it read back between connections
 *     (field {@code header_cache}, optional, a directory; see
 *     {@link RemoteConnection.Builder#headerCache})
 */
public record ClientConfig(String chain, Path keyStore, NodeConfig.KeySource keySource, List<NodeEndpointConfig> nodes,
    long registrarsFrom, long reusedKeysFrom, int registrationsPerRegistrar, long registrationBoundFrom,
    Optional<TrustedBlock> trustedBlock, Optional<Path> headerCache) {
  /** Largest client configuration accepted. */
  public static final int MAX_FILE_BYTES = 1 << 20;

  /** One node's client endpoint. @param key its ledger key @param address its client address @param role its role */
  public record NodeEndpointConfig(Ed25519PublicKey key, PeerAddress address, ServerRole role) {
    /** Checks for nulls. */
    public NodeEndpointConfig {
      Objects.requireNonNull(key, "key");
      Objects.requireNonNull(address, "address");
      Objects.requireNonNull(role, "role");
    }
  }

  /**
   * A block the operator trusts, taken from a node they trust ({@code node status} prints its
   * {@code height} and {@code tip}): the client refuses a chain that has another block at that
   * height, and takes the membership changes below it only from that block's ancestors (a defence
   * against servers removed long ago certifying another history). Immutable.
   *
   * @param height the block's height, 1 to {@value #MAX_HEIGHT}
   * @param hash the block's header hash
   */
  public record TrustedBlock(long height, Digest hash) {
    /** Highest height a client pins: it keeps 32 bytes per block up to it. */
    public static final long MAX_HEIGHT = (Integer.MAX_VALUE - 64) / Digest.LENGTH;

    /** Checks the height. */
    public TrustedBlock {
      Objects.requireNonNull(hash, "hash");
      if (height < 1 || height > MAX_HEIGHT) {
        throw new NodeException(NodeException.Reason.CONFIG, "field 'trusted_block.height': must be 1 to " + MAX_HEIGHT);
      }
    }
  }

  /** Checks the fields. */
  public ClientConfig {
    Objects.requireNonNull(chain, "chain");
    keyStore = keyStore.toAbsolutePath().normalize();
    Objects.requireNonNull(keySource, "keySource");
    nodes = List.copyOf(nodes);
    if (nodes.isEmpty()) {
      throw new NodeException(NodeException.Reason.CONFIG, "field 'nodes': at least one node is needed");
    }
    if (registrarsFrom < 0) {
      throw new NodeException(NodeException.Reason.CONFIG, "field 'registrars_from': must not be negative");
    }
    if (reusedKeysFrom < 0) {
      throw new NodeException(NodeException.Reason.CONFIG, "field 'reused_keys_from': must not be negative");
    }
    if (registrationsPerRegistrar < 1 || registrationsPerRegistrar > io.medledger.chain.Limits.MAX_BLOCK_ENTRIES) {
      throw new NodeException(NodeException.Reason.CONFIG, "field 'registrations_per_registrar': must be 1 to "
          + io.medledger.chain.Limits.MAX_BLOCK_ENTRIES);
    }
    if (registrationBoundFrom < 0) {
      throw new NodeException(NodeException.Reason.CONFIG, "field 'registration_bound_from': must not be negative");
    }
    Objects.requireNonNull(trustedBlock, "trustedBlock");
    headerCache = headerCache.map(p -> p.toAbsolutePath().normalize());
  }

  /** A configuration without a header cache. */
  public ClientConfig(String chain, Path keyStore, NodeConfig.KeySource keySource, List<NodeEndpointConfig> nodes,
      long registrarsFrom, long reusedKeysFrom, int registrationsPerRegistrar, long registrationBoundFrom,
      Optional<TrustedBlock> trustedBlock) {
    this(chain, keyStore, keySource, nodes, registrarsFrom, reusedKeysFrom, registrationsPerRegistrar,
        registrationBoundFrom, trustedBlock, Optional.empty());
  }

  /** A configuration that pins no block. */
  public ClientConfig(String chain, Path keyStore, NodeConfig.KeySource keySource, List<NodeEndpointConfig> nodes,
      long registrarsFrom, long reusedKeysFrom, int registrationsPerRegistrar, long registrationBoundFrom) {
    this(chain, keyStore, keySource, nodes, registrarsFrom, reusedKeysFrom, registrationsPerRegistrar,
        registrationBoundFrom, Optional.empty());
  }

  /** This configuration pinning {@code block}. */
  public ClientConfig withTrustedBlock(TrustedBlock block) {
    return new ClientConfig(chain, keyStore, keySource, nodes, registrarsFrom, reusedKeysFrom, registrationsPerRegistrar,
        registrationBoundFrom, Optional.of(block), headerCache);
  }

  /** This configuration keeping a pinned client's headers in directory {@code dir}. */
  public ClientConfig withHeaderCache(Path dir) {
    return new ClientConfig(chain, keyStore, keySource, nodes, registrarsFrom, reusedKeysFrom, registrationsPerRegistrar,
        registrationBoundFrom, trustedBlock, Optional.of(dir));
  }

  /** A configuration of a chain with the rules on reused keys and the default per-registrar bound from genesis. */
  public ClientConfig(String chain, Path keyStore, NodeConfig.KeySource keySource, List<NodeEndpointConfig> nodes,
      long registrarsFrom) {
    this(chain, keyStore, keySource, nodes, registrarsFrom, 0,
        io.medledger.chain.ChainParameters.DEFAULT_REGISTRATIONS_PER_REGISTRAR, 0);
  }

  /** A configuration of a chain whose registrar rule binds from its genesis ({@code registrarsFrom} 0). */
  public ClientConfig(String chain, Path keyStore, NodeConfig.KeySource keySource, List<NodeEndpointConfig> nodes) {
    this(chain, keyStore, keySource, nodes, 0);
  }

  /**
   * Reads {@code file}.
   *
   * @throws NodeException with reason CONFIG naming the bad field, or if group or others may write
   *     the file (it chooses the node keys the client trusts)
   */
  public static ClientConfig read(Path file) {
    Path base = file.toAbsolutePath().getParent();
    try {
      ConfigObject o = ConfigObject.readTrusted(file, MAX_FILE_BYTES);
      o.integer("version", 1, 1);
      String chain = o.string("chain", 200);
      Path ks = o.path("key_store", 4096, base);
      ConfigObject p = o.object("passphrase");
      NodeConfig.KeySource src;
      if (p.has("env") == p.has("file")) {
        throw o.error("passphrase", "must have exactly one of 'env' and 'file'");
      } else if (p.has("env")) {
        String name = p.string("env", 128);
        try {
          src = new NodeConfig.KeySource.Environment(name);
        } catch (IllegalArgumentException | MalformedEncodingException e) {
          throw p.error("env", e.getMessage());
        }
      } else {
        src = new NodeConfig.KeySource.File(p.path("file", 4096, base));
      }
      p.finish();
      List<NodeEndpointConfig> nodes = o.objects("nodes", NodeConfig.MAX_PEERS).stream().map(n -> {
        NodeEndpointConfig c;
        try {
          c = new NodeEndpointConfig(Ed25519PublicKey.fromHex(n.string("key", 64)), PeerAddress.parse(n.string("address", 300)),
              ServerRole.ofLabel(n.string("role", 20)));
        } catch (ConfigObject.ConfigError e) {
          throw e;
        } catch (IllegalArgumentException | MalformedEncodingException e) {
          throw n.error("key/address/role", e.getMessage());
        }
        n.finish();
        return c;
      }).toList();
      long registrarsFrom = o.integer("registrars_from", 0, Long.MAX_VALUE, 0);
      long reusedKeysFrom = o.integer("reused_keys_from", 0, Long.MAX_VALUE, 0);
      int perRegistrar = (int) o.integer("registrations_per_registrar", 1, io.medledger.chain.Limits.MAX_BLOCK_ENTRIES,
          io.medledger.chain.ChainParameters.DEFAULT_REGISTRATIONS_PER_REGISTRAR);
      long boundFrom = o.integer("registration_bound_from", 0, Long.MAX_VALUE, 0);
      Optional<TrustedBlock> trusted = Optional.empty();
      if (o.has("trusted_block")) {
        ConfigObject t = o.object("trusted_block");
        long height = t.integer("height", 1, TrustedBlock.MAX_HEIGHT);
        Digest hash;
        try {
          hash = Digest.fromHex(t.string("hash", 64));
        } catch (IllegalArgumentException | MalformedEncodingException e) {
          throw t.error("hash", "must be 64 hex characters (a block hash, as `node status` prints its tip)");
        }
        t.finish();
        trusted = Optional.of(new TrustedBlock(height, hash));
      }
      Optional<Path> cache = o.has("header_cache") ? Optional.of(o.path("header_cache", 4096, base)) : Optional.empty();
      o.finish();
      return new ClientConfig(chain, ks, src, nodes, registrarsFrom, reusedKeysFrom, perRegistrar, boundFrom, trusted,
          cache);
    } catch (ConfigObject.ConfigError e) {
      throw new NodeException(NodeException.Reason.CONFIG, "client configuration " + file + ": " + e.getMessage());
    }
  }

  /** This configuration as JSON, paths relative to {@code base} where they lie under it. */
  public String toJson(Path base) {
    Path b = base.toAbsolutePath().normalize();
    return Json.write(true, g -> {
      g.writeStartObject();
      g.writeNumberField("version", 1);
      g.writeStringField("chain", chain);
      g.writeStringField("key_store", keyStore.startsWith(b) ? b.relativize(keyStore).toString() : keyStore.toString());
      g.writeObjectFieldStart("passphrase");
      if (keySource instanceof NodeConfig.KeySource.Environment e) {
        g.writeStringField("env", e.name());
      } else {
        Path f = ((NodeConfig.KeySource.File) keySource).file();
        g.writeStringField("file", f.startsWith(b) ? b.relativize(f).toString() : f.toString());
      }
      g.writeEndObject();
      g.writeArrayFieldStart("nodes");
      for (NodeEndpointConfig n : nodes) {
        g.writeStartObject();
        g.writeStringField("key", n.key().toHex());
        g.writeStringField("address", n.address().toString());
        g.writeStringField("role", n.role().label());
        g.writeEndObject();
      }
      g.writeEndArray();
      if (registrarsFrom != 0) {
        g.writeNumberField("registrars_from", registrarsFrom);
      }
      if (reusedKeysFrom != 0) {
        g.writeNumberField("reused_keys_from", reusedKeysFrom);
      }
      if (registrationsPerRegistrar != io.medledger.chain.ChainParameters.DEFAULT_REGISTRATIONS_PER_REGISTRAR) {
        g.writeNumberField("registrations_per_registrar", registrationsPerRegistrar);
      }
      if (registrationBoundFrom != 0) {
        g.writeNumberField("registration_bound_from", registrationBoundFrom);
      }
      if (trustedBlock.isPresent()) {
        g.writeObjectFieldStart("trusted_block");
        g.writeNumberField("height", trustedBlock.get().height());
        g.writeStringField("hash", trustedBlock.get().hash().toHex());
        g.writeEndObject();
      }
      if (headerCache.isPresent()) {
        Path d = headerCache.get();
        String rel = d.startsWith(b) ? b.relativize(d).toString() : d.toString();
        g.writeStringField("header_cache", rel.isEmpty() ? "." : rel);
      }
      g.writeEndObject();
    }) + "\n";
  }
}
