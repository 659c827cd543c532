package io.medledger.node;

import io.medledger.chain.Entry;
import io.medledger.chain.Ledger;
import io.medledger.chain.MedicalRecord;
import io.medledger.chain.RecordErasure;
import io.medledger.crypto.Digest;
import io.medledger.crypto.Ed25519PublicKey;
import io.medledger.internal.node.OwnerOnly;
import io.medledger.storage.FileBlobStore;
import io.medledger.storage.StateStore;
import io.medledger.storage.StoreCorruptedException;
import io.medledger.storage.StoreException;
import java.io.IOException;
import java.io.InputStream;
import java.lang.System.Logger.Level;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;
import java.util.zip.CRC32C;

/**
 * What a storage node knows of its blobs against the ledger: which payload digests committed
 * records reference, and how many such records are not erased (an index that follows the ledger
 * block by block), which blobs nobody
 * references yet ("pending": who uploaded them, when, how large), each uploader's quota of pending
 * bytes, and the deletion of pending blobs older than the grace period.
 *
 * <p>On disk, under the data directory: {@link #INDEX} (a RocksDB store of the referenced payload
 * digests with the height and header hash it reflects, checked against the ledger) and
 * {@link #JOURNAL} (the uploads, fixed-size records each with a CRC-32C, appended before the blob
 * is committed and compacted on open). A blob is deleted only if it is pending, its grace period
 * has passed, the index has caught up with the ledger and does not list it: a damaged or forged
 * journal record can at worst make an unreferenced blob go early or stay, never delete a
 * referenced one. A record that fails its check is skipped (its blob is then kept and not
 * counted).
 *
 * <p>Thread-safe: every method runs under the instance's monitor.
 */
final class PendingBlobs implements AutoCloseable {
  private static final System.Logger LOG = System.getLogger(PendingBlobs.class.getName());
  /** Sub-directory of the index of referenced payloads in the data directory. */
  static final String INDEX = "blob-references";
  /** File of the upload journal in the data directory. */
  static final String JOURNAL = "blob-uploads";
  /** One journal record: digest, uploader, size, upload time (ms), CRC-32C of the 80 bytes before. */
  static final int RECORD = 32 + 32 + 8 + 8 + 4;
  /** Most blocks applied to the index in one write. */
  private static final int BLOCKS_PER_WRITE = 256;
  private static final byte REFERENCED = 'R';

  /** The committed ledger as the index reads it. */
  interface LedgerFeed {
    /** The height of the last committed block. */
    long height();

    /** The header hash of block {@code height}. */
    Digest hash(long height);

    /**
     * The references that block {@code height} adds (+1: a record naming a payload) and removes
     * (-1: an erasure of such a record), in order.
     */
    List<Reference> references(long height);

    /** The feed of {@code ledger}: each record's payload and its de-identified copy's. */
    static LedgerFeed of(Ledger ledger) {
      return new LedgerFeed() {
        @Override
        public long height() {
          return ledger.height();
        }

        @Override
        public Digest hash(long height) {
          return ledger.header(height).hash();
        }

        @Override
        public List<Reference> references(long height) {
          List<Reference> out = new ArrayList<>();
          for (Entry e : ledger.block(height).block().entries()) {
            if (e instanceof MedicalRecord m) {
              add(out, m, 1);
            } else if (e instanceof RecordErasure r) {
              ledger.locate(r.record()).map(l -> ledger.block(l.height()).block().entries().get(l.indexInBlock()))
                  .filter(MedicalRecord.class::isInstance).ifPresent(m -> add(out, (MedicalRecord) m, -1));
            }
          }
          return out;
        }

        private void add(List<Reference> out, MedicalRecord m, int delta) {
          out.add(new Reference(m.payloadDigest(), delta, m.id()));
          m.deidentified().ifPresent(d -> out.add(new Reference(d.payloadDigest(), delta, m.id())));
        }
      };
    }
  }

  /** Record {@code record} naming {@code payload} committed (+1), or its erasure (-1). */
  record Reference(Digest payload, int delta, Digest record) {}

