package io.fashionclassifier.faults;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.fashionclassifier.local.ApicurioRegistry;
import io.fashionclassifier.schema.InventoryImage;
import io.fashionclassifier.serde.SpecificAvroDeserializer;
import io.fashionclassifier.serde.SpecificAvroSerializer;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.UUID;
import org.apache.kafka.common.errors.SerializationException;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The registry client over TLS with a custom truststore and HTTP basic auth, against a real registry behind a real
 * TLS endpoint ({@link TlsRegistryProxy} in front of Apicurio), configured with Confluent's keys
 * ({@code schema.registry.ssl.truststore.*}, {@code basic.auth.*}).
 */
class SecuredRegistryTest {

  private static final String USER = "scanner-fleet";
  private static final String PASSWORD = "registry-secret-1";

  @TempDir static Path certificates;
  private static TestCertificates registryCertificate;
  private static TlsRegistryProxy proxy;

  @BeforeAll
  static void startProxy() throws Exception {
    registryCertificate = TestCertificates.selfSigned(certificates, "registry");
    proxy = new TlsRegistryProxy(registryCertificate, ApicurioRegistry.shared().baseUrl(), USER, PASSWORD);
  }

  @AfterAll
  static void stopProxy() {
    if (proxy != null) {
      proxy.close();
    }
  }

  private static Map<String, Object> config(TestCertificates trusted, String password) {
    Map<String, Object> config = new LinkedHashMap<>();
    config.put("schema.registry.url", proxy.url("/apis/ccompat/v7"));
    config.put("schema.registry.ssl.truststore.location", trusted.truststore().toString());
    config.put("schema.registry.ssl.truststore.password", trusted.password());
    config.put("schema.registry.ssl.truststore.type", "PKCS12");
    config.put("basic.auth.credentials.source", "USER_INFO");
    config.put("basic.auth.user.info", USER + ":" + password);
    config.put("max.retries", "0");
    return config;
  }

  private static InventoryImage image() {
    return InventoryImage.newBuilder().setItemId("item-1").setScannerId("s").setWarehouseId("w")
        .setCaptureTime(Instant.ofEpochMilli(1_700_000_000_000L)).setWidth(28).setHeight(28)
        .setPixels(ByteBuffer.wrap(new byte[784])).build();
  }

  @Test
  void registersAndResolvesSchemasOverTlsWithBasicAuth() {
    String topic = "tls-" + UUID.randomUUID();
    SpecificAvroSerializer<InventoryImage> serializer = new SpecificAvroSerializer<>();
    serializer.configure(config(registryCertificate, PASSWORD), false);
    byte[] bytes = serializer.serialize(topic, image());
    int before = proxy.forwarded();
    // a fresh deserializer has no cache: it must fetch the schema by id through the proxy
    SpecificAvroDeserializer<InventoryImage> deserializer = new SpecificAvroDeserializer<>();
    deserializer.configure(config(registryCertificate, PASSWORD), false);

    assertThat(deserializer.deserialize(topic, bytes)).isEqualTo(image());
    assertThat(proxy.forwarded()).as("the schema was fetched through the TLS endpoint").isGreaterThan(before);
  }

  @Test
  void aPemTruststoreOfCaCertificatesIsTrusted() {
    Map<String, Object> config = config(registryCertificate, PASSWORD);
    config.put("schema.registry.ssl.truststore.location", registryCertificate.pemCertificate().toString());
    config.put("schema.registry.ssl.truststore.type", "PEM");
    config.remove("schema.registry.ssl.truststore.password");
    SpecificAvroSerializer<InventoryImage> serializer = new SpecificAvroSerializer<>();
    serializer.configure(config, false);
    int before = proxy.forwarded();

    assertThat(serializer.serialize("tls-pem-" + UUID.randomUUID(), image())).isNotEmpty();
    assertThat(proxy.forwarded()).as("registered through the TLS endpoint").isGreaterThan(before);
  }

  @Test
  void aWrongPasswordIsRefusedWithTheRegistrysAnswer() {
    SpecificAvroSerializer<InventoryImage> serializer = new SpecificAvroSerializer<>();
    serializer.configure(config(registryCertificate, "not-the-password"), false);
    int refusedBefore = proxy.refused();

    assertThatThrownBy(() -> serializer.serialize("tls-" + UUID.randomUUID(), image()))
        .isInstanceOf(SerializationException.class)
        .satisfies(e -> System.out.println("wrong password: " + chain(e)))
        .satisfies(e -> assertThat(chain(e)).contains("401"));
    assertThat(proxy.refused()).isGreaterThan(refusedBefore);
  }

  @Test
  void anUntrustedCertificateIsRefusedBeforeAnyRequest() {
    TestCertificates stranger = TestCertificates.selfSigned(certificates, "stranger");
    SpecificAvroSerializer<InventoryImage> serializer = new SpecificAvroSerializer<>();
    serializer.configure(config(stranger, PASSWORD), false);
    int forwardedBefore = proxy.forwarded();
    int refusedBefore = proxy.refused();

    assertThatThrownBy(() -> serializer.serialize("tls-" + UUID.randomUUID(), image()))
        .isInstanceOf(SerializationException.class)
        .satisfies(e -> System.out.println("untrusted certificate: " + chain(e)))
        .satisfies(e -> assertThat(chain(e)).contains("SSLHandshakeException").contains("certification path"));
    assertThat(proxy.forwarded()).isEqualTo(forwardedBefore);
    assertThat(proxy.refused()).isEqualTo(refusedBefore);
  }

  private static String chain(Throwable e) {
    StringBuilder text = new StringBuilder();
    for (Throwable t = e; t != null; t = t.getCause()) {
      text.append(t.getClass().getSimpleName()).append(": ").append(t.getMessage()).append(" <- ");
    }
    return text.toString();
  }
}
