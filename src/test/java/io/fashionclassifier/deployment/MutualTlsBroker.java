package io.fashionclassifier.deployment;

import io.fashionclassifier.faults.TestCertificates;
import io.fashionclassifier.local.KafkaBroker;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.util.Base64;

/**
 * A broker whose SASL_SSL listener (SCRAM-SHA-512) also requires a client certificate, and the certificates of both
 * sides: the broker's (its PEM is the CA a client trusts) and the one client certificate the listener trusts.
 */
record MutualTlsBroker(KafkaBroker broker, TestCertificates brokerCertificate, TestCertificates client)
    implements AutoCloseable {

  static final String USER = "classifier";
  static final String PASSWORD = "scram-secret-25";

  static MutualTlsBroker start(Path certificates) {
    TestCertificates brokerCertificate = TestCertificates.selfSigned(certificates, "broker");
    TestCertificates client = TestCertificates.selfSigned(certificates, "client");
    KafkaBroker broker = KafkaBroker.start(
        new KafkaBroker.SaslSsl(brokerCertificate.keystore(), brokerCertificate.password(), USER, PASSWORD),
        java.util.Map.of("listener.name.sasl_ssl.ssl.client.auth", "required",
            "listener.name.sasl_ssl.ssl.truststore.location", client.truststore().toString(),
            "listener.name.sasl_ssl.ssl.truststore.password", client.password(),
            "listener.name.sasl_ssl.ssl.truststore.type", "PKCS12"));
    return new MutualTlsBroker(broker, brokerCertificate, client);
  }

  /** The SCRAM login line, as the JAAS Secret holds it. */
  static String jaasConfig() {
    return "org.apache.kafka.common.security.scram.ScramLoginModule required username=\"" + USER + "\" password=\""
        + PASSWORD + "\";";
  }

  /** The client's private key as unencrypted PKCS#8 PEM, what cert-manager writes with encoding PKCS8. */
  String clientKeyPem() {
    try {
      KeyStore store = KeyStore.getInstance("PKCS12");
      try (var in = Files.newInputStream(client.keystore())) {
        store.load(in, client.password().toCharArray());
      }
      String alias = store.aliases().nextElement();
      byte[] pkcs8 = store.getKey(alias, client.password().toCharArray()).getEncoded();
      return pem("PRIVATE KEY", pkcs8);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException(e);
    }
  }

  static String pem(String type, byte[] der) {
    return "-----BEGIN " + type + "-----\n"
        + Base64.getMimeEncoder(64, "\n".getBytes(StandardCharsets.US_ASCII)).encodeToString(der)
        + "\n-----END " + type + "-----\n";
  }

  @Override
  public void close() {
    broker.close();
  }
}
