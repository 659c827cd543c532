package io.medledger.anchor.ots;

import io.medledger.codec.Hex;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Objects;

/**
 * A claim, at a node of an OpenTimestamps proof, that the node's message existed at some time:
 * a Bitcoin (or Litecoin, Ethereum) block header at a height, a calendar that will upgrade the
 * proof later, or a notary this library does not know (kept byte for byte).
 *
 * <p>Immutable and thread-safe.
 */
public sealed interface OtsAttestation
    permits OtsAttestation.BlockHeight, OtsAttestation.Pending, OtsAttestation.Unknown {
  /** Length of an attestation tag in bytes. */
  int TAG_LENGTH = 8;
  /** Largest attestation payload accepted, in bytes. */
  int MAX_PAYLOAD_LENGTH = 8192;
  /** Longest calendar URI accepted, in bytes. */
  int MAX_URI_LENGTH = 1000;

  /** The 8-byte tag (a copy). */
  byte[] tag();

  /** The payload as serialized after the tag's length prefix (a copy). */
  byte[] payload();

  /** A short kind: {@code bitcoin}, {@code litecoin}, {@code ethereum}, {@code pending} or {@code unknown}. */
  String kind();

  /** An attestation to a block header of some chain at a height; the payload is the height as a varuint. */
  sealed interface BlockHeight extends OtsAttestation permits Bitcoin, Litecoin, Ethereum {
    /** The block height. */
    long height();

    @Override
    default byte[] payload() {
      return OtsCodec.varuint(height());
    }

    /** Validates a height. */
    static long checkHeight(long height) {
      if (height < 0) {
        throw new IllegalArgumentException("negative block height");
      }
      return height;
    }
  }

  /** Attestation to Bitcoin at {@code height}. */
  static Bitcoin bitcoin(long height) {
    return new Bitcoin(height);
  }

  /**
   * The Merkle root of the Bitcoin block at {@code height} equals the message (in the header's
   * byte order).
   *
   * @param height the block height
   */
  record Bitcoin(long height) implements BlockHeight {
    static final byte[] TAG = Hex.decode("0588960d73d71901");

    /** Validates the height. */
    public Bitcoin {
      BlockHeight.checkHeight(height);
    }

    @Override
    public byte[] tag() {
      return TAG.clone();
    }

    @Override
    public String kind() {
      return "bitcoin";
    }
  }

  /**
   * A Litecoin block header attestation.
   *
   * @param height the block height
   */
  record Litecoin(long height) implements BlockHeight {
    static final byte[] TAG = Hex.decode("06869a0d73d71b45");

    /** Validates the height. */
    public Litecoin {
      BlockHeight.checkHeight(height);
    }

    @Override
    public byte[] tag() {
      return TAG.clone();
    }

    @Override
    public String kind() {
      return "litecoin";
    }
  }

  /**
   * An Ethereum block header attestation (the reference keeps it among its "dubious" notaries).
   *
   * @param height the block number
   */
  record Ethereum(long height) implements BlockHeight {
    static final byte[] TAG = Hex.decode("30fe8087b5c7ead7");

    /** Validates the height. */
    public Ethereum {
      BlockHeight.checkHeight(height);
    }

    @Override
    public byte[] tag() {
      return TAG.clone();
    }

    @Override
    public String kind() {
      return "ethereum";
    }
  }

  /**
   * The calendar at {@code uri} has the message and will commit it to Bitcoin; the proof can be
   * upgraded from there later.
   *
   * @param uri the calendar URL: at most 1000 bytes of {@code A-Z a-z 0-9 - . _ / :}
   */
  record Pending(String uri) implements OtsAttestation {
    static final byte[] TAG = Hex.decode("83dfe30d2ef90c8e");

    /** Validates the URI as the reference client does. */
    public Pending {
      Objects.requireNonNull(uri, "uri");
      if (uri.length() > MAX_URI_LENGTH) {
        throw new IllegalArgumentException("calendar URI longer than " + MAX_URI_LENGTH + " bytes");
      }
      for (int i = 0; i < uri.length(); i++) {
        char c = uri.charAt(i);
        boolean ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')
            || c == '-' || c == '.' || c == '_' || c == '/' || c == ':';
        if (!ok) {
          throw new IllegalArgumentException("calendar URI has a character outside A-Z a-z 0-9 - . _ / : at index " + i);
        }
      }
    }

    @Override
    public byte[] tag() {
      return TAG.clone();
    }

    @Override
    public byte[] payload() {
      byte[] u = uri.getBytes(StandardCharsets.US_ASCII);
      byte[] len = OtsCodec.varuint(u.length);
      byte[] out = Arrays.copyOf(len, len.length + u.length);
      System.arraycopy(u, 0, out, len.length, u.length);
      return out;
    }

    @Override
    public String kind() {
      return "pending";
    }
  }

  /**
   * An attestation with a tag this library does not interpret; kept so the proof is rewritten
   * unchanged.
   *
   * @param tag the 8-byte tag (copied; the accessor returns a copy)
   * @param payload the raw payload, at most 8192 bytes (copied)
   */
  record Unknown(byte[] tag, byte[] payload) implements OtsAttestation {
    /** Validates and copies the fields; a known tag is refused (use its own type). */
    public Unknown {
      if (tag.length != TAG_LENGTH) {
        throw new IllegalArgumentException("an attestation tag is 8 bytes");
      }
      if (payload.length > MAX_PAYLOAD_LENGTH) {
        throw new IllegalArgumentException("attestation payload longer than " + MAX_PAYLOAD_LENGTH + " bytes");
      }
      if (Arrays.equals(tag, Bitcoin.TAG) || Arrays.equals(tag, Pending.TAG)
          || Arrays.equals(tag, Litecoin.TAG) || Arrays.equals(tag, Ethereum.TAG)) {
        throw new IllegalArgumentException("tag " + Hex.encode(tag) + " is a known attestation");
      }
      tag = tag.clone();
      payload = payload.clone();
    }

    @Override
    public byte[] tag() {
      return tag.clone();
    }

    @Override
    public byte[] payload() {
      return payload.clone();
    }

    @Override
    public String kind() {
      return "unknown";
    }

    @Override
    public boolean equals(Object o) {
      return o instanceof Unknown u && Arrays.equals(tag, u.tag) && Arrays.equals(payload, u.payload);
    }

    @Override
    public int hashCode() {
      return 31 * Arrays.hashCode(tag) + Arrays.hashCode(payload);
    }

    @Override
    public String toString() {
      return "Unknown[tag=" + Hex.encode(tag) + ", payload=" + payload.length + " bytes]";
    }
  }
}
