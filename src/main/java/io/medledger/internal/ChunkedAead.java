package io.medledger.internal;

import io.medledger.codec.MalformedEncodingException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.util.Arrays;
import org.bouncycastle.crypto.InvalidCipherTextException;
import org.bouncycastle.crypto.modes.ChaCha20Poly1305;
import org.bouncycastle.crypto.params.AEADParameters;
import org.bouncycastle.crypto.params.KeyParameter;

/**
 * Streaming authenticated encryption in fixed-size chunks (the STREAM construction of Hoang,
 * Reyhanitabar, Rogaway and Vizár): each chunk is sealed with ChaCha20-Poly1305 under one key,
 * with the nonce {@code counter (11 bytes, big-endian) || last (1 byte)} and the caller's
 * associated data. Reordering, dropping, duplicating or truncating chunks fails authentication.
 *
 * <p>The key must be fresh for every stream (nonces are deterministic). Decryption releases a
 * chunk's plaintext only after that chunk authenticated; a stream that fails part-way has released
 * the earlier chunks, so callers buffer or discard output on failure. Thread-safe: stateless.
 */
public final class ChunkedAead {
  /** Plaintext bytes per chunk. */
  public static final int CHUNK = 64 * 1024;
  /** Authentication tag bytes per chunk. */
  public static final int TAG = 16;
  /** Highest number of chunks in one stream (2^40 chunks of 64 KiB = 64 PiB). */
  public static final long MAX_CHUNKS = 1L << 40;

  private ChunkedAead() {}

  /** Returns the ciphertext length for a plaintext of {@code plaintextLength} bytes. */
  public static long ciphertextLength(long plaintextLength) {
    long chunks = Math.max(1, (plaintextLength + CHUNK - 1) / CHUNK);
    return plaintextLength + chunks * TAG;
  }

  /** Encrypts all of {@code in} to {@code out}; returns the number of plaintext bytes. */
  public static long encrypt(byte[] key, byte[] associatedData, InputStream in, OutputStream out) throws IOException {
    byte[] cur = new byte[CHUNK];
    byte[] next = new byte[CHUNK];
    int curLen = readFully(in, cur);
    long counter = 0;
    long total = 0;
    byte[] sealed = new byte[CHUNK + TAG];
    while (true) {
      int nextLen = curLen == CHUNK ? readFully(in, next) : 0;
      boolean last = nextLen == 0;
      if (counter >= MAX_CHUNKS) {
        throw new IllegalArgumentException("stream too long");
      }
      int n = process(true, key, associatedData, counter, last, cur, curLen, sealed);
      out.write(sealed, 0, n);
      total += curLen;
      if (last) {
        return total;
      }
      counter++;
      byte[] t = cur;
      cur = next;
      next = t;
      curLen = nextLen;
    }
  }

  /**
   * Decrypts a stream made by {@link #encrypt} to {@code out}; returns the plaintext length.
   *
   * @throws javax.crypto.AEADBadTagException if any chunk fails authentication or the stream is truncated
   */
  public static long decrypt(byte[] key, byte[] associatedData, InputStream in, OutputStream out)
      throws IOException, javax.crypto.AEADBadTagException {
    byte[] cur = new byte[CHUNK + TAG];
    byte[] next = new byte[CHUNK + TAG];
    byte[] plain = new byte[CHUNK];
    int curLen = readFully(in, cur);
    long counter = 0;
    long total = 0;
    while (true) {
      if (curLen < TAG) {
        throw new javax.crypto.AEADBadTagException("truncated encrypted stream");
      }
      int nextLen = curLen == CHUNK + TAG ? readFully(in, next) : 0;
      boolean last = nextLen == 0;
      int n;
      try {
        n = process(false, key, associatedData, counter, last, cur, curLen, plain);
      } catch (IllegalStateException e) {
        throw new javax.crypto.AEADBadTagException("encrypted stream failed authentication at chunk " + counter);
      }
      out.write(plain, 0, n);
      total += n;
      if (last) {
        return total;
      }
      counter++;
      if (counter >= MAX_CHUNKS) {
        throw new MalformedEncodingException("encrypted stream too long");
      }
      byte[] t = cur;
      cur = next;
      next = t;
      curLen = nextLen;
    }
  }

  private static int process(boolean encrypt, byte[] key, byte[] ad, long counter, boolean last,
      byte[] in, int len, byte[] out) {
    byte[] nonce = new byte[12];
    for (int i = 0; i < 8; i++) {
      nonce[10 - i] = (byte) (counter >>> (8 * i));
    }
    nonce[11] = (byte) (last ? 1 : 0);
    ChaCha20Poly1305 c = new ChaCha20Poly1305();
    c.init(encrypt, new AEADParameters(new KeyParameter(key), TAG * 8, nonce, ad));
    int n = c.processBytes(in, 0, len, out, 0);
    try {
      return n + c.doFinal(out, n);
    } catch (InvalidCipherTextException e) {
      Arrays.fill(out, (byte) 0);
      throw new IllegalStateException("authentication failed");
    }
  }

  private static int readFully(InputStream in, byte[] buf) throws IOException {
    int off = 0;
    while (off < buf.length) {
      int r = in.read(buf, off, buf.length - off);
      if (r < 0) {
        break;
      }
      off += r;
    }
    return off;
  }
}
