package io.medledger.cli;

import io.medledger.codec.MalformedEncodingException;
import io.medledger.internal.BoundedInput;
import io.medledger.internal.PrivateFiles;
import java.io.IOException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;

/**
 * The command line's file input and output: every input file is read through
 * {@link BoundedInput} with a size cap, every output file is created owner-only (0600), atomically
 * and durably, and an existing file is replaced only when the command was given {@code --force}.
 * Stateless.
 */
final class CliFiles {
  private CliFiles() {}

  /** Reads {@code file}, at most {@code maxBytes} bytes; a missing file is a {@link CliException}. */
  static byte[] read(Path file, long maxBytes) throws IOException {
    try {
      return BoundedInput.readFile(file, maxBytes);
    } catch (NoSuchFileException e) {
      throw new CliException("no such file: " + file);
    }
  }

  /**
   * Reads {@code file} (at most {@link BoundedInput#MAX_BYTES}), which must be UTF-8 without a
   * byte-order mark: JSON bytes.
   */
  static byte[] readJson(Path file) throws IOException {
    return readJson(file, BoundedInput.MAX_BYTES);
  }

  /** As {@link #readJson(Path)}, at most {@code maxBytes} bytes. */
  static byte[] readJson(Path file, long maxBytes) throws IOException {
    byte[] b = read(file, maxBytes);
    try {
      BoundedInput.checkUtf8(b, file.toString());
    } catch (MalformedEncodingException e) {
      throw new CliException(file + " is not valid UTF-8 JSON");
    }
    if (b.length >= 3 && (b[0] & 0xff) == 0xef && (b[1] & 0xff) == 0xbb && (b[2] & 0xff) == 0xbf) {
      throw new CliException(file + " starts with a byte-order mark; JSON must be UTF-8 without one");
    }
    return b;
  }

  /** Turns the bytes or text read from a file into a value; throws on malformed content. */
  @FunctionalInterface
  interface Parser<T> {
    T parse() throws IOException;
  }

  /**
   * Runs {@code parser} on content read from {@code file}, so that malformed content is reported
   * as {@code "FILE: what is wrong"}: the one line then names the file it is about.
   */
  static <T> T parse(Path file, Parser<T> parser) throws IOException {
    try {
      return parser.parse();
    } catch (io.medledger.MedLedgerException | IllegalArgumentException e) {
      String m = String.valueOf(e.getMessage());
      throw new CliException(m.contains(file.toString()) ? m : file + ": " + m, e);
    }
  }

  /** As {@link #readJson}, as text. */
  static String readJsonText(Path file) throws IOException {
    return new String(readJson(file), java.nio.charset.StandardCharsets.UTF_8);
  }

  /**
   * Returns {@code path} if it names a regular file (after links); otherwise fails with one line
   * saying whether it is absent or something else (a directory, pipe or device).
   */
  static Path regularFile(String path, String what) {
    Path p = Path.of(path);
    if (!Files.isRegularFile(p)) {
      throw new CliException(Files.exists(p) ? what + " " + path + " is not a regular file" : "no such " + what + ": " + path);
    }
    return p;
  }

  /** Fails unless {@code force} is set or none of {@code files} exists. */
  static void refuseToOverwrite(boolean force, Path... files) {
    if (force) {
      return;
    }
    for (Path f : files) {
      if (Files.exists(f, java.nio.file.LinkOption.NOFOLLOW_LINKS)) {
        throw new CliException(f + " already exists; pass --force to overwrite it");
      }
    }
  }

  /**
   * Writes {@code data} to {@code file} (0600); an existing file only with {@code force}. The bytes
   * go to a new owner-only file beside it, forced to disk, renamed into place and the directory
   * synced: the result is owner-only whatever the mode of a file it replaces, a crash leaves the
   * earlier file or the new one (never a torn one), and a written file survives a power loss.
   */
  static void write(Path file, byte[] data, boolean force) throws IOException {
    try {
      if (force) {
        PrivateFiles.replace(file, data);
      } else {
        PrivateFiles.create(file, data);
      }
    } catch (FileAlreadyExistsException e) {
      throw new CliException(file + " already exists; pass --force to overwrite it");
    }
  }
}
