package io.medledger.internal;

import io.medledger.codec.MalformedEncodingException;
import java.io.IOException;
import java.io.InputStream;
import java.io.FilterInputStream;
import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CoderResult;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Reads untrusted input (files and standard input of the command line, files the library loads)
 * with a size cap checked before anything large is allocated, and decodes text strictly. JSON read
 * this way is then parsed by {@link Json}, which caps tokens, elements per container and depth.
 * Stateless and thread-safe.
 */
public final class BoundedInput {
  /** Default cap for one input file or stream: 64 MiB. */
  public static final long MAX_BYTES = 64L << 20;

  private BoundedInput() {}

  /**
   * Reads the whole file {@code file}, which may hold at most {@code maxBytes} bytes and must be a
   * regular file (after links): a named pipe would block the opening thread until something writes
   * to it, and a device such as {@code /dev/zero} has no end.
   *
   * @throws MalformedEncodingException if the file is larger (checked before reading, and again
   *     while reading in case it grows)
   * @throws IOException if it cannot be read ({@link java.nio.file.NoSuchFileException} if absent,
   *     {@link java.nio.file.FileSystemException} with reason "not a regular file" if it is a
   *     directory, pipe, socket or device)
   */
  public static byte[] readFile(Path file, long maxBytes) throws IOException {
    requireRegularFile(file);
    long size = Files.size(file);
    if (size > maxBytes) {
      throw tooLarge(file.toString(), maxBytes);
    }
    try (InputStream in = Files.newInputStream(file)) {
      return read(in, maxBytes, file.toString());
    }
  }

  /**
   * Opens {@code file} (following links) for reading only if it is a regular file: a named pipe
   * nothing writes to would block the opening thread for ever, and a directory or device is no
   * file's content.
   *
   * @throws java.nio.file.NoSuchFileException if it is absent
   * @throws java.nio.file.FileSystemException with reason "not a regular file" if it is something else
   */
  public static InputStream openRegularFile(Path file) throws IOException {
    requireRegularFile(file);
    return Files.newInputStream(file);
  }

  /**
   * Checks that {@code file} is a regular file (following links), before it is opened to be read.
   *
   * @throws java.nio.file.NoSuchFileException if it is absent
   * @throws java.nio.file.FileSystemException with reason "not a regular file" if it is something else
   */
  public static void requireRegularFile(Path file) throws IOException {
    if (!Files.readAttributes(file, java.nio.file.attribute.BasicFileAttributes.class).isRegularFile()) {
      throw new java.nio.file.FileSystemException(file.toString(), null, "not a regular file");
    }
  }

  /**
   * Reads {@code in} to its end; {@code what} names it in the error.
   *
   * @throws MalformedEncodingException if it holds more than {@code maxBytes} bytes
   */
  public static byte[] read(InputStream in, long maxBytes, String what) throws IOException {
    if (maxBytes < 0 || maxBytes > Integer.MAX_VALUE - 16) {
      throw new IllegalArgumentException("maxBytes out of range: " + maxBytes);
    }
    byte[] b = in.readNBytes((int) maxBytes + 1);
    if (b.length > maxBytes) {
      throw tooLarge(what, maxBytes);
    }
    return b;
  }

  /**
   * Wraps {@code in} so that reading more than {@code maxBytes} bytes from it throws
   * {@link MalformedEncodingException} naming {@code what}; for parsers that stream.
   */
  public static InputStream limit(InputStream in, long maxBytes, String what) {
    return new FilterInputStream(in) {
      private long count;

      private int counted(int n) {
        if (n > 0) {
          count += n;
          if (count > maxBytes) {
            throw tooLarge(what, maxBytes);
          }
        }
        return n;
      }

      @Override
      public int read() throws IOException {
        int b = super.read();
        counted(b < 0 ? -1 : 1);
        return b;
      }

      @Override
      public int read(byte[] b, int off, int len) throws IOException {
        return counted(super.read(b, off, len));
      }

      @Override
      public long skip(long n) throws IOException {
        long k = super.skip(n);
        counted((int) Math.min(k, Integer.MAX_VALUE));
        return k;
      }
    };
  }

  /**
   * Checks that {@code bytes} are well-formed UTF-8 without decoding them all at once;
   * {@code what} names the input in the error ({@code "WHAT is not valid UTF-8"}).
   *
   * @throws MalformedEncodingException if they are not
   */
  public static void checkUtf8(byte[] bytes, String what) {
    CharsetDecoder d = StandardCharsets.UTF_8.newDecoder()
        .onMalformedInput(CodingErrorAction.REPORT)
        .onUnmappableCharacter(CodingErrorAction.REPORT);
    ByteBuffer in = ByteBuffer.wrap(bytes);
    CharBuffer out = CharBuffer.allocate(8192);
    CoderResult r;
    do {
      out.clear();
      r = d.decode(in, out, true);
      if (r.isError()) {
        throw new MalformedEncodingException(what + " is not valid UTF-8");
      }
    } while (r.isOverflow());
    out.clear();
    if (d.flush(out).isError()) {
      throw new MalformedEncodingException(what + " is not valid UTF-8");
    }
  }

  /**
   * Decodes {@code bytes} as UTF-8, rejecting malformed sequences.
   *
   * @throws MalformedEncodingException if the bytes are not valid UTF-8
   */
  public static String utf8(byte[] bytes, String what) {
    checkUtf8(bytes, what);
    return new String(bytes, StandardCharsets.UTF_8);
  }

  private static MalformedEncodingException tooLarge(String what, long maxBytes) {
    return new MalformedEncodingException(what + " is larger than " + maxBytes + " bytes");
  }
}
