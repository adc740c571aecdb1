package io.fashionclassifier.serde;

import io.fashionclassifier.serde.RegistryEntities.CompatibilityCheckResponse;
import io.fashionclassifier.serde.RegistryEntities.ConfigResponse;
import io.fashionclassifier.serde.RegistryEntities.RegisterSchemaResponse;
import io.fashionclassifier.serde.RegistryEntities.SchemaRequest;
import io.fashionclassifier.serde.RegistryEntities.SchemaString;
import io.fashionclassifier.serde.RegistryEntities.SubjectVersion;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/** A real {@link RegistryTransport} whose calls are written down, so a test sees what the layer above asked. */
final class CountingRegistryApi implements RegistryApi {

  private final RegistryApi transport;
  private final List<String> calls = new CopyOnWriteArrayList<>();

  CountingRegistryApi(RegistryApi transport) {
    this.transport = transport;
  }

  /** The calls made, as "method argument", in order. */
  List<String> calls() {
    return calls;
  }

  @Override
  public RegisterSchemaResponse register(String subject, SchemaRequest request, long deadlineNanos) {
    calls.add("register " + subject);
    return transport.register(subject, request, deadlineNanos);
  }

  @Override
  public SubjectVersion lookUp(String subject, SchemaRequest request, long deadlineNanos) {
    calls.add("lookUp " + subject);
    return transport.lookUp(subject, request, deadlineNanos);
  }

  @Override
  public SchemaString schemaById(int id, long deadlineNanos) {
    calls.add("schemaById " + id);
    return transport.schemaById(id, deadlineNanos);
  }

  @Override
  public SubjectVersion latestVersion(String subject, long deadlineNanos) {
    calls.add("latestVersion " + subject);
    return transport.latestVersion(subject, deadlineNanos);
  }

  @Override
  public CompatibilityCheckResponse testCompatibility(String subject, SchemaRequest request, long deadlineNanos) {
    calls.add("testCompatibility " + subject);
    return transport.testCompatibility(subject, request, deadlineNanos);
  }

  @Override
  public ConfigResponse config(String subject, long deadlineNanos) {
    calls.add("config " + subject);
    return transport.config(subject, deadlineNanos);
  }
}