  /**
   * What the index holds of one payload: how many committed records not erased name it, and the
   * first of them while any is left (its owner: another record can name it only once it is public).
   * Encoded as the count (8 bytes) and the first record's id (32 bytes), or the count alone.
   */
  private record Refs(long count, Digest first) {
    static final Refs NONE = new Refs(0, null);
    /** What a damaged value reads as: referenced for good, by no record that may erase it. */
    static final Refs DAMAGED = new Refs(Long.MAX_VALUE / 2, null);

    static Refs decode(byte[] v) {
      if (v == null) {
        return NONE;
      }
      if (v.length != 8 && v.length != 8 + Digest.LENGTH) {
        return DAMAGED;
      }
      long n = ByteBuffer.wrap(v).getLong();
      return n < 0 ? DAMAGED : new Refs(n, v.length == 8 ? null : Digest.of(v, 8));
    }

    byte[] encode() {
      ByteBuffer b = ByteBuffer.allocate(first == null ? 8 : 8 + Digest.LENGTH).putLong(count);
      if (first != null) {
        b.put(first.toByteArray());
      }
      return b.array();
    }

    Refs plus(Reference r) {
      long n = Math.max(0, count + r.delta());
      Digest f = count == 0 && r.delta() > 0 ? r.record() : first;
      return new Refs(n, f);
    }
  }

  /** A blob nobody references yet. */
  private record Pending(Ed25519PublicKey uploader, long size, long uploadedMillis) {}

  private final FileBlobStore store;
  private final LedgerFeed ledger;
  private final StateStore index;
  private final Path journalFile;
  private final long quota;
  private final long graceMillis;
  private final Clock clock;
  private final Map<Digest, Pending> pending = new LinkedHashMap<>();
  /** Each uploader's pending bytes plus what their open uploads reserved. */
  private final io.medledger.internal.KeyedCounts<Ed25519PublicKey> charged = new io.medledger.internal.KeyedCounts<>();
  private FileChannel journal;
  private long journalRecords;
  /** Whether the index's tip was found on the ledger (it may be ahead of a ledger that lost blocks). */
  private boolean indexChecked;

  private PendingBlobs(FileBlobStore store, LedgerFeed ledger, StateStore index, Path journalFile, long quota,
      Duration grace, Clock clock) {
    this.store = store;
    this.ledger = ledger;
    this.index = index;
    this.journalFile = journalFile;
    this.quota = quota;
    this.graceMillis = grace.toMillis();
    this.clock = clock;
  }

  /**
   * Opens the index and the journal under {@code dataDirectory}, brings the index up to the
   * ledger, and keeps the journal's records whose blob is on disk and not referenced.
   *
   * @throws StoreException if the index cannot be opened, or reflects another chain
   * @throws io.medledger.storage.BlobUnavailableException if the journal cannot be read or written
   */
  static PendingBlobs open(Path dataDirectory, FileBlobStore store, LedgerFeed ledger, long quota, Duration grace,
      Clock clock) {
    StateStore index = StateStore.rocksDb(dataDirectory.resolve(INDEX));
    PendingBlobs p = new PendingBlobs(store, ledger, index, dataDirectory.resolve(JOURNAL), quota, grace, clock);
    try {
      synchronized (p) {
        p.catchUp();
        p.load();
        p.compact();
      }
      return p;
    } catch (RuntimeException e) {
      p.close();
      throw e;
    }
  }

  /** Pending bytes counted for a blob of {@code size} bytes. */
  static long charge(long size) {
    return Math.max(size, NodeConfig.StorageSettings.MIN_PENDING_CHARGE);
  }

  /**
   * Reserves {@code size} bytes of {@code uploader}'s quota for an upload; false if their pending
   * blobs and open uploads leave less. Release it with {@link #release}.
   */
  synchronized boolean reserve(Ed25519PublicKey uploader, long size) {
    return charged.tryAdd(uploader, charge(size), quota);
  }

  /** Returns a reservation of {@link #reserve}. */
  synchronized void release(Ed25519PublicKey uploader, long size) {
    charged.remove(uploader, charge(size));
  }

