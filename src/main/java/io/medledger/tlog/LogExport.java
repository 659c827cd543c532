package io.medledger.tlog;

import io.medledger.chain.CertifiedBlock;
import io.medledger.chain.Entry;
import io.medledger.codec.MalformedEncodingException;
import io.medledger.crypto.Digest;
import io.medledger.merkle.Rfc9162;
import io.medledger.merkle.Subtrees;
import io.medledger.storage.BlockStore;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Writes a ledger's log as a static C2SP {@code tlog-tiles} tree ({@code checkpoint},
 * {@code checkpoint.vkeys}, {@code tile/<L>/...}, {@code tile/entries/...}) and verifies such a tree
 * offline.
 *
 * <p>Thread-safe: stateless.
 */
public final class LogExport {
  /** Largest entry an entry bundle can hold (2-byte length prefix). */
  public static final int MAX_ENTRY = 0xffff;

  private LogExport() {}

  /** The outcome of {@link #verify}: the verified size, or the first mismatch. */
  public record Verdict(long size, Optional<String> mismatch) {
    /** Checks that no required component is null. */
    public Verdict {
      java.util.Objects.requireNonNull(mismatch, "mismatch");
    }

    /** Whether everything verified. */
    public boolean verified() {
      return mismatch.isEmpty();
    }

    static Verdict fail(String what) {
      return new Verdict(-1, Optional.of(what));
    }
  }

  /**
   * Exports the latest checkpoint of {@code checkpoints}, the keys that signed it, every hash tile
   * of its tree from {@code log}, and every entry bundle from the blocks of {@code blocks}; returns
   * the tree size. The export is durable when this returns: the checkpoint goes first (an export
   * in {@code out} from before stops being one), every tile, bundle and the keys are written and
   * synced with their directories, and the checkpoint comes back last, atomically. A crash leaves
   * either the whole export or a tree without a checkpoint, which {@link #verify} refuses. Each
   * file is replaced by a new one (0600), never written through a symbolic link in its place.
   *
   * @throws IllegalStateException if there is no checkpoint, the log is shorter than it, or an
   *     entry is larger than {@link #MAX_ENTRY} bytes
   * @throws IOException if a file cannot be written, if group or others may write {@code out} or
   *     another account owns it (so could swap its directories for links meanwhile), or if a
   *     symbolic link or a file stands where a directory of the tree belongs
   */
  public static long export(BlockStore blocks, TileLog log, CheckpointStore checkpoints, Path out) throws IOException {
    SignedNote note = checkpoints.latest().orElseThrow(() -> new IllegalStateException("no checkpoint published"));
    Checkpoint c = Checkpoint.parse(note.text());
    long n = c.size();
    if (n > log.size()) {
      throw new IllegalStateException("the checkpoint's size " + n + " is beyond the tile log's " + log.size());
    }
    List<NoteKey> signed = new ArrayList<>();
    for (NoteKey k : checkpoints.verifierKeys()) {
      if (note.signatures().stream().anyMatch(k::matches)) {
        signed.add(k);
      }
    }
    OwnerFiles.privateRoot(out);
    Path latest = out.resolve(CheckpointStore.LATEST);
    if (java.nio.file.Files.deleteIfExists(latest)) {
      OwnerFiles.fsync(out); // an older export's tiles are rewritten below: it must stop verifying first
    }
    java.util.Set<Path> written = new java.util.LinkedHashSet<>();
    for (int level = 0; TilePath.tileCount(n, level) > 0; level++) {
      for (long i = 0; i < TilePath.tileCount(n, level); i++) {
        TilePath p = TilePath.inTree(level, i, n);
        written.add(write(out, out.resolve(p.toString()), log.tile(p, n)));
      }
    }
    ByteArrayOutputStream bundle = new ByteArrayOutputStream();
    long index = 0;
    for (long h = 0; h < blocks.size() && index < n; h++) {
      for (Entry e : CertifiedBlock.decode(blocks.read(h)).block().entries()) {
        if (index == n) {
          break;
        }
        byte[] leaf = e.encode();
        if (leaf.length > MAX_ENTRY) {
          throw new IllegalStateException("entry " + index + " is " + leaf.length
              + " bytes; tlog-tiles entry bundles hold at most " + MAX_ENTRY);
        }
        bundle.write(leaf.length >>> 8);
        bundle.write(leaf.length & 0xff);
        bundle.write(leaf);
        index++;
        if (index % TilePath.FULL == 0 || index == n) {
          TilePath p = TilePath.inTree(TilePath.ENTRIES, (index - 1) >>> TilePath.HEIGHT, n);
          written.add(write(out, out.resolve(p.toString()), bundle.toByteArray()));
          bundle.reset();
        }
      }
    }
    if (index != n) {
      throw new IllegalStateException("the block store holds " + index + " entries, fewer than the checkpoint's " + n);
    }
    StringBuilder vk = new StringBuilder();
    signed.forEach(k -> vk.append(k.encode()).append('\n'));
    written.add(write(out, out.resolve(CheckpointStore.VKEYS),
        vk.toString().getBytes(java.nio.charset.StandardCharsets.UTF_8)));
    java.util.Set<Path> dirs = new java.util.LinkedHashSet<>();
    for (Path f : written) {
      OwnerFiles.fsync(f);
      dirs.add(f.getParent());
    }
    for (Path d : dirs) {
      OwnerFiles.fsync(d);
    }
    OwnerFiles.writeAtomic(latest, note.toBytes());
    return n;
  }

