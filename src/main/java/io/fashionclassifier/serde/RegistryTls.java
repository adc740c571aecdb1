package io.fashionclassifier.serde;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.cert.Certificate;
import java.security.cert.CertificateFactory;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;
import org.apache.kafka.common.config.ConfigException;

/**
 * The TLS context of https registry URLs, from the {@code schema.registry.ssl.*} settings. A trust store of type
 * {@code PEM} is a file of CA certificates (as cert-manager and Strimzi hand them out), as Kafka's own clients take.
 */
final class RegistryTls {

  private RegistryTls() {}

  /** The JVM's default context when neither a trust store nor a key store is configured. */
  static SSLContext context(AvroSerdeConfig config) {
    try {
      TrustManagerFactory trust = null;
      if (config.sslTruststoreLocation() != null) {
        trust = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        trust.init("PEM".equalsIgnoreCase(config.sslTruststoreType())
            ? pemCertificates(config.sslTruststoreLocation())
            : keyStore(config.sslTruststoreLocation(), config.sslTruststoreType(), config.sslTruststorePassword()));
      }
      KeyManagerFactory keys = null;
      if (config.sslKeystoreLocation() != null) {
        keys = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
        String keyPassword = config.sslKeyPassword();
        keys.init(keyStore(config.sslKeystoreLocation(), config.sslKeystoreType(), config.sslKeystorePassword()),
            keyPassword == null ? null : keyPassword.toCharArray());
      }
      if (trust == null && keys == null) {
        return SSLContext.getDefault();
      }
      SSLContext context = SSLContext.getInstance("TLS");
      context.init(keys == null ? null : keys.getKeyManagers(), trust == null ? null : trust.getTrustManagers(),
          null);
      return context;
    } catch (GeneralSecurityException | IOException e) {
      throw new ConfigException("Cannot set up TLS for the schema registry from "
          + AvroSerdeConfig.SSL_TRUSTSTORE_LOCATION + "/" + AvroSerdeConfig.SSL_KEYSTORE_LOCATION + ": " + e);
    }
  }

  /** The certificates of a PEM file as a trust store; none in it is an error, not an empty trust. */
  private static KeyStore pemCertificates(String location) throws GeneralSecurityException, IOException {
    KeyStore store = KeyStore.getInstance(KeyStore.getDefaultType());
    store.load(null, null);
    try (InputStream in = Files.newInputStream(Path.of(location))) {
      int i = 0;
      for (Certificate certificate : CertificateFactory.getInstance("X.509").generateCertificates(in)) {
        store.setCertificateEntry("ca-" + i++, certificate);
      }
    }
    if (store.size() == 0) {
      throw new GeneralSecurityException(location + " holds no PEM certificate");
    }
    return store;
  }

  private static KeyStore keyStore(String location, String type, String password)
      throws GeneralSecurityException, IOException {
    KeyStore store = KeyStore.getInstance(type);
    try (InputStream in = Files.newInputStream(Path.of(location))) {
      store.load(in, password == null ? null : password.toCharArray());
    }
    return store;
  }
}
