package io.medledger.internal.transport;

import io.medledger.codec.Hex;
import io.medledger.codec.MalformedEncodingException;
import io.medledger.crypto.Ed25519PublicKey;
import io.medledger.node.TlsIdentity;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.security.cert.CertificateException;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.Arrays;

/**
 * X.509 certificates that bind a TLS key to a ledger key: a fresh Ed25519 TLS key, certified by
 * the node's Ed25519 ledger key (issuer {@code CN=<ledger key hex>}, signature algorithm Ed25519,
 * RFC 8410). Written with a minimal DER writer, so no certificate library is needed; read back
 * with the JDK's parser and checked here. Stateless and thread-safe.
 */
public final class LedgerCertificates {
  private static final byte[] OID_ED25519 = {0x06, 0x03, 0x2b, 0x65, 0x70};
  private static final byte[] OID_CN = {0x06, 0x03, 0x55, 0x04, 0x03};
  private static final String ED25519_OID = "1.3.101.112";
  private static final DateTimeFormatter GENERALIZED = DateTimeFormatter.ofPattern("yyyyMMddHHmmss'Z'");

  private LedgerCertificates() {}

  /** A TLS key pair and its certificate signed by a ledger key. */
  public record Credential(KeyPair tlsKey, X509Certificate certificate) {}

  /**
   * Generates an Ed25519 TLS key and has {@code identity} certify it, valid from one hour ago for
   * {@code validDays} days.
   */
  public static Credential issue(TlsIdentity identity, long nowMillis, int validDays, SecureRandom random) {
    return issue(identity.ledgerKey(), identity::sign, nowMillis, validDays, random);
  }

  /** As {@link #issue(TlsIdentity, long, int, SecureRandom)} with an unchecked signer (tests forge with it). */
  static Credential issue(Ed25519PublicKey issuer, java.util.function.UnaryOperator<byte[]> sign, long nowMillis,
      int validDays, SecureRandom random) {
    KeyPair kp;
    try {
      KeyPairGenerator g = KeyPairGenerator.getInstance("Ed25519");
      g.initialize(255, random);
      kp = g.generateKeyPair();
    } catch (NoSuchAlgorithmException | java.security.InvalidParameterException e) {
      throw new IllegalStateException("the JDK offers no Ed25519 key generator", e);
    }
    byte[] spki = kp.getPublic().getEncoded();
    byte[] serial = new byte[16];
    random.nextBytes(serial);
    serial[0] &= 0x7f;
    serial[0] |= 0x01;
    ZonedDateTime from = ZonedDateTime.ofInstant(java.time.Instant.ofEpochMilli(nowMillis), ZoneOffset.UTC).minusHours(1);
    ZonedDateTime to = from.plusDays(validDays);
    byte[] algorithm = seq(OID_ED25519);
    byte[] tbs = seq(
        tlv(0xa0, tlv(0x02, new byte[] {2})),
        tlv(0x02, serial),
        algorithm,
        name(issuer.toHex()),
        seq(time(from), time(to)),
        name("medledger-tls"),
        spki);
    byte[] signature = sign.apply(tbs);
    byte[] cert = seq(tbs, algorithm, bitString(signature));
    return new Credential(kp, parse(cert));
  }

  /**
   * The ledger key that certified {@code cert}, after checking that it is an Ed25519 certificate
   * issued by {@code CN=<64 hex>} whose signature verifies under that key and that is valid at
   * {@code nowMillis}.
   *
   * @throws CertificateException if any of that fails
   */
  public static Ed25519PublicKey ledgerKeyOf(X509Certificate cert, long nowMillis) throws CertificateException {
    if (!ED25519_OID.equals(cert.getSigAlgOID())) {
      throw new CertificateException("the certificate is not signed with Ed25519");
    }
    String issuer = cert.getIssuerX500Principal().getName();
    if (!issuer.startsWith("CN=") || issuer.length() != 3 + 64) {
      throw new CertificateException("the certificate's issuer names no ledger key");
    }
    String hex = issuer.substring(3);
    Ed25519PublicKey key;
    try {
      key = Ed25519PublicKey.fromHex(hex);
    } catch (IllegalArgumentException | MalformedEncodingException e) {
      throw new CertificateException("the certificate's issuer is not an Ed25519 key");
    }
    if (!Arrays.equals(cert.getIssuerX500Principal().getEncoded(), name(key.toHex()))) {
      throw new CertificateException("the certificate's issuer name is not canonical");
    }
    if (!key.verify(cert.getTBSCertificate(), cert.getSignature())) {
      throw new CertificateException("the certificate is not signed by ledger key " + key.toHex());
    }
    cert.checkValidity(new java.util.Date(nowMillis));
    return key;
  }

  /** Parses a DER certificate with the JDK. */
  public static X509Certificate parse(byte[] der) {
    try {
      return (X509Certificate) CertificateFactory.getInstance("X.509").generateCertificate(new ByteArrayInputStream(der));
    } catch (CertificateException e) {
      throw new IllegalStateException("could not parse a certificate", e);
    }
  }

  private static byte[] name(String cn) {
    byte[] attr = seq(OID_CN, tlv(0x0c, cn.getBytes(StandardCharsets.UTF_8)));
    return seq(tlv(0x31, attr));
  }

  private static byte[] time(ZonedDateTime t) {
    if (t.getYear() >= 1950 && t.getYear() < 2050) {
      return tlv(0x17, t.format(DateTimeFormatter.ofPattern("yyMMddHHmmss'Z'")).getBytes(StandardCharsets.US_ASCII));
    }
    return tlv(0x18, t.format(GENERALIZED).getBytes(StandardCharsets.US_ASCII));
  }

  private static byte[] bitString(byte[] bits) {
    byte[] v = new byte[bits.length + 1];
    System.arraycopy(bits, 0, v, 1, bits.length);
    return tlv(0x03, v);
  }

  private static byte[] seq(byte[]... parts) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    for (byte[] p : parts) {
      out.writeBytes(p);
    }
    return tlv(0x30, out.toByteArray());
  }

  static byte[] tlv(int tag, byte[] value) {
    ByteArrayOutputStream out = new ByteArrayOutputStream(value.length + 6);
    out.write(tag);
    int n = value.length;
    if (n < 0x80) {
      out.write(n);
    } else {
      byte[] len = BigInteger.valueOf(n).toByteArray();
      int off = len[0] == 0 ? 1 : 0;
      out.write(0x80 | (len.length - off));
      out.write(len, off, len.length - off);
    }
    out.writeBytes(value);
    return out.toByteArray();
  }

  /** For diagnostics: the certificate's SHA-256 fingerprint in hex. */
  public static String fingerprint(X509Certificate cert) {
    try {
      return Hex.encode(java.security.MessageDigest.getInstance("SHA-256").digest(cert.getEncoded()));
    } catch (Exception e) {
      return "?";
    }
  }
}
