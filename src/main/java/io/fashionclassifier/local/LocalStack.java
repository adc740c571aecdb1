package io.fashionclassifier.local;

import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A Kafka broker and, where one can be run here, a real Confluent-compatible schema registry, started together
 * on free loopback ports: what {@code docker compose up} gives on machines with Docker, for machines without.
 * When no registry can be started (no Java 21+, or its files are absent), {@link #registryUrl()} is empty and
 * {@link #registryNote()} says why; in-process clients can then use a {@code mock://} registry.
 */
public final class LocalStack implements AutoCloseable {

  private static final Logger log = LoggerFactory.getLogger(LocalStack.class);

  private final KafkaBroker broker;
  private final ApicurioRegistry registry;
  private final String registryNote;

  private LocalStack(KafkaBroker broker, ApicurioRegistry registry, String registryNote) {
    this.broker = broker;
    this.registry = registry;
    this.registryNote = registryNote;
  }

  /**
   * Starts the broker, then the registry when {@code withRegistry} and it can be found.
   *
   * @throws RuntimeException when the broker does not start (nothing is left running)
   */
  public static LocalStack start(boolean withRegistry) {
    KafkaBroker broker = KafkaBroker.start();
    if (!withRegistry) {
      return new LocalStack(broker, null, "not requested");
    }
    try {
      ApicurioRegistry registry = ApicurioRegistry.start();
      return new LocalStack(broker, registry, "Apicurio Registry (Confluent-compatible API)");
    } catch (RuntimeException e) {
      log.debug("no schema registry", e);
      return new LocalStack(broker, null, e.getMessage());
    }
  }

  public String bootstrapServers() {
    return broker.bootstrapServers();
  }

  /** The Confluent-compatible registry URL, when a registry runs. */
  public Optional<String> registryUrl() {
    return Optional.ofNullable(registry).map(ApicurioRegistry::confluentUrl);
  }

  /** Which registry runs, or why none does. */
  public String registryNote() {
    return registryNote;
  }

  @Override
  public void close() {
    try {
      if (registry != null) {
        registry.close();
      }
    } finally {
      broker.close();
    }
  }
}