  private static Path write(Path out, Path file, byte[] data) throws IOException {
    OwnerFiles.writeBelow(out, file, data);
    return file;
  }

  /**
   * Verifies an exported tree offline: the checkpoint is signed by every Ed25519 key in
   * {@code checkpoint.vkeys} and cosigned by every witness key there; the top tiles hash to the
   * checkpoint's root; every full tile hashes to its entry in the level above; every entry bundle
   * has exactly its width of entries whose leaf hashes are the level-0 hashes. Never throws for
   * bad content: the first mismatch is named in the verdict.
   *
   * @throws IOException if a file cannot be read for a reason other than its absence
   */
  public static Verdict verify(Path dir, long nowSeconds) throws IOException {
    byte[] cp = OwnerFiles.read(dir.resolve(CheckpointStore.LATEST), SignedNote.MAX_BYTES);
    byte[] vk = OwnerFiles.read(dir.resolve(CheckpointStore.VKEYS), SignedNote.MAX_BYTES);
    if (cp == null || vk == null) {
      return Verdict.fail("missing " + (cp == null ? CheckpointStore.LATEST : CheckpointStore.VKEYS));
    }
    SignedNote note;
    List<NoteKey> keys;
    Checkpoint c;
    try {
      note = SignedNote.parse(cp);
      keys = CheckpointStore.parseVerifierKeys(vk);
      c = Checkpoint.parse(note.text());
    } catch (MalformedEncodingException e) {
      return Verdict.fail("malformed checkpoint or vkeys: " + e.getMessage());
    }
    List<NoteKey> logKeys = keys.stream().filter(k -> k.type() == NoteKey.ED25519).distinct().toList();
    List<NoteKey> witnesses = keys.stream().filter(k -> k.type() == NoteKey.COSIGNATURE_V1).distinct().toList();
    if (logKeys.isEmpty()) {
      return Verdict.fail("checkpoint.vkeys lists no Ed25519 note key");
    }
    int logSigners = (int) logKeys.stream().map(NoteKey::publicKey).distinct().count();
    int witnessSigners = (int) witnesses.stream().map(NoteKey::publicKey).distinct().count();
    CheckpointVerdict v = new CheckpointVerifier(c.origin(), logKeys, logSigners, witnesses, witnessSigners, 60)
        .verify(note, nowSeconds);
    if (!v.isVerified()) {
      return Verdict.fail("checkpoint signatures: " + v.reason() + " (" + v.detail() + ")");
    }
    long n = c.size();
    Map<TilePath, byte[]> cache = new HashMap<>();
    String[] bad = new String[1];
    TileHashes.Tiles tiles = (level, index) -> {
      TilePath p = TilePath.inTree(level, index, n);
      byte[] t = cache.get(p);
      if (t == null) {
        t = readTile(dir, p);
        if (t == null) {
          bad[0] = p + ": missing or not " + p.width() * Digest.LENGTH + " bytes";
          throw new IllegalStateException(bad[0]);
        }
        if (cache.size() > 64) {
          cache.clear();
        }
        cache.put(p, t);
      }
      return t;
    };
    try {
      Digest root = Subtrees.root((height, index) -> TileHashes.subtree(tiles, height, index), n);
      if (!root.equals(c.root())) {
        return Verdict.fail("the top tiles do not hash to the checkpoint's root");
      }
      int top = 0;
      while (TilePath.tileCount(n, top + 1) > 0) {
        top++;
      }
      for (int level = top - 1; level >= 0; level--) {
        for (long i = 0; i < TilePath.tileCount(n, level); i++) {
          TilePath p = TilePath.inTree(level, i, n);
          byte[] t = tiles.tile(level, i);
          if (p.isFull()) {
            byte[] parent = tiles.tile(level + 1, i >>> TilePath.HEIGHT);
            int off = (int) (i & (TilePath.FULL - 1)) * Digest.LENGTH;
            if (!Arrays.equals(TileHashes.mth(t, 0, TilePath.FULL), 0, Digest.LENGTH, parent, off, off + Digest.LENGTH)) {
              return Verdict.fail(p + " does not hash to its entry in " + TilePath.inTree(level + 1,
                  i >>> TilePath.HEIGHT, n));
            }
          }
        }
      }
      for (long i = 0; i < TilePath.tileCount(n, TilePath.ENTRIES); i++) {
        TilePath p = TilePath.inTree(TilePath.ENTRIES, i, n);
        byte[] level0 = tiles.tile(0, i);
        String m = checkBundle(dir, p, level0);
        if (m != null) {
          return Verdict.fail(m);
        }
      }
    } catch (IllegalStateException e) {
      if (bad[0] != null) {
        return Verdict.fail(bad[0]);
      }
      throw e;
    }
    return new Verdict(n, Optional.empty());
  }

