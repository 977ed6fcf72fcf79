package io.annals.node.tls;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.PrivateKey;
import java.security.Signature;
import java.security.cert.Certificate;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.security.spec.PKCS8EncodedKeySpec;
import java.util.ArrayList;
import java.util.List;
import org.apache.pekko.pki.pem.DERPrivateKeyLoader;
import org.apache.pekko.pki.pem.PEMDecoder;

/**
 * Reads certificates and private keys from PEM files. A certificate file may hold a chain (the
 * server's certificate first). A key is PKCS#8 ({@code PRIVATE KEY}: RSA, EC or Ed25519, decoded by
 * the JDK) or PKCS#1 ({@code RSA PRIVATE KEY}, decoded by Pekko's {@link DERPrivateKeyLoader}).
 */
final class PemFiles {
  private static final List<String> KEY_ALGORITHMS = List.of("RSA", "EC", "Ed25519", "Ed448");

  private PemFiles() {}

  /** Every certificate of the file, in file order; fails on a file without one. */
  static List<X509Certificate> certificates(Path file) throws IOException {
    try (InputStream in = Files.newInputStream(file)) {
      List<X509Certificate> found = new ArrayList<>();
      for (Certificate c : CertificateFactory.getInstance("X.509").generateCertificates(in)) {
        found.add((X509Certificate) c);
      }
      if (found.isEmpty()) {
        throw new IOException("no certificate in " + file);
      }
      return found;
    } catch (GeneralSecurityException e) {
      throw new IOException("cannot read the certificates of " + file + ": " + e.getMessage(), e);
    }
  }

  /**
   * Fails unless {@code key} is the private key of {@code certificate}'s public key: a key and a
   * certificate read in the middle of a rotation may belong to different pairs.
   */
  static void checkPair(PrivateKey key, X509Certificate certificate) throws IOException {
    String algorithm =
        switch (key.getAlgorithm()) {
          case "RSA" -> "SHA256withRSA";
          case "EC" -> "SHA256withECDSA";
          default -> key.getAlgorithm(); // EdDSA: Ed25519, Ed448
        };
    byte[] probe = "annals key pair check".getBytes(StandardCharsets.US_ASCII);
    try {
      Signature signer = Signature.getInstance(algorithm);
      signer.initSign(key);
      signer.update(probe);
      byte[] signature = signer.sign();
      Signature verifier = Signature.getInstance(algorithm);
      verifier.initVerify(certificate.getPublicKey());
      verifier.update(probe);
      if (verifier.verify(signature)) {
        return;
      }
    } catch (GeneralSecurityException e) {
      throw new IOException("the private key does not fit the certificate: " + e.getMessage(), e);
    }
    throw new IOException(
        "the private key is not the one of the certificate "
            + certificate.getSubjectX500Principal().getName());
  }

  /** The one private key of the file. */
  static PrivateKey privateKey(Path file) throws IOException {
    PEMDecoder.DERData der;
    try {
      der = PEMDecoder.decode(Files.readString(file, StandardCharsets.US_ASCII));
    } catch (RuntimeException e) {
      throw new IOException(file + " holds no single PEM private key: " + e.getMessage(), e);
    }
    if (!der.label().equals("PRIVATE KEY")) {
      try {
        return DERPrivateKeyLoader.load(der);
      } catch (RuntimeException e) {
        throw new IOException(
            file
                + ": cannot read a key labelled "
                + der.label()
                + "; use PKCS#8 (cert-manager: privateKey.encoding PKCS8)",
            e);
      }
    }
    PKCS8EncodedKeySpec spec = new PKCS8EncodedKeySpec(der.bytes());
    for (String algorithm : KEY_ALGORITHMS) {
      try {
        return KeyFactory.getInstance(algorithm).generatePrivate(spec);
      } catch (GeneralSecurityException notThisAlgorithm) {
        // try the next one
      }
    }
    throw new IOException(file + ": a PKCS#8 key of none of " + KEY_ALGORITHMS);
  }
}
