package io.annals.node;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.typesafe.config.ConfigFactory;
import io.annals.node.tls.TestPki;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.UUID;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLHandshakeException;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * The API over HTTPS ({@code annals.http.tls}) on the run's shared Cassandra, with certificates of
 * a test CA written as cert-manager writes them: a client that trusts the CA appends and reads, a
 * client that does not is refused in the handshake, and a certificate rotated in the files is the
 * one the next handshake presents, without a restart.
 */
@ExtendWith(RealCassandra.class)
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class HttpsIT {
  private final TestPki ca = TestPki.newCa("https-it-ca");
  private Path certs;
  private AnnalsNode node;

  @BeforeAll
  void startNodeWithHttps() throws IOException {
    Assumptions.assumeTrue(RealCassandra.externalNode().isEmpty(), "starts a node of its own");
    certs =
        ca.issue("annals-api", TestPki.KeyType.EC).writeTo(Files.createTempDirectory("https-it"));
    String tls =
        """
        annals.http.tls {
          enabled = on
          certificate = "%s"
          private-key = "%s"
          reload-check-interval = 200ms
        }
        """
            .formatted(certs.resolve("tls.crt"), certs.resolve("tls.key"));
    node =
        AnnalsNode.start(
            ConfigFactory.parseString(tls).withFallback(RealCassandra.nodeConfig("https_it")),
            Duration.ofMinutes(2));
  }

  @AfterAll
  void stopNode() {
    if (node != null) {
      node.close();
    }
  }

  @Test
  void appendsAndReadsThroughAClientThatTrustsTheCa() throws Exception {
    assertTrue(node.baseUrl().startsWith("https://"), node.baseUrl());
    HttpClient client = client(ca.trustingClientContext());
    String stream = "https-" + UUID.randomUUID();
    String append =
        "{\"expectedVersion\":0,\"events\":[{\"type\":\"Opened\",\"data\":{\"over\":\"tls\"}}]}";

    HttpResponse<String> appended =
        client.send(
            request("/streams/" + stream)
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(append))
                .build(),
            HttpResponse.BodyHandlers.ofString());
    HttpResponse<String> read =
        client.send(
            request("/streams/" + stream).GET().build(), HttpResponse.BodyHandlers.ofString());

    assertEquals(201, appended.statusCode(), appended::body);
    assertEquals(200, read.statusCode(), read::body);
    JsonNode events = HttpJson.MAPPER.readTree(read.body()).path("events");
    assertEquals(1, events.size(), read::body);
    assertEquals("tls", events.get(0).path("data").path("over").asText());
    assertEquals("TLSv1.3", appended.sslSession().orElseThrow().getProtocol());
  }

  @Test
  void refusesTheHandshakeOfAClientThatDoesNotTrustTheCa() throws Exception {
    HttpClient stranger = client(TestPki.newCa("another-ca").trustingClientContext());
    HttpClient jdkDefaults = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    for (HttpClient client : new HttpClient[] {stranger, jdkDefaults}) {
      assertThrows(
          SSLHandshakeException.class,
          () -> client.send(request("/alive").GET().build(), HttpResponse.BodyHandlers.ofString()));
    }
  }

  @Test
  void presentsARotatedCertificateWithoutARestart() throws Exception {
    // same CA (so that the other tests' clients keep trusting the node), new key and certificate
    TestPki.Issued rotated = ca.issue("annals-api-rotated", TestPki.KeyType.RSA);
    rotated.writeTo(certs);

    // each attempt is a new client, hence a new connection and a full handshake
    long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
    while (true) {
      HttpResponse<String> answered =
          client(ca.trustingClientContext())
              .send(request("/alive").GET().build(), HttpResponse.BodyHandlers.ofString());
      X509Certificate presented =
          (X509Certificate) answered.sslSession().orElseThrow().getPeerCertificates()[0];
      if (presented.equals(rotated.certificate())) {
        assertEquals(200, answered.statusCode(), answered::body);
        return;
      }
      assertTrue(
          System.nanoTime() < deadline,
          () -> "still presenting " + presented.getSubjectX500Principal() + " after 20 s");
      Thread.sleep(100);
    }
  }

  private HttpRequest.Builder request(String path) {
    return HttpRequest.newBuilder(URI.create(node.baseUrl() + path))
        .timeout(Duration.ofSeconds(20));
  }

  private static HttpClient client(SSLContext context) {
    return HttpClient.newBuilder()
        .sslContext(context)
        .connectTimeout(Duration.ofSeconds(5))
        .build();
  }
}
