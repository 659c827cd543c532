package io.medledger.cli;

import io.medledger.chain.ChainParameters;
import io.medledger.chain.Endorsement;
import io.medledger.chain.Entry;
import io.medledger.chain.EntryKind;
import io.medledger.codec.Hex;
import io.medledger.codec.MalformedEncodingException;
import io.medledger.crypto.Digest;
import io.medledger.internal.Json;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.EnumSet;
import java.util.Map;
import java.util.Set;

/**
 * A governance entry in transit between the operators who propose, endorse and submit it: a small
 * JSON object naming the format, the chain (name and id) and the entry's id and kind, with the
 * entry's canonical encoding in hex. What a file says is only a claim: {@link #read} bounds the
 * file before reading it, decodes the entry with the bounded entry decoder, and checks the claims
 * against the entry and every endorsement against the chain it is for.
 *
 * <p>Immutable and thread-safe.
 *
 * @param chain the chain name
 * @param entry the entry, with the endorsements gathered so far
 */
record GovernanceFile(String chain, Entry entry) {
  /** The format name written in every file. */
  static final String FORMAT = "medledger-governance-v1";
  /** Largest file read: an entry with the most endorsements the ledger allows fits with room to spare. */
  static final long MAX_FILE_BYTES = 64 * 1024;
  /** The entry kinds that need a governance quorum of the federation servers. */
  static final Set<EntryKind> KINDS = EnumSet.of(EntryKind.MEMBERSHIP_CHANGE, EntryKind.INSTITUTION_REGISTRATION,
      EntryKind.INSTITUTION_REMOVAL, EntryKind.WITNESS_CHANGE);
  private static final Set<String> MEMBERS = Set.of("format", "chain", "chain_id", "id", "kind", "entry");

  /** Checks the kind. */
  GovernanceFile {
    if (!KINDS.contains(entry.kind())) {
      throw new CliException("a " + entry.kind().label() + " entry is not a governance entry");
    }
    ChainParameters.defaults(chain); // validates the name
  }

  /** The chain id entries of {@code chain} are signed for. */
  static Digest chainId(String chain) {
    return ChainParameters.defaults(chain).chainId();
  }

  /** The chain id this entry's endorsements are for. */
  Digest chainId() {
    return chainId(chain);
  }

  /** This file with {@code signed} as its entry. */
  GovernanceFile with(Entry signed) {
    return new GovernanceFile(chain, signed);
  }

  /** The JSON text. */
  String toJson() {
    return Json.write(true, g -> {
      g.writeStartObject();
      g.writeStringField("format", FORMAT);
      g.writeStringField("chain", chain);
      g.writeStringField("chain_id", chainId().toHex());
      g.writeStringField("id", entry.id().toHex());
      g.writeStringField("kind", entry.kind().label());
      g.writeStringField("entry", Hex.encode(entry.encode()));
      g.writeEndObject();
    }) + "\n";
  }

  /** Writes this file owner-only (see {@link CliFiles#write}). */
  void write(Path file, boolean force) throws IOException {
    CliFiles.write(file, toJson().getBytes(StandardCharsets.UTF_8), force);
  }

  /**
   * Reads {@code file}, at most {@link #MAX_FILE_BYTES}, for chain {@code expectedChain}.
   *
   * @throws CliException naming the file if it is too large, not one governance entry of this
   *     format, of another chain, or holds an endorsement that does not verify for the chain
   */
  static GovernanceFile read(Path file, String expectedChain) throws IOException {
    Path f = CliFiles.regularFile(file.toString(), "file");
    byte[] bytes = CliFiles.readJson(f, MAX_FILE_BYTES);
    return CliFiles.parse(f, () -> parse(bytes, expectedChain));
  }

  private static GovernanceFile parse(byte[] bytes, String expectedChain) {
    Map<String, Object> o = Json.asObject(Json.parse(bytes), "a governance file");
    for (String k : o.keySet()) {
      if (!MEMBERS.contains(k)) {
        throw new MalformedEncodingException("unknown member '" + k + "'");
      }
    }
    String format = Json.asString(Json.member(o, "format"), "format");
    if (!FORMAT.equals(format)) {
      throw new MalformedEncodingException("not a governance file of format " + FORMAT);
    }
    String chain = Json.asString(Json.member(o, "chain"), "chain");
    Digest claimedId = Digest.fromHex(Json.asString(Json.member(o, "chain_id"), "chain_id"));
    Digest expected = chainId(expectedChain);
    if (!chain.equals(expectedChain) || !claimedId.equals(expected)) {
      String named = chain.length() > 200 ? chain.substring(0, 200) + "..." : chain;
      throw new CliException("the entry is for chain '" + named + "', not for this chain '" + expectedChain + "'");
    }
    String hex = Json.asString(Json.member(o, "entry"), "entry");
    Entry entry = Entry.decode(Hex.decode(hex));
    if (!entry.id().toHex().equals(Json.asString(Json.member(o, "id"), "id"))) {
      throw new MalformedEncodingException("member 'id' is not the entry's id " + entry.id().toHex());
    }
    if (!entry.kind().label().equals(Json.asString(Json.member(o, "kind"), "kind"))) {
      throw new MalformedEncodingException("member 'kind' is not the entry's kind " + entry.kind().label());
    }
    byte[] message = entry.signingMessage(expected);
    for (Endorsement e : entry.endorsements()) {
      if (!e.verify(message)) {
        throw new CliException("the endorsement by " + e.signer().toHex() + " does not verify for chain '"
            + expectedChain + "'");
      }
    }
    return new GovernanceFile(chain, entry);
  }
}
