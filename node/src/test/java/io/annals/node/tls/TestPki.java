package io.annals.node.tls;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.security.SecureRandom;
import java.security.cert.X509Certificate;
import java.security.spec.ECGenParameterSpec;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.Date;
import java.util.concurrent.atomic.AtomicLong;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.asn1.x509.KeyUsage;
import org.bouncycastle.cert.CertIOException;
import org.bouncycastle.cert.X509v3CertificateBuilder;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.operator.OperatorCreationException;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;

/**
 * A certificate authority for tests (BouncyCastle): it issues server and member certificates and
 * writes them as cert-manager does, tls.crt, tls.key (PKCS#8) and ca.crt in one folder, each file
 * replaced atomically.
 */
public final class TestPki {
  /** The key types a certificate can have. */
  public enum KeyType {
    RSA,
    EC
  }

  private static final AtomicLong SERIAL = new AtomicLong(System.currentTimeMillis());
  private final String name;
  private final KeyPair keys;
  private final X509Certificate certificate;

  private TestPki(String name, KeyPair keys, X509Certificate certificate) {
    this.name = name;
    this.keys = keys;
    this.certificate = certificate;
  }

  /** A new self-signed CA named {@code CN=name}. */
  public static TestPki newCa(String name) {
    KeyPair keys = generate(KeyType.RSA);
    X500Name subject = new X500Name("CN=" + name);
    try {
      X509Certificate ca =
          sign(
              builder(subject, subject, keys)
                  .addExtension(Extension.basicConstraints, true, new BasicConstraints(0))
                  .addExtension(
                      Extension.keyUsage,
                      true,
                      new KeyUsage(KeyUsage.keyCertSign | KeyUsage.cRLSign)),
              keys.getPrivate());
      return new TestPki(name, keys, ca);
    } catch (CertIOException e) {
      throw new UncheckedIOException(e);
    }
  }

  public X509Certificate certificate() {
    return certificate;
  }

  /**
   * A certificate for {@code CN=commonName} valid for DNS {@code localhost} and IP 127.0.0.1 (the
   * names the tests connect to), for server and client authentication.
   */
  public Issued issue(String commonName, KeyType type) {
    KeyPair pair = generate(type);
    GeneralNames names =
        new GeneralNames(
            new GeneralName[] {
              new GeneralName(GeneralName.dNSName, "localhost"),
              new GeneralName(GeneralName.iPAddress, "127.0.0.1"),
              new GeneralName(GeneralName.dNSName, commonName)
            });
    try {
      X509Certificate cert =
          sign(
              builder(new X500Name("CN=" + name), new X500Name("CN=" + commonName), pair)
                  .addExtension(Extension.basicConstraints, true, new BasicConstraints(false))
                  .addExtension(Extension.subjectAlternativeName, false, names)
                  .addExtension(
                      Extension.keyUsage,
                      true,
                      new KeyUsage(KeyUsage.digitalSignature | KeyUsage.keyEncipherment)),
              keys.getPrivate());
      return new Issued(cert, pair.getPrivate(), certificate);
    } catch (CertIOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** An SSLContext for clients that trust this CA only. */
  public SSLContext trustingClientContext() {
    try {
      KeyStore store = KeyStore.getInstance("PKCS12");
      store.load(null, null);
      store.setCertificateEntry("ca", certificate);
      TrustManagerFactory tmf =
          TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
      tmf.init(store);
      SSLContext context = SSLContext.getInstance("TLS");
      context.init(null, tmf.getTrustManagers(), null);
      return context;
    } catch (GeneralSecurityException | IOException e) {
      throw new IllegalStateException(e);
    }
  }

  /** A certificate with its key and the CA that issued it. */
  public record Issued(X509Certificate certificate, PrivateKey key, X509Certificate ca) {
    /** Writes tls.key, tls.crt and ca.crt into {@code dir} (created if missing); returns it. */
    public Path writeTo(Path dir) {
      try {
        Files.createDirectories(dir);
        replace(dir.resolve("tls.key"), pem("PRIVATE KEY", key.getEncoded()));
        replace(dir.resolve("tls.crt"), pem("CERTIFICATE", certificate.getEncoded()));
        replace(dir.resolve("ca.crt"), pem("CERTIFICATE", ca.getEncoded()));
        return dir;
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      } catch (GeneralSecurityException e) {
        throw new IllegalStateException(e);
      }
    }
  }

  private static void replace(Path file, String text) throws IOException {
    Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
    Files.writeString(tmp, text, StandardCharsets.US_ASCII);
    Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
  }

  static String pem(String label, byte[] der) {
    String body =
        Base64.getMimeEncoder(64, "\n".getBytes(StandardCharsets.US_ASCII)).encodeToString(der);
    return "-----BEGIN " + label + "-----\n" + body + "\n-----END " + label + "-----\n";
  }

  private static X509v3CertificateBuilder builder(X500Name issuer, X500Name subject, KeyPair pair) {
    Instant now = Instant.now();
    return new JcaX509v3CertificateBuilder(
        issuer,
        BigInteger.valueOf(SERIAL.incrementAndGet()),
        Date.from(now.minus(Duration.ofMinutes(5))),
        Date.from(now.plus(Duration.ofDays(2))),
        subject,
        pair.getPublic());
  }

  /** Signed with the CA's key, which is always RSA. */
  private static X509Certificate sign(X509v3CertificateBuilder builder, PrivateKey issuerKey) {
    try {
      return new JcaX509CertificateConverter()
          .getCertificate(
              builder.build(new JcaContentSignerBuilder("SHA256withRSA").build(issuerKey)));
    } catch (OperatorCreationException | GeneralSecurityException e) {
      throw new IllegalStateException(e);
    }
  }

  private static KeyPair generate(KeyType type) {
    try {
      KeyPairGenerator generator = KeyPairGenerator.getInstance(type.name());
      if (type == KeyType.RSA) {
        generator.initialize(2048, new SecureRandom());
      } else {
        generator.initialize(new ECGenParameterSpec("secp256r1"));
      }
      return generator.generateKeyPair();
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException(e);
    }
  }
}