  private static byte[] readTile(Path dir, TilePath p) throws IllegalStateException {
    try {
      byte[] b = OwnerFiles.read(dir.resolve(p.toString()), TileLog.TILE_BYTES);
      return b != null && b.length == p.width() * Digest.LENGTH ? b : null;
    } catch (IOException e) {
      return null;
    }
  }

  private static String checkBundle(Path dir, TilePath p, byte[] level0) throws IllegalStateException {
    byte[] b;
    try {
      b = OwnerFiles.read(dir.resolve(p.toString()), p.width() * (2 + MAX_ENTRY));
    } catch (IOException e) {
      return p + ": " + e.getMessage();
    }
    if (b == null) {
      return p + ": missing";
    }
    int pos = 0;
    for (int i = 0; i < p.width(); i++) {
      if (pos + 2 > b.length) {
        return p + ": holds fewer than " + p.width() + " entries";
      }
      int len = ((b[pos] & 0xff) << 8) | (b[pos + 1] & 0xff);
      pos += 2;
      if (pos + len > b.length) {
        return p + ": entry " + i + " is truncated";
      }
      Digest h = Rfc9162.leafHash(b, pos, len);
      if (!h.equals(Digest.of(level0, i * Digest.LENGTH))) {
        return p + ": entry " + i + " does not hash to its level-0 tile hash";
      }
      pos += len;
    }
    if (pos != b.length) {
      return p + ": has bytes after its " + p.width() + " entries";
    }
    return null;
  }
}
