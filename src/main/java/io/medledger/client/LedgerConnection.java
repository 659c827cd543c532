package io.medledger.client;

import io.medledger.access.Participant;
import io.medledger.access.ParticipantId;
import io.medledger.anchor.AnchorReceipt;
import io.medledger.chain.AccessEvent;
import io.medledger.chain.AccessGrant;
import io.medledger.chain.CertificatePolicy;
import io.medledger.chain.CertifiedBlock;
import io.medledger.chain.ChainParameters;
import io.medledger.chain.Entry;
import io.medledger.chain.EntryLocation;
import io.medledger.chain.KeyPublication;
import io.medledger.chain.MedicalRecord;
import io.medledger.chain.Page;
import io.medledger.chain.PageRequest;
import io.medledger.chain.PatientHistoryPage;
import io.medledger.chain.PatientHistoryProof;
import io.medledger.chain.QueryHit;
import io.medledger.chain.RecordQuery;
import io.medledger.crypto.Digest;
import io.medledger.pre.ProxyKey;
import io.medledger.pre.ProxyResponse;
import io.medledger.storage.BlobUnavailableException;
import io.medledger.storage.ReplicatedBlobStore;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.time.Clock;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;

/**
 * What a client needs from the federation, and nothing more: submit a signed entry and learn when
 * it is final, read the ledger and its proofs, put and get encrypted payloads on the storage
 * nodes, and ask the re-encryption proxies for fragments. The typed clients talk only to this
 * interface, so they work the same against the in-process testnet ({@code Federation.connection()})
 * and against a remote node. A connection never holds a participant's secret keys: clients sign
 * and decrypt locally.
 *
 * <p>Implementations are thread-safe. Futures complete exceptionally with a
 * {@link io.medledger.MedLedgerException} subtype ({@link EntryRejectedException},
 * {@link ProxyFailureException}, {@link io.medledger.storage.InsufficientReplicasException} …).
 */
public interface LedgerConnection {
  // ---------------------------------------------------------------- the chain

  /** The chain parameters (chain id, rules). */
  ChainParameters parameters();

  /** The rule block certificates are checked with. */
  CertificatePolicy certificatePolicy();

  /** The clock entries are stamped with (the federation's time). */
  Clock clock();

  /**
   * Submits a signed entry; the future completes with its place on the ledger once it is final.
   * If the entry is an access grant, the future also fails when a proxy it names refused its key
   * fragment ({@link ProxyFailureException}; the grant is final nonetheless). A proxy that is
   * down takes its fragment when it catches up and is not a failure.
   */
  CompletableFuture<EntryLocation> submit(Entry entry);

  /**
   * The height of the tip (-1 before genesis); a connection to several nodes may answer the height
   * that two of them reach rather than one node's word (see the implementation).
   */
  long height();

  /** The certified block at {@code height}, as one node serves it (verify it before trusting it). */
  CertifiedBlock block(long height);

  /**
   * The header of the block at {@code height}, to check a proof against: a connection to several
   * nodes takes it only once f + 1 of them serve the same header (two at least), so f nodes cannot
   * forge it.
   * The default takes the header of {@link #block}.
   *
   * @throws UnconfirmedAnswerException if too few nodes serve the same header in time
   */
  default io.medledger.chain.BlockHeader header(long height) {
    return block(height).header();
  }

  /** The final entry with id {@code id}. */
  Optional<Entry> entry(Digest id);

  /** The participant {@code id} as of the tip. */
  Optional<Participant> participant(ParticipantId id);

  /** Whether grant {@code grantId} is unrevoked and valid at {@code time}. */
  boolean isGrantActive(Digest grantId, long time);

  /**
   * Whether a final revocation names grant {@code grantId}, whatever the grant's window; false for
   * an unknown id.
   */
  boolean isGrantRevoked(Digest grantId);

  /** Whether a final erasure names record {@code recordId}. */
  boolean isErased(Digest recordId);

  /** Records matching {@code query}, one page. */
  Page<MedicalRecord> records(RecordQuery query, PageRequest page);

  /** Grants made by {@code patient}, one page. */
  Page<AccessGrant> grantsByPatient(ParticipantId patient, PageRequest page);

  /** Grants received by {@code grantee}, one page. */
  Page<AccessGrant> grantsByGrantee(ParticipantId grantee, PageRequest page);

  /** Access events on {@code patient}'s records, one page. */
  Page<AccessEvent> accessEventsByPatient(ParticipantId patient, PageRequest page);

  /**
   * One page of {@code patient}'s history (or, with the zero id, of the entries about no patient),
   * oldest sub-blocks first: the first page from cursor -1, each next one from the page before's
   * {@link PatientHistoryPage#nextCursor}; the last page carries the head proof at the tip. Check
   * each with {@link PatientHistoryPage#verifyAfter} as it comes, and the whole once the last has
   * come, as a {@link PatientHistoryProof} against the header at its height.
   */
  PatientHistoryPage patientHistory(ParticipantId patient, PageRequest page);