  /** Bytes counted against {@code uploader}: pending blobs and open uploads' reservations. */
  synchronized long charged(Ed25519PublicKey uploader) {
    return charged.get(uploader);
  }

  /**
   * Whether the erasure of record {@code record} (final on the ledger, the caller checked) may
   * delete payload {@code id}: no committed record that is not erased names it, or {@code record}
   * was the first to name it (records naming it since, possibly another patient's copying its
   * public digest, do not keep its owner's erasure from reaching it). The index is first brought up
   * to the ledger.
   *
   * @throws StoreException if the index cannot be read or written
   */
  synchronized boolean erasable(Digest id, Digest record) {
    catchUp();
    Refs r = refs(id);
    return r.count() == 0 || record.equals(r.first());
  }

  /** The number of pending blobs. */
  synchronized int pendingCount() {
    return pending.size();
  }

  /** Whether blob {@code id} is pending. */
  synchronized boolean isPending(Digest id) {
    return pending.containsKey(id);
  }

  /**
   * Records that {@code uploader} is about to commit blob {@code id} of {@code size} bytes, before
   * it is committed (journaled first, so a crash leaves no untracked blob): it becomes pending
   * unless a committed record references it. A blob pending already is uploaded again: its grace
   * period starts again from now, and it is charged to {@code uploader} instead, so an upload
   * acknowledged just before the earlier one's grace ended is not deleted before its record can
   * commit. Returns whether it became pending (not whether it was pending before); if the commit
   * then fails, call {@link #forget}.
   *
   * @throws io.medledger.storage.BlobUnavailableException if the journal cannot be written
   */
  synchronized boolean uploading(Ed25519PublicKey uploader, Digest id, long size) {
    if (referenced(id)) {
      return false;
    }
    Pending earlier = pending.get(id);
    Pending p = new Pending(uploader, size, clock.millis());
    append(id, p);
    if (earlier != null) {
      charged.remove(earlier.uploader(), charge(earlier.size()));
    }
    pending.put(id, p);
    charged.add(uploader, charge(size));
    return earlier == null;
  }

  /** Undoes {@link #uploading} that returned true for a blob whose commit failed. */
  synchronized void forget(Digest id) {
    Pending p = pending.remove(id);
    if (p != null) {
      charged.remove(p.uploader(), charge(p.size()));
    }
  }

  /**
   * Applies the blocks committed since the index's height: their payloads are referenced and stop
   * being pending. Idempotent.
   *
   * @throws StoreException if the index cannot be written, or reflects another chain
   */
  synchronized void catchUp() {
    long target = ledger.height();
    long at = index.height();
    if (!indexChecked && at >= 0 && at <= target) {
      Digest onLedger = ledger.hash(at);
      if (!onLedger.equals(index.tip().orElseThrow())) {
        throw new StoreCorruptedException(journalFile.resolveSibling(INDEX), 0, "the index of referenced payloads is at"
            + " block " + at + " " + index.tip().orElseThrow() + ", the ledger's block there is " + onLedger);
      }
      indexChecked = true;
    }
    while (at < target) {
      long last = Math.min(target, at + BLOCKS_PER_WRITE);
      StateStore.Batch b = new StateStore.Batch(at + 1, last, ledger.hash(last));
      Map<Digest, Refs> counts = new LinkedHashMap<>();
      List<Digest> named = new ArrayList<>();
      for (long h = at + 1; h <= last; h++) {
        for (Reference r : ledger.references(h)) {
          counts.put(r.payload(), counts.computeIfAbsent(r.payload(), this::refs).plus(r));
          if (r.delta() > 0) {
            named.add(r.payload());
          }
        }
      }
      counts.forEach((d, c) -> b.put(key(d), c.encode()));
      index.commit(b);
      indexChecked = true;
      for (Digest d : named) {
        forget(d); // referenced once: no longer its uploader's to answer for, even if erased since
      }
      at = last;
    }
  }

