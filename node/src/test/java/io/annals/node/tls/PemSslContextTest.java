package io.annals.node.tls;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.Optional;
import javax.net.ssl.SSLContext;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** PEM files in, an SSLContext out; a rotation of the files is followed, a broken one is not. */
class PemSslContextTest {
  private static final TestPki CA = TestPki.newCa("pem-test-ca");

  @TempDir Path dir;

  @Test
  void readsAnRsaKeyAndItsCertificate() {
    TestPki.Issued issued = CA.issue("rsa-server", TestPki.KeyType.RSA);
    issued.writeTo(dir);
    PemSslContext pem = serverContext(Duration.ofSeconds(10));
    assertEquals(issued.certificate(), pem.presented().orElseThrow());
    assertEquals("TLS", pem.current().getProtocol());
  }

  @Test
  void readsAnEcKeyInPkcs8() {
    TestPki.Issued issued = CA.issue("ec-server", TestPki.KeyType.EC);
    issued.writeTo(dir);
    assertEquals(
        issued.certificate(), serverContext(Duration.ofSeconds(10)).presented().orElseThrow());
  }

  @Test
  void refusesToStartWithAKeyOfAnotherCertificate() throws IOException {
    CA.issue("first", TestPki.KeyType.RSA).writeTo(dir);
    Path other = CA.issue("second", TestPki.KeyType.RSA).writeTo(dir.resolve("other"));
    Files.copy(other.resolve("tls.key"), dir.resolve("tls.key"), REPLACE);
    UncheckedIOException refused =
        assertThrows(UncheckedIOException.class, () -> serverContext(Duration.ofSeconds(10)));
    assertTrue(
        refused.getMessage().contains("not the one of the certificate"), refused::getMessage);
  }

  @Test
  void presentsTheNewCertificateOnceTheFilesRotate() {
    TestPki.Issued before = CA.issue("before", TestPki.KeyType.RSA);
    before.writeTo(dir);
    PemSslContext pem = serverContext(Duration.ZERO);
    SSLContext first = pem.current();
    TestPki.Issued after = TestPki.newCa("another-ca").issue("after", TestPki.KeyType.EC);
    after.writeTo(dir);
    SSLContext second = pem.current();

    assertNotEquals(first, second, "a new context after the rotation");
    assertEquals(after.certificate(), pem.presented().orElseThrow());
    assertNotEquals(before.certificate(), after.certificate());
  }

  @Test
  void keepsThePreviousCertificateWhileTheNewFilesDoNotFit() throws IOException {
    TestPki.Issued good = CA.issue("good", TestPki.KeyType.RSA);
    good.writeTo(dir);
    PemSslContext pem = serverContext(Duration.ZERO);
    SSLContext before = pem.current();
    // a half-done rotation: the new certificate is there, its key not yet
    Path next = CA.issue("next", TestPki.KeyType.RSA).writeTo(dir.resolve("next"));
    Files.copy(next.resolve("tls.crt"), dir.resolve("tls.crt"), REPLACE);

    assertEquals(before, pem.current(), "the old context stays");
    assertEquals(good.certificate(), pem.presented().orElseThrow());

    Files.copy(next.resolve("tls.key"), dir.resolve("tls.key"), REPLACE);
    assertNotEquals(before, pem.current(), "complete files are taken up");
    assertEquals(readCertificate(), pem.presented().orElseThrow());
  }

  @Test
  void checksTheFilesNoMoreOftenThanTheInterval() {
    CA.issue("steady", TestPki.KeyType.RSA).writeTo(dir);
    PemSslContext pem = serverContext(Duration.ofHours(1));
    SSLContext first = pem.current();
    TestPki.Issued rotated = CA.issue("rotated", TestPki.KeyType.RSA);
    rotated.writeTo(dir);

    assertEquals(first, pem.current(), "not looked at again within the hour");
    assertNotEquals(rotated.certificate(), pem.presented().orElseThrow());
  }

  private static final java.nio.file.CopyOption REPLACE =
      java.nio.file.StandardCopyOption.REPLACE_EXISTING;

  private PemSslContext serverContext(Duration interval) {
    return new PemSslContext(
        new PemSslContext.Sources(
            Optional.of(dir.resolve("tls.crt")),
            Optional.of(dir.resolve("tls.key")),
            Optional.empty()),
        interval);
  }

  private X509Certificate readCertificate() {
    try {
      return PemFiles.certificates(dir.resolve("tls.crt")).get(0);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
