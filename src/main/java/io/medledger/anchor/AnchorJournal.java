package io.medledger.anchor;

import io.medledger.codec.MalformedEncodingException;
import io.medledger.internal.Fsync;
import io.medledger.internal.Json;
import io.medledger.internal.PrivateFiles;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Where anchor records persist so that a restart resumes every anchor where it was.
 * Implementations are thread-safe.
 */
public interface AnchorJournal {
  /** Every saved record. */
  List<AnchorRecord> load();

  /** Saves (replaces) a record durably before returning. */
  void save(AnchorRecord record);

  /** A journal in memory (lost on restart), for tests. */
  static AnchorJournal inMemory() {
    Map<String, AnchorRecord> m = new ConcurrentHashMap<>();
    return new AnchorJournal() {
      @Override
      public List<AnchorRecord> load() {
        return new ArrayList<>(m.values());
      }

      @Override
      public void save(AnchorRecord record) {
        m.put(record.id().toHex(), record);
      }
    };
  }

  /**
   * A journal in {@code directory}: one JSON file per anchor, replaced atomically (write a
   * temporary file, fsync, rename, fsync the directory), so a crash leaves the old or the new
   * state, never a mix, and a saved record survives a power loss. Opening it deletes the temporary
   * files of saves a crash cut short, so one journal at a time should use a directory.
   *
   * @throws UncheckedIOException if the directory cannot be created or cleared of such files
   */
  static AnchorJournal inDirectory(Path directory) {
    try {
      Fsync.createDirectories(directory);
      PrivateFiles.deleteLeftovers(directory, ".tmp-*.json"); // the temporary files of save below
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return new AnchorJournal() {
      @Override
      public synchronized List<AnchorRecord> load() {
        List<AnchorRecord> out = new ArrayList<>();
        try (DirectoryStream<Path> ds = Files.newDirectoryStream(directory, "*.anchor.json")) {
          for (Path p : ds) {
            try (InputStream in = Files.newInputStream(p)) {
              out.add(AnchorRecordJson.read(Json.asObject(Json.parse(in), "anchor record")));
            } catch (MalformedEncodingException e) {
              throw new MalformedEncodingException("anchor journal file " + p + ": " + e.getMessage(), e);
            }
          }
        } catch (IOException e) {
          throw new UncheckedIOException(e);
        }
        return out;
      }

      @Override
      public synchronized void save(AnchorRecord record) {
        Path target = directory.resolve(record.id().toHex() + ".anchor.json");
        try {
          Path tmp = Files.createTempFile(directory, ".tmp-", ".json");
          try {
            byte[] json = Json.write(true, g -> AnchorRecordJson.write(g, record)).getBytes(StandardCharsets.UTF_8);
            try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.WRITE)) {
              java.nio.ByteBuffer buf = java.nio.ByteBuffer.wrap(json);
              while (buf.hasRemaining()) {
                ch.write(buf);
              }
              ch.force(true);
            }
            Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
          } finally {
            Files.deleteIfExists(tmp);
          }
          Fsync.directory(directory);
        } catch (IOException e) {
          throw new UncheckedIOException(e);
        }
      }
    };
  }
}