  /**
   * The proof of {@code patient}'s complete history at the tip (verify it against the header at its
   * height). The default reads it page by page under the bounds of
   * {@link io.medledger.internal.PageWalk} (100,000 sub-blocks, 256 MiB of entries, 65,536 pages,
   * 10 minutes), checking that each page continues the one before as it
   * comes, so a history of any length is read in answers of bounded size.
   *
   * @throws UnverifiableAnswerException if a page does not continue the one before (something left
   *     out, or an entry that does not match its sub-block)
   * @throws QueryLimitException past the walk's bounds (then read the pages one by one)
   * @throws UnconfirmedAnswerException from a connection to several nodes, if the history is
   *     answered only at heights below the height other nodes report (see the implementation)
   */
  default PatientHistoryProof patientHistory(ParticipantId patient) {
    return io.medledger.internal.PageWalk.history(patient, p -> patientHistory(patient, p));
  }

  /** The complete anchor receipt of entry {@code entryId} at ledger index {@code ledgerIndex}, once anchored. */
  Optional<AnchorReceipt> receipt(Digest entryId, long ledgerIndex);

  /** Each server's view of the tip, to compare with a verified chain. */
  List<ServerTip> serverTips();

  // ---------------------------------------------------------------- keys

  /** The published key card of {@code id}. */
  Optional<KeyCard> keyCard(ParticipantId id);

  /**
   * The key publication in force for {@code id} on the ledger (its first, or the research-key
   * upgrade that followed it), with its place, if it published keys there.
   */
  Optional<QueryHit<KeyPublication>> publishedKeys(ParticipantId id);

  /** Publishes a self-signed key card. @throws IllegalArgumentException if it does not verify or clashes */
  void publish(KeyCard card);

  // ---------------------------------------------------------------- proxies and storage

  /** The proxies' keys, in the order grants list them. */
  List<ProxyKey> proxyKeys();

  /** How many proxies must re-encrypt for a grantee to decrypt. */
  int threshold();

  /**
   * Asks proxy {@code proxy} to re-encrypt for the final access event {@code accessEvent}. Fails
   * with {@link ProxyFailureException} naming the proxy if it is down or refuses for a fault, or
   * with {@link AccessRefusedException} naming the missing right.
   */
  CompletableFuture<ProxyResponse> reencrypt(ParticipantId proxy, Digest accessEvent);

  /** Writes an encrypted payload to the storage nodes; completes once the write quorum holds it. */
  CompletableFuture<ReplicatedBlobStore.Placement> putBlob(byte[] ciphertext);

  /** Reads a verified copy of payload {@code id}, trying {@code preferred} nodes first. */
  CompletableFuture<byte[]> getBlob(Digest id, List<ParticipantId> preferred);

  /**
   * As {@link #getBlob(Digest, List)}, for a payload of {@code size} bytes (as its record states):
   * a storage node's copy is cut off and skipped at its first byte past {@code size}, so a hostile
   * node cannot make the reader hold more. The default, for connections that do not bound a read,
   * calls {@link #getBlob(Digest, List)}.
   */
  default CompletableFuture<byte[]> getBlob(Digest id, long size, List<ParticipantId> preferred) {
    return getBlob(id, preferred);
  }

  /**
   * Streams an encrypted payload, read to its end (the caller closes it), to the storage nodes;
   * completes once the write quorum holds it. Connections move it in bounded memory whatever its
   * size (the default, for connections that do not, reads it into memory and calls
   * {@link #putBlob(byte[])}).
   */
  default CompletableFuture<ReplicatedBlobStore.Placement> putBlob(InputStream ciphertext) {
    try {
      return putBlob(ciphertext.readAllBytes());
    } catch (IOException e) {
      return CompletableFuture.failedFuture(new BlobUnavailableException("cannot read the payload: "
          + e.getMessage(), e));
    }
  }

  /**
   * A verified copy of payload {@code id} as a stream, trying {@code preferred} nodes first: no byte
   * is returned before the whole copy verified, and missing or corrupted copies met on the way are
   * repaired. Close the stream. Connections hold the copy in a spool file, not in memory (the
   * default, for connections that do not, wraps {@link #getBlob(Digest, List)}).
   */
  default CompletableFuture<InputStream> openBlob(Digest id, List<ParticipantId> preferred) {
    return getBlob(id, preferred).thenApply(ByteArrayInputStream::new);
  }

  /**
   * As {@link #openBlob(Digest, List)}, for a payload of {@code size} bytes (as its record states):
   * a storage node's copy is cut off and skipped at its first byte past {@code size}, so a hostile
   * node cannot make the reader spool more. The default, for connections that do not bound a read,
   * calls {@link #openBlob(Digest, List)}.
   */
  default CompletableFuture<InputStream> openBlob(Digest id, long size, List<ParticipantId> preferred) {
    return openBlob(id, preferred);
  }

  /**
   * Deletes every reachable copy of an erased record's payloads and makes the proxies drop their
   * fragments of the grants scoped to it alone. Works from the ledger alone, so it may be repeated.
   *
   * @throws IllegalArgumentException if no final erasure names {@code record}
   */
  ErasureReport finishErasure(Digest record);

  /**
   * A server's tip.
   *
   * @param server the server's ledger id
   * @param online whether it answered
   * @param tipHash its tip header hash, empty before genesis
   */
  record ServerTip(ParticipantId server, boolean online, Optional<Digest> tipHash) {
    /** Checks that no required component is null. */
    public ServerTip {
      java.util.Objects.requireNonNull(server, "server");
      java.util.Objects.requireNonNull(tipHash, "tipHash");
    }
  }
}
