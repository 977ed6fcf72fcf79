package io.annals.node;

import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import io.annals.node.security.SecuritySettings;
import org.junit.jupiter.api.Test;

/** A node with security off serves only on loopback unless anonymous access is allowed. */
class AnonymousBindingTest {
  private static void check(String overrides) {
    Config c =
        ConfigFactory.parseString(overrides)
            .withFallback(ConfigFactory.parseResources("dev.conf"))
            .withFallback(ConfigFactory.defaultReference())
            .resolve();
    AnnalsNode.refuseOpenAnonymousApi(AnnalsSettings.from(c), SecuritySettings.from(c));
  }

  @Test
  void aNodeWithoutSecurityOnAPublicInterfaceRefusesToStartAndSaysWhatToDo() {
    IllegalStateException e =
        assertThrows(IllegalStateException.class, () -> check("annals.http.interface = 0.0.0.0"));
    assertTrue(e.getMessage().contains("ANNALS_ALLOW_ANONYMOUS"), e.getMessage());
  }

  @Test
  void loopbackSecurityOnOrAnExplicitAllowanceStart() {
    assertDoesNotThrow(() -> check("annals.http.interface = 127.0.0.1"));
    assertDoesNotThrow(
        () -> check("annals.http.interface = 0.0.0.0\nannals.security.allow-anonymous = on"));
    assertDoesNotThrow(
        () ->
            check(
                "annals.http.interface = 0.0.0.0\nannals.security.authentication = \"api-keys\""));
  }

  @Test
  void anUnknownAuthenticationModeIsRefused() {
    assertThrows(
        IllegalArgumentException.class,
        () -> check("annals.security.authentication = \"api-keys,ldap\""));
  }
}
