package io.medledger.consensus;

import io.medledger.codec.MalformedEncodingException;
import io.medledger.crypto.Digest;
import io.medledger.crypto.Ed25519PublicKey;
import io.medledger.crypto.Ed25519Signatures;
import io.medledger.internal.consensus.Wire;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;

/**
 * Signatures by more than two thirds of the voters on one {@link Statement} (a precommit
 * certificate makes a block final; a prevote certificate is a proof of lock). Kept beside the
 * block header, outside its hash. Signers are named by their index in the voter list of the
 * block's height, and are listed in increasing index order. Immutable; {@link #verify} is the only
 * way to trust one.
 */
public record QuorumCertificate(Statement statement, List<VoterSignature> signatures) {
  /** Upper bound on signatures a decoder accepts. */
  public static final int MAX_SIGNERS = 1024;

  /** One voter's signature: its index in the voter list and 64 signature bytes. */
  public record VoterSignature(int signer, byte[] signature) {
    public VoterSignature {
      if (signer < 0 || signature == null || signature.length != Ed25519Signatures.SIGNATURE_LENGTH) {
        throw new IllegalArgumentException("a certificate signature is a signer index and 64 bytes");
      }
      signature = signature.clone();
    }

    @Override
    public byte[] signature() {
      return signature.clone();
    }

    byte[] raw() {
      return signature;
    }

    @Override
    public boolean equals(Object o) {
      return o instanceof VoterSignature s && s.signer == signer && Arrays.equals(s.signature, signature);
    }

    @Override
    public int hashCode() {
      return 31 * signer + Arrays.hashCode(signature);
    }

    @Override
    public String toString() {
      return "VoterSignature[signer=" + signer + "]";
    }
  }

  public QuorumCertificate {
    Objects.requireNonNull(statement, "statement");
    if (statement.kind() != StatementKind.PREVOTE && statement.kind() != StatementKind.PRECOMMIT) {
      throw new IllegalArgumentException("a certificate is over prevotes or precommits");
    }
    signatures = List.copyOf(signatures);
    for (int i = 1; i < signatures.size(); i++) {
      if (signatures.get(i).signer() <= signatures.get(i - 1).signer()) {
        throw new IllegalArgumentException("certificate signers must be distinct and ascending");
      }
    }
  }

  /** Height of the certified block. */
  public long height() {
    return statement.height();
  }

  /** Hash of the certified block. */
  public Digest blockHash() {
    return statement.hash();
  }

  /** Round in which the block was certified. */
  public int round() {
    return statement.round();
  }

  /** The voter indices that signed, ascending. */
  public List<Integer> signers() {
    List<Integer> out = new ArrayList<>(signatures.size());
    for (VoterSignature s : signatures) {
      out.add(s.signer());
    }
    return out;
  }

  /**
   * True when more than two thirds of {@code voters} signed {@link #statement()} on chain
   * {@code chainId} and every listed signature is valid. False on any problem.
   */
  public boolean verify(Digest chainId, List<Ed25519PublicKey> voters) {
    return verify(chainId, voters, SignatureVerifier.DIRECT);
  }

  /** {@link #verify(Digest, List)} with a given signature verifier. */
  public boolean verify(Digest chainId, List<Ed25519PublicKey> voters, SignatureVerifier verifier) {
    if (signatures.size() < VoterSet.quorum(voters.size())) {
      return false;
    }
    byte[] msg = statement.signingBytes(chainId);
    for (VoterSignature s : signatures) {
      if (s.signer() >= voters.size() || !verifier.verify(voters.get(s.signer()), msg, s.raw())) {
        return false;
      }
    }
    return true;
  }

  /**
   * The keys among {@code candidates} that signed {@link #statement()} on chain {@code chainId},
   * at most {@code enough} of them: for a reader that knows some voters' keys but not the voter
   * list the signer indices refer to. Each key counts once; a signature that none of them made
   * counts for none. Costs at most {@code 2 c²} signature checks for {@code c} candidates, whatever
   * the certificate holds (enough to find every candidate in a certificate of up to {@code 2 c}
   * voters' signatures); a certificate that would need more yields the signers found by then.
   */
  public Set<Ed25519PublicKey> signersAmong(Digest chainId, Collection<Ed25519PublicKey> candidates, int enough) {
    Set<Ed25519PublicKey> left = new LinkedHashSet<>(candidates);
    Set<Ed25519PublicKey> found = new LinkedHashSet<>();
    byte[] msg = statement.signingBytes(chainId);
    long budget = 2L * left.size() * left.size();
    for (VoterSignature s : signatures) {
      if (found.size() >= enough || left.isEmpty()) {
        break;
      }
      for (java.util.Iterator<Ed25519PublicKey> i = left.iterator(); i.hasNext(); ) {
        Ed25519PublicKey k = i.next();
        if (budget-- <= 0) {
          return found;
        }
        if (SignatureVerifier.DIRECT.verify(k, msg, s.raw())) {
          found.add(k);
          i.remove();
          break;
        }
      }
    }
    return found;
  }

  /** The canonical encoding. */
  public byte[] encode() {
    Wire.Writer w = new Wire.Writer(64 + 68 * signatures.size());
    write(w);
    return w.toByteArray();
  }

  void write(Wire.Writer w) {
    statement.write(w);
    w.i32(signatures.size());
    for (VoterSignature s : signatures) {
      w.i32(s.signer()).raw(s.raw());
    }
  }

  /**
   * Decodes {@link #encode()} output.
   *
   * @throws MalformedEncodingException if the bytes are not exactly one canonical certificate
   */
  public static QuorumCertificate decode(byte[] bytes) {
    Wire.Reader r = new Wire.Reader(bytes);
    QuorumCertificate c = read(r);
    r.done();
    return c;
  }

  static QuorumCertificate read(Wire.Reader r) {
    Statement st = Statement.read(r);
    int n = r.count(MAX_SIGNERS, "signature");
    List<VoterSignature> sigs = new ArrayList<>(n);
    for (int i = 0; i < n; i++) {
      int signer = r.i32In(0, MAX_SIGNERS - 1, "signer");
      sigs.add(new VoterSignature(signer, r.raw(Ed25519Signatures.SIGNATURE_LENGTH)));
    }
    try {
      return new QuorumCertificate(st, sigs);
    } catch (IllegalArgumentException | MalformedEncodingException e) {
      throw new MalformedEncodingException("certificate: " + e.getMessage());
    }
  }
}