  /**
   * Brings the index up to the ledger, then deletes the pending blobs whose grace period has
   * passed; returns how many it deleted.
   */
  synchronized int sweep() {
    catchUp();
    if (index.height() < ledger.height() || !indexChecked && index.height() >= 0) {
      return 0; // never delete on an index behind the ledger, or ahead of it and not yet found on it
    }
    long now = clock.millis();
    int deleted = 0;
    List<Digest> expired = new ArrayList<>();
    for (Map.Entry<Digest, Pending> e : pending.entrySet()) {
      if (now - e.getValue().uploadedMillis() >= graceMillis) {
        expired.add(e.getKey());
      }
    }
    for (Digest id : expired) {
      if (referenced(id)) { // catchUp already dropped it; checked again on the index itself
        forget(id);
        continue;
      }
      Pending p = pending.get(id);
      boolean existed = store.delete(id);
      forget(id);
      if (existed) {
        deleted++;
        LOG.log(Level.INFO, () -> "deleted blob " + id + " of " + p.size() + " bytes uploaded by "
            + io.medledger.access.ParticipantId.of(p.uploader()) + ": no committed record references it "
            + graceMillis / 1000 + " s after its upload");
      }
    }
    if (journalRecords > 2L * pending.size() + 1024) {
      compact();
    }
    return deleted;
  }

  private boolean referenced(Digest id) {
    return references(id) > 0;
  }

  /**
   * How many committed records not erased name {@code id}; a damaged value (of the wrong length,
   * or negative) counts as referenced for good, so damage keeps a blob.
   */
  private long references(Digest id) {
    return refs(id).count();
  }

  private Refs refs(Digest id) {
    return Refs.decode(index.get(key(id)));
  }

  private static byte[] key(Digest d) {
    byte[] k = new byte[1 + Digest.LENGTH];
    k[0] = REFERENCED;
    System.arraycopy(d.toByteArray(), 0, k, 1, Digest.LENGTH);
    return k;
  }

  /** The journal record of {@code uploader}'s upload of blob {@code id} (for tests). */
  static byte[] record(Digest id, Ed25519PublicKey uploader, long size, long uploadedMillis) {
    return encode(id, new Pending(uploader, size, uploadedMillis));
  }

  private static byte[] encode(Digest id, Pending p) {
    ByteBuffer b = ByteBuffer.allocate(RECORD);
    b.put(id.toByteArray()).put(p.uploader().toBytes()).putLong(p.size()).putLong(p.uploadedMillis());
    CRC32C crc = new CRC32C();
    crc.update(b.array(), 0, RECORD - 4);
    b.putInt((int) crc.getValue());
    return b.array();
  }

  /**
   * Reads the journal: whole records whose CRC holds, whose blob is on disk and not referenced; of
   * several records of one blob, the last (its latest upload).
   */
  private void load() {
    long skipped = 0;
    requireRegularIfPresent(journalFile);
    try (InputStream in = Files.newInputStream(journalFile, java.nio.file.LinkOption.NOFOLLOW_LINKS)) {
      byte[] r = new byte[RECORD];
      while (in.readNBytes(r, 0, RECORD) == RECORD) {
        CRC32C crc = new CRC32C();
        crc.update(r, 0, RECORD - 4);
        ByteBuffer b = ByteBuffer.wrap(r);
        long size = b.getLong(64);
        long at = b.getLong(72);
        Ed25519PublicKey uploader = null;
        if ((int) crc.getValue() == b.getInt(80) && size >= 0) {
          try {
            uploader = Ed25519PublicKey.fromBytes(java.util.Arrays.copyOfRange(r, 32, 64));
          } catch (RuntimeException e) {
            // counted as damaged below
          }
        }
        if (uploader == null) {
          skipped++;
          continue;
        }
        Digest id = Digest.of(r, 0);
        // a later record of a blob is of a later upload, made once the earlier one's blob stopped
        // being pending (deleted, or referenced and erased): the later one counts, from its own time
        forget(id);
        if (referenced(id)) {
          continue;
        }
        OptionalLong onDisk = store.sizeOf(id);
        if (onDisk.isEmpty()) {
          continue; // deleted, or its commit never happened
        }
        // a time in the future (a wrong clock, or damage) counts from now: the blob is neither kept for good nor early
        Pending p = new Pending(uploader, onDisk.getAsLong(), Math.min(at, clock.millis()));
        pending.put(id, p);
        charged.add(uploader, charge(p.size()));
      }
    } catch (NoSuchFileException e) {
      return;
    } catch (IOException e) {
      throw new io.medledger.storage.BlobUnavailableException("cannot read " + journalFile + ": " + e.getMessage(), e);
    }
    if (skipped > 0) {
      long n = skipped;
      LOG.log(Level.WARNING, () -> n + " damaged records in " + journalFile + " skipped: their blobs are kept and not"
          + " counted against any uploader");
    }
  }

