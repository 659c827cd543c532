package io.medledger.tlog;

import io.medledger.crypto.Digest;
import io.medledger.crypto.Ed25519PrivateKey;
import io.medledger.crypto.Ed25519PublicKey;
import io.medledger.crypto.Sha256;
import io.medledger.merkle.MerkleVerifier;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;

/**
 * A witness written from C2SP tlog-witness, tlog-cosignature and signed-note, parsing and signing
 * by itself (string operations and raw Ed25519), so that it cross-checks the library's formats.
 * It keeps the latest size and root it cosigned and only moves forward along consistency proofs.
 */
public final class SpecWitness {
  /** The result of an add-checkpoint request: HTTP-like status and body. */
  public record Response(int status, byte[] body) {}

  final String name;
  private final Ed25519PrivateKey key;
  /** The log's note keys by key name; a checkpoint signed by any one of them is the log's. */
  private final java.util.Map<String, Ed25519PublicKey> logKeys;
  private final String origin;
  private long size;
  private Digest root;
  /** The time it puts in cosignatures, POSIX seconds. */
  public volatile long clock = 1_767_225_600L;

  SpecWitness(String name, Ed25519PrivateKey key, String origin, String logKeyName, Ed25519PublicKey logKey) {
    this(name, key, origin, java.util.Map.of(logKeyName, logKey));
  }

  /** A witness of the log {@code origin} signed by any of {@code logKeys} (key name to key). */
  public SpecWitness(String name, Ed25519PrivateKey key, String origin, java.util.Map<String, Ed25519PublicKey> logKeys) {
    this.name = name;
    this.key = key;
    this.origin = origin;
    this.logKeys = java.util.Map.copyOf(logKeys);
  }

  /**
   * Serves {@code POST /add-checkpoint} on {@code bind} (loopback in tests) with
   * {@code com.sun.net.httpserver}; close the returned server's {@code stop(0)} when done.
   */
  public com.sun.net.httpserver.HttpServer serve(java.net.InetSocketAddress bind) throws java.io.IOException {
    com.sun.net.httpserver.HttpServer s = com.sun.net.httpserver.HttpServer.create(bind, 8);
    s.createContext("/add-checkpoint", ex -> {
      try (ex) {
        if (!ex.getRequestMethod().equals("POST")) {
          ex.sendResponseHeaders(405, -1);
          return;
        }
        byte[] body = ex.getRequestBody().readNBytes(1 << 20);
        Response r;
        synchronized (this) {
          r = addCheckpoint(body);
        }
        ex.getResponseHeaders().set("Content-Type", r.status() == 409 ? "text/x.tlog.size" : "text/plain; charset=utf-8");
        ex.sendResponseHeaders(r.status(), r.body().length == 0 ? -1 : r.body().length);
        if (r.body().length > 0) {
          ex.getResponseBody().write(r.body());
        }
      }
    });
    s.start();
    return s;
  }


  /** The vkey: name+hex(keyID)+base64(0x04 || key). */
  public String vkey() {
    byte[] k = new byte[33];
    k[0] = 0x04;
    System.arraycopy(key.publicKey().toBytes(), 0, k, 1, 32);
    return name + "+" + String.format("%08x", keyId(name, 0x04, key.publicKey())) + "+"
        + Base64.getEncoder().encodeToString(k);
  }

  static int keyId(String name, int type, Ed25519PublicKey pk) {
    byte[] h = Sha256.hash(name.getBytes(StandardCharsets.UTF_8), new byte[] {'\n', (byte) type}, pk.toBytes())
        .toByteArray();
    return ByteBuffer.wrap(h).getInt();
  }

  public synchronized long size() {
    return size;
  }

  public synchronized Response addCheckpoint(byte[] body) {
    String s = new String(body, StandardCharsets.UTF_8);
    int blank = s.indexOf("\n\n");
    if (!s.startsWith("old ") || blank < 0) {
      return new Response(400, new byte[0]);
    }
    String[] head = s.substring(0, blank).split("\n");
    long old = Long.parseLong(head[0].substring(4));
    List<Digest> proof = new ArrayList<>();
    for (int i = 1; i < head.length; i++) {
      proof.add(Digest.of(Base64.getDecoder().decode(head[i])));
    }
    String note = s.substring(blank + 2);
    int split = note.lastIndexOf("\n\n");
    String text = note.substring(0, split + 1);
    boolean signed = false;
    for (String line : note.substring(split + 2).split("\n")) {
      String[] parts = line.split(" ");
      Ed25519PublicKey logKey = parts.length == 3 ? logKeys.get(parts[1]) : null;
      if (parts[0].equals("\u2014") && logKey != null) {
        byte[] sig = Base64.getDecoder().decode(parts[2]);
        if (ByteBuffer.wrap(sig).getInt() == keyId(parts[1], 0x01, logKey)
            && logKey.verify(text.getBytes(StandardCharsets.UTF_8), java.util.Arrays.copyOfRange(sig, 4, sig.length))) {
          signed = true;
        }
      }
    }
    if (!signed) {
      return new Response(403, new byte[0]);
    }
    String[] lines = text.split("\n");
    if (!lines[0].equals(origin)) {
      return new Response(404, new byte[0]);
    }
    long newSize = Long.parseLong(lines[1]);
    Digest newRoot = Digest.of(Base64.getDecoder().decode(lines[2]));
    if (old != size) {
      return new Response(409, (size + "\n").getBytes(StandardCharsets.US_ASCII));
    }
    if (newSize < size) {
      return new Response(400, new byte[0]);
    }
    boolean consistent = size == 0 ? proof.isEmpty()
        : newSize == size ? proof.isEmpty() && newRoot.equals(root)
        : MerkleVerifier.verifyConsistency(size, newSize, proof, root, newRoot);
    if (!consistent) {
      return new Response(422, new byte[0]);
    }
    size = newSize;
    root = newRoot;
    long ts = clock;
    byte[] msg = ("cosignature/v1\ntime " + ts + "\n" + text).getBytes(StandardCharsets.UTF_8);
    byte[] sig = key.sign(msg);
    byte[] line = ByteBuffer.allocate(4 + 8 + 64).putInt(keyId(name, 0x04, key.publicKey())).putLong(ts).put(sig)
        .array();
    return new Response(200, ("\u2014 " + name + " " + Base64.getEncoder().encodeToString(line) + "\n")
        .getBytes(StandardCharsets.UTF_8));
  }
}
