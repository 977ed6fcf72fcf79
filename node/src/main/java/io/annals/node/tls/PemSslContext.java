package io.annals.node.tls;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import javax.net.ssl.KeyManager;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManager;
import javax.net.ssl.TrustManagerFactory;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * An {@link SSLContext} made from PEM files that follows their rotation: {@link #current()} looks
 * at the files' modification times and sizes at most once per {@code checkInterval} and, when one
 * changed, builds a new context from them (new connections then present the new certificate;
 * established ones keep theirs). Files caught half-written keep the previous context until the next
 * check. cert-manager's Secret volumes swap all files at once (a symlink), so a pair never mixes.
 * The key and certificate are optional (a client that only verifies its server), as is the CA (a
 * server that asks for no client certificate).
 */
final class PemSslContext {
  private static final Logger log = LoggerFactory.getLogger(PemSslContext.class);
  private static final char[] IN_MEMORY = "in-memory".toCharArray();

  /** Which files make the context; absent parts are left out. */
  record Sources(Optional<Path> certificate, Optional<Path> privateKey, Optional<Path> ca) {
    List<Path> all() {
      List<Path> all = new ArrayList<>();
      certificate.ifPresent(all::add);
      privateKey.ifPresent(all::add);
      ca.ifPresent(all::add);
      return all;
    }
  }

  private record Loaded(SSLContext context, List<String> stamps, X509Certificate presented) {}

  private final Sources files;
  private final long checkNanos;
  private volatile Loaded loaded;
  private volatile long nextCheck;

  /** Reads the files now; fails when they are missing or do not make a context. */
  PemSslContext(Sources files, Duration checkInterval) {
    this.files = files;
    this.checkNanos = checkInterval.toNanos();
    try {
      this.loaded = load(stamps());
    } catch (IOException e) {
      throw new UncheckedIOException("TLS: " + e.getMessage(), e);
    }
    this.nextCheck = System.nanoTime() + checkNanos;
  }

  /** The context of the files as they were at the latest check. */
  SSLContext current() {
    if (System.nanoTime() - nextCheck >= 0) {
      reloadIfChanged();
    }
    return loaded.context();
  }

  private synchronized void reloadIfChanged() {
    if (System.nanoTime() - nextCheck < 0) {
      return; // another thread checked meanwhile
    }
    nextCheck = System.nanoTime() + checkNanos;
    try {
      List<String> stamps = stamps();
      if (!stamps.equals(loaded.stamps())) {
        loaded = load(stamps);
        log.info("TLS: re-read {}; now presenting {}", files.all(), describe(loaded.presented()));
      }
    } catch (IOException | RuntimeException e) {
      log.warn(
          "TLS: keeping the previous certificates, {} do not load: {}", files.all(), e.toString());
    }
  }

  private List<String> stamps() throws IOException {
    List<String> stamps = new ArrayList<>();
    for (Path p : files.all()) {
      stamps.add(Files.getLastModifiedTime(p) + "/" + Files.size(p));
    }
    return stamps;
  }

  private Loaded load(List<String> stamps) throws IOException {
    try {
      KeyManager[] keys = null;
      X509Certificate presented = null;
      if (files.certificate().isPresent() && files.privateKey().isPresent()) {
        List<X509Certificate> chain = PemFiles.certificates(files.certificate().get());
        PrivateKey key = PemFiles.privateKey(files.privateKey().get());
        PemFiles.checkPair(key, chain.get(0));
        KeyStore store = KeyStore.getInstance("PKCS12");
        store.load(null, null);
        store.setKeyEntry("key", key, IN_MEMORY, chain.toArray(X509Certificate[]::new));
        KeyManagerFactory kmf =
            KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
        kmf.init(store, IN_MEMORY);
        keys = kmf.getKeyManagers();
        presented = chain.get(0);
      }
      TrustManager[] trust = null;
      if (files.ca().isPresent()) {
        KeyStore store = KeyStore.getInstance("PKCS12");
        store.load(null, null);
        int n = 0;
        for (X509Certificate ca : PemFiles.certificates(files.ca().get())) {
          store.setCertificateEntry("ca-" + n++, ca);
        }
        TrustManagerFactory tmf =
            TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        tmf.init(store);
        trust = tmf.getTrustManagers();
      }
      SSLContext context = SSLContext.getInstance("TLS");
      context.init(keys, trust, null);
      return new Loaded(context, stamps, presented);
    } catch (GeneralSecurityException e) {
      throw new IOException(files.all() + " do not make a TLS context: " + e.getMessage(), e);
    }
  }

  /** The certificate this context presents, if it has one (for logs). */
  Optional<X509Certificate> presented() {
    return Optional.ofNullable(loaded.presented());
  }

  static String describe(X509Certificate c) {
    return c == null
        ? "no certificate"
        : c.getSubjectX500Principal().getName()
            + " (serial "
            + c.getSerialNumber().toString(16)
            + ", valid until "
            + c.getNotAfter().toInstant()
            + ")";
  }
}