  /**
   * Refuses anything but a regular file at {@code file} (a link is not followed): reading a named
   * pipe would wait for a writer for ever, with the node's start.
   *
   * @throws io.medledger.storage.BlobUnavailableException naming the file otherwise
   */
  private static void requireRegularIfPresent(Path file) {
    java.nio.file.attribute.BasicFileAttributes a;
    try {
      a = Files.readAttributes(file, java.nio.file.attribute.BasicFileAttributes.class,
          java.nio.file.LinkOption.NOFOLLOW_LINKS);
    } catch (NoSuchFileException e) {
      return;
    } catch (IOException e) {
      throw new io.medledger.storage.BlobUnavailableException("cannot examine " + file + ": " + e.getMessage(), e);
    }
    if (!a.isRegularFile()) {
      throw new io.medledger.storage.BlobUnavailableException(file + " is " + (a.isSymbolicLink() ? "a symbolic link"
          : "not a regular file") + ", not the journal of uploads this node writes: move it away");
    }
  }

  /**
   * Rewrites the journal with the pending blobs only (a temporary file written, synced and renamed
   * over it, then the directory synced), and reopens it for appending.
   */
  private void compact() {
    Path tmp = journalFile.resolveSibling(JOURNAL + ".tmp");
    try {
      closeJournal();
      OwnerOnly.write(tmp, new byte[0], true);
      try (FileChannel out = FileChannel.open(tmp, StandardOpenOption.WRITE)) {
        for (Map.Entry<Digest, Pending> e : pending.entrySet()) {
          ByteBuffer b = ByteBuffer.wrap(encode(e.getKey(), e.getValue()));
          while (b.hasRemaining()) {
            out.write(b);
          }
        }
        out.force(true);
      }
      Files.move(tmp, journalFile, java.nio.file.StandardCopyOption.ATOMIC_MOVE,
          java.nio.file.StandardCopyOption.REPLACE_EXISTING);
      OwnerOnly.syncDirectory(journalFile.toAbsolutePath().getParent());
      journal = FileChannel.open(journalFile, StandardOpenOption.WRITE, StandardOpenOption.APPEND);
      journalRecords = pending.size();
    } catch (IOException e) {
      throw new io.medledger.storage.BlobUnavailableException("cannot rewrite " + journalFile + ": " + e.getMessage(), e);
    }
  }

  private void append(Digest id, Pending p) {
    long before = -1;
    try {
      if (journal == null || !journal.isOpen()) {
        journal = FileChannel.open(journalFile, StandardOpenOption.WRITE, StandardOpenOption.APPEND);
      }
      before = journal.size();
      ByteBuffer b = ByteBuffer.wrap(encode(id, p));
      while (b.hasRemaining()) {
        journal.write(b);
      }
      journal.force(false);
      journalRecords++;
    } catch (IOException e) {
      try {
        if (before >= 0) {
          journal.truncate(before); // no torn record for the next ones to follow
        }
      } catch (IOException ignored) {
        // the next open reads whole records only and rewrites the journal
      }
      throw new io.medledger.storage.BlobUnavailableException("cannot append to " + journalFile + ": " + e.getMessage(),
          e);
    }
  }

  private void closeJournal() throws IOException {
    if (journal != null) {
      journal.close();
      journal = null;
    }
  }

  @Override
  public synchronized void close() {
    try {
      closeJournal();
    } catch (IOException ignored) {
      // every record was forced when appended
    }
    index.close();
  }
}
