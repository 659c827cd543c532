package io.medledger.node;

import com.code_intelligence.jazzer.junit.FuzzTest;
import io.medledger.consensus.QuorumCertificate;
import io.medledger.consensus.ConsensusMessage;
import io.medledger.consensus.Statement;
import io.medledger.consensus.StatementKind;
import io.medledger.crypto.Digest;
import io.medledger.crypto.Ed25519PrivateKey;
import io.medledger.crypto.Sha256;
import io.medledger.internal.transport.FrameCodec;
import io.medledger.internal.transport.NodeFrames;
import io.medledger.testing.DecoderFuzzing;
import io.medledger.testing.DecoderSpec;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * Fuzzes the node transport's decoders: the stream de-framer ({@link FrameCodec#split}), the
 * version handshake ({@link FrameCodec.Hello#decode}) and the protocol driver's frames
 * ({@link NodeFrames#decode}: consensus, sync request, sync response). See {@link DecoderFuzzing}.
 */
class TransportFrameFuzzTest extends DecoderFuzzing {
  private static final Digest CHAIN = Sha256.hash("fuzz-chain".getBytes(StandardCharsets.UTF_8));
  /** The frame cap the transport applies by default. */
  static final int MAX_FRAME = TransportLimits.defaults().maxFrameBytes();

  @FuzzTest
  void fuzz(byte[] data) {
    fuzzOne(data);
  }

  @Override
  protected List<DecoderSpec<?>> specs() {
    return List.of(
        DecoderSpec.canonical("hello", FrameCodec.Hello::decode, FrameCodec.Hello::encode),
        // The de-framer drops keep-alives and an incomplete tail, so its encoding is a fixed point, not identity.
        DecoderSpec.textual("stream", (byte[] b) -> FrameCodec.split(b, MAX_FRAME),
            TransportFrameFuzzTest::stream).byEncoding(),
        DecoderSpec.canonical("node-frame", (byte[] b) -> NodeFrames.decode(b, MAX_FRAME),
            TransportFrameFuzzTest::encode).byEncoding());
  }

  /** A connection's byte stream carrying {@code frames}. */
  static byte[] stream(List<byte[]> frames) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    for (byte[] f : frames) {
      out.writeBytes(FrameCodec.prefix(f.length));
      out.writeBytes(f);
    }
    return out.toByteArray();
  }

  static byte[] encode(NodeFrames.Frame f) {
    if (f instanceof NodeFrames.Consensus c) {
      return NodeFrames.consensus(c.message());
    } else if (f instanceof NodeFrames.SyncRequest q) {
      return NodeFrames.encode(q);
    } else if (f instanceof NodeFrames.CheckpointNote n) {
      return NodeFrames.checkpoint(n.payload());
    }
    return NodeFrames.encode((NodeFrames.SyncResponse) f);
  }

  private static Ed25519PrivateKey key(int i) {
    return Ed25519PrivateKey.fromSeed(Sha256.hash(new byte[] {(byte) i}).toByteArray());
  }

  private static QuorumCertificate cert(long height, Digest block, int signers) {
    Statement st = new Statement(StatementKind.PRECOMMIT, height, 0, block, -1);
    List<QuorumCertificate.VoterSignature> sigs = new ArrayList<>();
    for (int i = 0; i < signers; i++) {
      sigs.add(new QuorumCertificate.VoterSignature(i, key(i).sign(st.signingBytes(CHAIN))));
    }
    return new QuorumCertificate(st, sigs);
  }

  @Override
  protected List<Seed> seeds() {
    byte[] blockBytes = "an encoded block".getBytes(StandardCharsets.UTF_8);
    Digest block = Sha256.hash(blockBytes);
    FrameCodec.Hello hello = FrameCodec.Hello.of(CHAIN);
    byte[] status = ConsensusMessage.Status.sign(6, 2, 3, key(3), CHAIN).encode();
    byte[] consensus = NodeFrames.consensus(status);
    byte[] request = NodeFrames.encode(new NodeFrames.SyncRequest(3, 100));
    List<Seed> out = new ArrayList<>();
    out.add(new Seed(0, "v1", hello));
    out.add(new Seed(0, "range", new FrameCodec.Hello(1, 3, CHAIN)));
    out.add(new Seed(1, "hello-then-frames", List.of(hello.encode(), consensus, request)));
    out.add(new Seed(1, "one", List.of(new byte[] {1})));
    out.add(new Seed(2, "consensus", new NodeFrames.Consensus(status)));
    out.add(new Seed(2, "sync-request", new NodeFrames.SyncRequest(3, 100)));
    out.add(new Seed(2, "sync-response", new NodeFrames.SyncResponse(3, 5, List.of(blockBytes, new byte[0]),
        List.of(cert(3, block, 2), cert(4, block, 1)))));
    out.add(new Seed(2, "sync-response-empty", new NodeFrames.SyncResponse(9, 8, List.of(), List.of())));
    return out;
  }
}
