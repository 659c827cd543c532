package io.medledger.internal.transport;

import io.medledger.crypto.Ed25519PublicKey;
import java.net.Socket;
import java.security.GeneralSecurityException;
import java.security.Principal;
import java.security.PrivateKey;
import java.security.SecureRandom;
import java.security.cert.CertificateException;
import java.security.cert.X509Certificate;
import java.util.function.Predicate;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLPeerUnverifiedException;
import javax.net.ssl.SSLSession;
import javax.net.ssl.X509ExtendedKeyManager;
import javax.net.ssl.X509ExtendedTrustManager;

/**
 * JDK (SunJSSE) TLS 1.3 engines with mutual authentication by ledger keys: this side presents its
 * {@link LedgerCertificates.Credential}; the other side's certificate must have been signed by a
 * ledger key that {@code accept} admits, checked during the handshake (so an unknown or
 * mismatching peer never completes it). No trust store, no certificate authority. Thread-safe.
 */
public final class TlsEngines {
  private static final String ALIAS = "medledger-tls";
  private static final String[] PROTOCOLS = {"TLSv1.3"};

  private final SSLContext context;

  /** Engines presenting {@code credential} and admitting peers whose ledger key {@code accept} admits. */
  public TlsEngines(LedgerCertificates.Credential credential, Predicate<Ed25519PublicKey> accept) {
    try {
      context = SSLContext.getInstance("TLSv1.3");
      context.init(new X509ExtendedKeyManager[] {new KeyManager(credential)},
          new X509ExtendedTrustManager[] {new TrustManager(accept)}, new SecureRandom());
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("the JDK offers no TLS 1.3", e);
    }
  }

  /** A server-side engine that requires a client certificate. */
  public SSLEngine server() {
    SSLEngine e = context.createSSLEngine();
    e.setUseClientMode(false);
    e.setEnabledProtocols(PROTOCOLS);
    e.setNeedClientAuth(true);
    return e;
  }

  /** A client-side engine for a connection to {@code host:port}. */
  public SSLEngine client(String host, int port) {
    SSLEngine e = context.createSSLEngine(host, port);
    e.setUseClientMode(true);
    e.setEnabledProtocols(PROTOCOLS);
    return e;
  }

  /** The JDK context, for plain-socket clients (tests, tools). */
  public SSLContext context() {
    return context;
  }

  /**
   * The ledger key of the authenticated peer of a completed handshake.
   *
   * @throws CertificateException if the session has no valid ledger-bound certificate
   */
  public static Ed25519PublicKey peerKey(SSLSession session) throws CertificateException {
    try {
      java.security.cert.Certificate[] chain = session.getPeerCertificates();
      if (chain.length < 1 || !(chain[0] instanceof X509Certificate c)) {
        throw new CertificateException("no peer certificate");
      }
      return LedgerCertificates.ledgerKeyOf(c, System.currentTimeMillis());
    } catch (SSLPeerUnverifiedException e) {
      throw new CertificateException("the peer is not authenticated", e);
    }
  }

  private static boolean ed25519(String keyType) {
    return "EdDSA".equalsIgnoreCase(keyType) || "Ed25519".equalsIgnoreCase(keyType);
  }

  private static final class KeyManager extends X509ExtendedKeyManager {
    private final LedgerCertificates.Credential credential;

    KeyManager(LedgerCertificates.Credential credential) {
      this.credential = credential;
    }

    private String choose(String... keyTypes) {
      for (String k : keyTypes) {
        if (ed25519(k)) {
          return ALIAS;
        }
      }
      return null;
    }

    @Override
    public String[] getClientAliases(String keyType, Principal[] issuers) {
      return ed25519(keyType) ? new String[] {ALIAS} : null;
    }

    @Override
    public String chooseClientAlias(String[] keyType, Principal[] issuers, Socket socket) {
      return choose(keyType);
    }

    @Override
    public String chooseEngineClientAlias(String[] keyType, Principal[] issuers, SSLEngine engine) {
      return choose(keyType);
    }

    @Override
    public String[] getServerAliases(String keyType, Principal[] issuers) {
      return getClientAliases(keyType, issuers);
    }

    @Override
    public String chooseServerAlias(String keyType, Principal[] issuers, Socket socket) {
      return choose(keyType);
    }

    @Override
    public String chooseEngineServerAlias(String keyType, Principal[] issuers, SSLEngine engine) {
      return choose(keyType);
    }

    @Override
    public X509Certificate[] getCertificateChain(String alias) {
      return ALIAS.equals(alias) ? new X509Certificate[] {credential.certificate()} : null;
    }

    @Override
    public PrivateKey getPrivateKey(String alias) {
      return ALIAS.equals(alias) ? credential.tlsKey().getPrivate() : null;
    }
  }

  private static final class TrustManager extends X509ExtendedTrustManager {
    private final Predicate<Ed25519PublicKey> accept;

    TrustManager(Predicate<Ed25519PublicKey> accept) {
      this.accept = accept;
    }

    private void check(X509Certificate[] chain) throws CertificateException {
      if (chain == null || chain.length != 1) {
        throw new CertificateException("expected exactly one certificate");
      }
      Ed25519PublicKey key = LedgerCertificates.ledgerKeyOf(chain[0], System.currentTimeMillis());
      if (!accept.test(key)) {
        throw new CertificateException("ledger key " + key.toHex() + " is not an allowed peer");
      }
    }

    @Override
    public void checkClientTrusted(X509Certificate[] chain, String authType, Socket socket) throws CertificateException {
      check(chain);
    }

    @Override
    public void checkServerTrusted(X509Certificate[] chain, String authType, Socket socket) throws CertificateException {
      check(chain);
    }

    @Override
    public void checkClientTrusted(X509Certificate[] chain, String authType, SSLEngine engine) throws CertificateException {
      check(chain);
    }

    @Override
    public void checkServerTrusted(X509Certificate[] chain, String authType, SSLEngine engine) throws CertificateException {
      check(chain);
    }

    @Override
    public void checkClientTrusted(X509Certificate[] chain, String authType) throws CertificateException {
      check(chain);
    }

    @Override
    public void checkServerTrusted(X509Certificate[] chain, String authType) throws CertificateException {
      check(chain);
    }

    @Override
    public X509Certificate[] getAcceptedIssuers() {
      return new X509Certificate[0];
    }
  }
}
