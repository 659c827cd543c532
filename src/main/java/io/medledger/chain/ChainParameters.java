package io.medledger.chain;

import io.medledger.access.InstitutionClass;
import io.medledger.access.ParticipantKind;
import io.medledger.crypto.Digest;
import io.medledger.crypto.Sha256;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

/**
 * The rules of one chain.
 *
 * <p>Immutable and thread-safe.
 *
 * @param chainId the chain's identifier; entries and votes are signed for it
 * @param maxClockSkew how far a block or entry time may run ahead of the local clock (blocks) or
 *     of the block time (entries)
 * @param serverClasses which institution classes may operate federation and audit servers
 * @param evidencePolicy what two messages signed by one server prove against it
 * @param maxBlockEntries most entries a block may hold
 * @param maxBlockBytes largest encoded block (header and entries), at most
 *     {@link Limits#MAX_BLOCK_BYTES} minus 1 MiB left for the certificate
 * @param registrarsFrom the first block height whose patient registrations must carry a
 *     registrar's endorsement besides the patient's (0: every block); below it a registration
 *     signed by the patient alone is accepted too. A chain begun before the rule existed sets it
 *     above the height it had reached (see {@code docs/deployment.md}, "Upgrading")
 * @param reusedKeysFrom the first block height from which the rules on reused keys bind (0: every
 *     block): a server key added again is recorded with the operator its new addition names, and
 *     a key publication is refused whose research key another participant published, or whose
 *     encryption or verifying key is another participant's research key. Below it a re-added
 *     server keeps the operator of its first addition and such publications are accepted; a
 *     chain begun before the rules set it as for {@code registrarsFrom}
 * @param registrationsPerRegistrar most patient registrations one registrar may countersign in
 *     one block, at least 1 and at most {@link Limits#MAX_BLOCK_ENTRIES}
 * @param registrationBoundFrom the first block height that {@code registrationsPerRegistrar}
 *     binds (0: every block); a chain begun before the bound existed sets it above the height it
 *     had reached, as it does {@code registrarsFrom}
 */
