package io.medledger.cli;

import io.medledger.chain.BlockHeader;
import io.medledger.chain.CertificatePolicy;
import io.medledger.chain.ChainParameters;
import io.medledger.chain.Ledger;
import io.medledger.chain.LedgerReplayException;
import io.medledger.chain.Membership;
import io.medledger.chain.ValidationResult;
import io.medledger.codec.MalformedEncodingException;
import io.medledger.crypto.Digest;
import io.medledger.consensus.LedgerApp;
import io.medledger.consensus.Protocols;
import io.medledger.internal.Json;
import io.medledger.internal.ScratchStores;
import io.medledger.storage.FileBlockStore;
import io.medledger.storage.StateStore;
import io.medledger.storage.StoreException;
import io.medledger.tlog.TileLog;
import java.io.InputStream;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * {@code medledger chain verify --store DIR --chain NAME [--consensus PROTOCOL | --any-certificate]}
 * replays a block store, opened read-only (a torn tail is reported, not cut), with every check
 * (signatures and certificates included: the audit quorum's signatures, or with {@code --consensus}
 * the protocol's precommit quorum; a block after genesis that no audit server is there to sign is
 * refused unless {@code --any-certificate}) and prints the genesis and the tip; with {@code --genesis
 * HASH} a store grown from another genesis block (the chain id is only a hash of the name) is
 * refused; a store without any block is an error, not a valid chain; {@code --registrars-from H}
 * is the chain's {@link ChainParameters#registrarsFrom()} (default 0: every patient registration
 * needs a registrar's countersignature), {@code --reused-keys-from H} its
 * {@link ChainParameters#reusedKeysFrom()} (default 0: the rules on reused keys bind from genesis);
 * {@code --registrations-per-registrar K} and
 * {@code --registration-bound-from H} are the chain's
 * {@link ChainParameters#registrationsPerRegistrar()} (default 64) and
 * {@link ChainParameters#registrationBoundFrom()} (default 0);
 * {@code medledger chain block --store DIR --chain NAME --height H} prints one certified block as
 * JSON. Both replay with the state in RocksDB and the ledger-wide log in tiles, in a fresh
 * owner-only directory under {@code java.io.tmpdir} (or {@code --scratch DIR}) deleted when they
 * end, so the heap does not grow with the chain. Thread-safe: each run opens stores and a scratch
 * directory of its own.
 */
final class ChainCommand implements Command {
  /** Run once the stored chain is replayed, before the verdict (a test's look at the heap). */
  private final Runnable afterReplay;

  /** The command as {@code medledger chain} runs it. */
  ChainCommand() {
    this(() -> { });
  }

  /** The command, calling {@code afterReplay} once a store is replayed (tests). */
  ChainCommand(Runnable afterReplay) {
    this.afterReplay = java.util.Objects.requireNonNull(afterReplay, "afterReplay");
  }

  @Override
  public int run(String[] args, InputStream in, PrintStream out, PrintStream err) throws Exception {
    if (args.length == 0) {
      throw new CliException("usage: medledger chain verify --store DIR --chain NAME [--genesis HASH]"
          + " [--consensus rotating-audit|bft|solo | --any-certificate] [--registrars-from H]"
          + " [--reused-keys-from H]"
          + " [--registrations-per-registrar K] [--registration-bound-from H] [--scratch DIR]"
          + " | block --store DIR --chain NAME --height H | contains --dir NODE_DIR --ids FILE");
    }
    String sub = args[0];
    if (sub.equals("contains")) {
      return ContainsSupport.run(args, out, err);
    }
    if (!sub.equals("verify") && !sub.equals("block")) {
      throw new CliException("unknown chain subcommand '" + sub + "'; use verify, block or contains");
    }
    Args a = Args.parse(args, 1, "any-certificate");
    Path dir = Path.of(a.required("store"));
    String name = a.required("chain");
    boolean anyCertificate = a.flag("any-certificate");
    String consensus = a.optional("consensus");
    String genesisArg = a.optional("genesis");
    long height = sub.equals("block") ? a.requiredLong("height") : -1;
    long registrarsFrom = a.optionalLong("registrars-from", 0);
    long reusedKeysFrom = a.optionalLong("reused-keys-from", 0);
    long perRegistrar = a.optionalLong("registrations-per-registrar", ChainParameters.DEFAULT_REGISTRATIONS_PER_REGISTRAR);
    long boundFrom = a.optionalLong("registration-bound-from", 0);
    String scratchArg = a.optional("scratch");
    a.rejectUnknown();
    if (registrarsFrom < 0 || boundFrom < 0) {
      throw new CliException("--" + (registrarsFrom < 0 ? "registrars-from" : "registration-bound-from")
          + " must be a block height, 0 or more");
    }
    if (perRegistrar < 1 || perRegistrar > io.medledger.chain.Limits.MAX_BLOCK_ENTRIES) {
      throw new CliException("--registrations-per-registrar must be 1 to " + io.medledger.chain.Limits.MAX_BLOCK_ENTRIES);
    }
    if (reusedKeysFrom < 0) {
      throw new CliException("--reused-keys-from must be a block height, 0 or more");
    }
    if (consensus != null && (anyCertificate || !Protocols.names().contains(consensus))) {
      throw new CliException("--consensus must be one of " + Protocols.names() + ", without --any-certificate");
    }
    Digest genesis;
    try {
      genesis = genesisArg == null ? null : Digest.fromHex(genesisArg);
    } catch (IllegalArgumentException | MalformedEncodingException e) {
      throw new CliException("--genesis must be a block hash of 64 hex digits");
    }
    if (!Files.isDirectory(dir)) {
      throw new CliException("no block store directory " + dir);
    }
    Path scratch = Path.of(scratchArg != null ? scratchArg : System.getProperty("java.io.tmpdir"));
    if (!Files.isDirectory(scratch)) {
      throw new CliException("no scratch directory " + scratch + " (--scratch DIR, default java.io.tmpdir)");
    }
    ChainParameters params = ChainParameters.defaults(name).withRegistrarsFrom(registrarsFrom)
        .withReusedKeysFrom(reusedKeysFrom)
        .withRegistrationBound((int) perRegistrar, boundFrom);
    Ledger.Builder b = Ledger.builder(params)
        .certificatePolicy(anyCertificate ? CertificatePolicy.acceptAny()
            : consensus != null ? LedgerApp.certificatePolicy(consensus) : audited())
        .replay(sub.equals("verify") ? Ledger.ReplayMode.FULL : Ledger.ReplayMode.SKIP_SIGNATURES);
    FileBlockStore store;
    try {
      store = FileBlockStore.openReadOnly(dir);
    } catch (StoreException e) {
      err.println("invalid chain: " + e.getMessage());
      return 1;
    }
    if (store.size() == 0) { // a mistyped or fresh directory: nothing was verified, so no verdict
      store.close();
      throw new CliException("no block in the block store " + dir + " (not even a genesis block)");
    }
    Path work;
    try {
      work = ScratchStores.create(scratch);
    } catch (StoreException e) {
      store.close();
      throw e;
    }
    try {
      return replayed(sub, b, store, work, genesis, height, params, err, out);
    } finally {
      ScratchStores.delete(work, null);
    }
  }

  /**
   * Replays {@code store} into a ledger whose state (RocksDB) and ledger-wide log (tiles) are in
   * the scratch directory {@code work}, so the heap does not grow with the chain, then checks the
   * genesis and prints the verdict or the block asked for; returns the exit code.
   */
  private int replayed(String sub, Ledger.Builder b, FileBlockStore store, Path work, Digest genesis, long height,
      ChainParameters params, PrintStream err, PrintStream out) {
    Ledger ledger;
    AutoCloseable[] opened = {store, null, null};
    try {
      TileLog log = TileLog.open(work.resolve("log"));
      opened[1] = log;
      StateStore state = ScratchStores.stateStore(work.resolve("state"));
      opened[2] = state;
    } catch (RuntimeException e) {
      closeAll(opened, e);
      throw e;
    }
    try {
      // from open() on the ledger owns the stores: it closes them if opening fails
      ledger = b.store(store).log((TileLog) opened[1]).state((StateStore) opened[2]).open();
    } catch (LedgerReplayException | StoreException e) {
      err.println("invalid chain: " + e.getMessage());
      return 1;
    }
    long torn = store.droppedTailBytes();
    if (torn > 0) {
      err.println("warning: torn tail of " + torn + " bytes after block " + (store.size() - 1)
          + " left in place (a crash during an append; the next read-write open cuts it)");
    }
    try (ledger) {
      afterReplay.run();
      Digest first = ledger.height() < 0 ? null : ledger.block(0).header().hash();
      if (genesis != null && !genesis.equals(first)) {
        err.println("invalid chain: the genesis block is " + (first == null ? "missing" : first.toHex())
            + ", not the " + genesis.toHex() + " given");
        return 1;
      }
      if (sub.equals("block")) {
        if (height < 0 || height > ledger.height()) {
          throw new CliException("--height must be in 0.." + ledger.height() + ", got " + height);
        }
        out.println(ledger.block(height).toJson());
        return 0;
      }
      Membership m = ledger.membership();
      BlockHeader tip = ledger.tip().orElse(null);
      out.println(Json.write(false, g -> {
        g.writeStartObject();
        g.writeStringField("chainId", params.chainId().toHex());
        g.writeStringField("genesis", first == null ? null : first.toHex());
        g.writeNumberField("height", ledger.height());
        g.writeStringField("tip", tip == null ? null : tip.hash().toHex());
        g.writeNumberField("ledgerSize", tip == null ? 0 : tip.ledgerSize());
        g.writeStringField("ledgerRoot", tip == null ? null : tip.ledgerRoot().toHex());
        g.writeNumberField("federationServers", m.federationServers().size());
        g.writeNumberField("auditServers", m.auditServers().size());
        g.writeNumberField("tornTailBytes", torn);
        g.writeEndObject();
      }));
      return 0;
    }
  }

  /**
   * The audit quorum, refusing a block after genesis whose parent membership has no audit server:
   * {@link CertificatePolicy#auditQuorum()} accepts any certificate then, so a verifier would call
   * a chain that no one certified valid.
   */
  private static CertificatePolicy audited() {
    CertificatePolicy quorum = CertificatePolicy.auditQuorum();
    return (h, c, m) -> h.height() > 0 && m.auditServers().isEmpty()
        ? ValidationResult.rejected("no audit server is there to certify block " + h.height()
            + " (for a chain certified by a consensus protocol pass --consensus PROTOCOL; --any-certificate accepts"
            + " blocks nobody certified)")
        : quorum.check(h, c, m);
  }

  /** Closes what is not null in {@code opened}, keeping a failure as suppressed by {@code failure}. */
  private static void closeAll(AutoCloseable[] opened, RuntimeException failure) {
    for (AutoCloseable c : opened) {
      if (c != null) {
        try {
          c.close();
        } catch (Exception e) {
          failure.addSuppressed(e);
        }
      }
    }
  }
}
