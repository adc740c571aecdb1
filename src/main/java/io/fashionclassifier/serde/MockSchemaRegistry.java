package io.fashionclassifier.serde;

import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;

/**
 * Named in-process registries, one per scope, shared by every serde in the JVM configured with
 * {@code schema.registry.url=mock://<scope>} (as Confluent's {@code MockSchemaRegistry}). Tests use a scope of
 * their own and drop it when done, so that ids start again from 1.
 */
public final class MockSchemaRegistry {

  /** URL prefix that selects the in-process registry. */
  public static final String MOCK_URL_PREFIX = "mock://";

  private static final ConcurrentMap<String, MockSchemaRegistryClient> SCOPES = new ConcurrentHashMap<>();

  private MockSchemaRegistry() {}

  /** The registry of this scope, created empty on first use. */
  public static SchemaRegistryClient getClientForScope(String scope) {
    return SCOPES.computeIfAbsent(scope, s -> new MockSchemaRegistryClient());
  }

  /** Forgets the scope and everything registered in it. */
  public static void dropScope(String scope) {
    SCOPES.remove(scope);
  }
}