public record ChainParameters(
    Digest chainId,
    Duration maxClockSkew,
    Map<ParticipantKind, Set<InstitutionClass>> serverClasses,
    EvidencePolicy evidencePolicy,
    int maxBlockEntries,
    int maxBlockBytes,
    long registrarsFrom,
    long reusedKeysFrom,
    int registrationsPerRegistrar,
    long registrationBoundFrom) {

  /** The default of {@link #registrationsPerRegistrar()}. */
  public static final int DEFAULT_REGISTRATIONS_PER_REGISTRAR = 64;

  /** Validates the fields. */
  public ChainParameters {
    Objects.requireNonNull(chainId, "chainId");
    Objects.requireNonNull(maxClockSkew, "maxClockSkew");
    if (maxClockSkew.isNegative()) {
      throw new IllegalArgumentException("skew must not be negative");
    }
    Map<ParticipantKind, Set<InstitutionClass>> copy = new java.util.HashMap<>();
    serverClasses.forEach((k, v) -> copy.put(k, Set.copyOf(v)));
    serverClasses = Map.copyOf(copy);
    Objects.requireNonNull(evidencePolicy, "evidencePolicy");
    if (maxBlockEntries < 1 || maxBlockEntries > Limits.MAX_BLOCK_ENTRIES) {
      throw new IllegalArgumentException("maxBlockEntries out of range");
    }
    if (maxBlockBytes < 4096 || maxBlockBytes > Limits.MAX_BLOCK_BYTES - (1 << 20)) {
      throw new IllegalArgumentException("maxBlockBytes out of range");
    }
    if (registrarsFrom < 0) {
      throw new IllegalArgumentException("registrarsFrom must not be negative");
    }
    if (reusedKeysFrom < 0) {
      throw new IllegalArgumentException("reusedKeysFrom must not be negative");
    }
    if (registrationsPerRegistrar < 1 || registrationsPerRegistrar > Limits.MAX_BLOCK_ENTRIES) {
      throw new IllegalArgumentException("registrationsPerRegistrar out of range");
    }
    if (registrationBoundFrom < 0) {
      throw new IllegalArgumentException("registrationBoundFrom must not be negative");
    }
  }

  /**
   * Defaults for a chain named {@code name}: chain id {@code SHA-256("medledger/chain/v1" || 0x00
   * || name)}, 30 s skew, class A institutions operate federation servers and class B audit
   * servers, the {@linkplain EvidencePolicy#strict() strict} evidence rule, 10,000 entries and 32 MiB per block,
   * a registrar's endorsement on every patient registration and the rules on reused keys (both
   * from height 0), and at most {@value #DEFAULT_REGISTRATIONS_PER_REGISTRAR} registrations
   * countersigned by one registrar per block (from height 0).
   */
  public static ChainParameters defaults(String name) {
    Digest id = Sha256.hash("medledger/chain/v1\0".getBytes(StandardCharsets.US_ASCII),
        name.getBytes(StandardCharsets.UTF_8));
    return new ChainParameters(id, Duration.ofSeconds(30),
        Map.of(ParticipantKind.FEDERATION_SERVER, Set.of(InstitutionClass.A),
            ParticipantKind.AUDIT_SERVER, Set.of(InstitutionClass.B)),
        EvidencePolicy.strict(), 10_000, 32 << 20, 0, 0, DEFAULT_REGISTRATIONS_PER_REGISTRAR, 0);
  }

  /** A copy with another skew. */
  public ChainParameters withMaxClockSkew(Duration skew) {
    return new ChainParameters(chainId, skew, serverClasses, evidencePolicy, maxBlockEntries, maxBlockBytes,
        registrarsFrom, reusedKeysFrom, registrationsPerRegistrar, registrationBoundFrom);
  }

  /** A copy with another server-class policy. */
  public ChainParameters withServerClasses(Map<ParticipantKind, Set<InstitutionClass>> classes) {
    return new ChainParameters(chainId, maxClockSkew, classes, evidencePolicy, maxBlockEntries, maxBlockBytes,
        registrarsFrom, reusedKeysFrom, registrationsPerRegistrar, registrationBoundFrom);
  }

  /** A copy with another evidence policy. */
  public ChainParameters withEvidencePolicy(EvidencePolicy policy) {
    return new ChainParameters(chainId, maxClockSkew, serverClasses, policy, maxBlockEntries, maxBlockBytes,
        registrarsFrom, reusedKeysFrom, registrationsPerRegistrar, registrationBoundFrom);
  }

  /** A copy with another block size limit. */
  public ChainParameters withMaxBlockEntries(int max) {
    return new ChainParameters(chainId, maxClockSkew, serverClasses, evidencePolicy, max, maxBlockBytes,
        registrarsFrom, reusedKeysFrom, registrationsPerRegistrar, registrationBoundFrom);
  }

  /** A copy with another encoded block size limit. */
  public ChainParameters withMaxBlockBytes(int max) {
    return new ChainParameters(chainId, maxClockSkew, serverClasses, evidencePolicy, maxBlockEntries, max,
        registrarsFrom, reusedKeysFrom, registrationsPerRegistrar, registrationBoundFrom);
  }

  /** A copy whose registrar rule binds from block {@code height} on. */
  public ChainParameters withRegistrarsFrom(long height) {
    return new ChainParameters(chainId, maxClockSkew, serverClasses, evidencePolicy, maxBlockEntries, maxBlockBytes,
        height, reusedKeysFrom, registrationsPerRegistrar, registrationBoundFrom);
  }

  /** A copy whose rules on reused keys bind from block {@code height} on. */
  public ChainParameters withReusedKeysFrom(long height) {
    return new ChainParameters(chainId, maxClockSkew, serverClasses, evidencePolicy, maxBlockEntries, maxBlockBytes,
        registrarsFrom, height, registrationsPerRegistrar, registrationBoundFrom);
  }

  /**
   * A copy in which one registrar countersigns at most {@code perBlock} patient registrations per
   * block from block {@code fromHeight} on.
   */
  public ChainParameters withRegistrationBound(int perBlock, long fromHeight) {
    return new ChainParameters(chainId, maxClockSkew, serverClasses, evidencePolicy, maxBlockEntries, maxBlockBytes,
        registrarsFrom, reusedKeysFrom, perBlock, fromHeight);
  }

  /** Whether a patient registration in block {@code height} must carry a registrar's endorsement. */
  public boolean registrarRequired(long height) {
    return height >= registrarsFrom;
  }

  /** Whether the rules on reused keys bind in block {@code height}. */
  public boolean reusedKeysRuled(long height) {
    return height >= reusedKeysFrom;
  }

  /** Whether {@link #registrationsPerRegistrar()} bounds the patient registrations of block {@code height}. */
  public boolean registrationBound(long height) {
    return height >= registrationBoundFrom;
  }

  /** Whether an institution of {@code cls} may operate a server of {@code role}. */
  public boolean mayOperate(ParticipantKind role, InstitutionClass cls) {
    Set<InstitutionClass> s = serverClasses.get(role);
    return s != null && s.contains(cls);
  }
}
