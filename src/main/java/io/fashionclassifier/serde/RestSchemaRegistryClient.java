package io.fashionclassifier.serde;

import org.apache.avro.Schema;

/** HTTP client of the Confluent Schema Registry REST API (stage 2: not implemented yet). */
public final class RestSchemaRegistryClient implements SchemaRegistryClient {

  public RestSchemaRegistryClient(AvroSerdeConfig config) {
    throw new UnsupportedOperationException("HTTP schema registry client not implemented yet; use mock://");
  }

  @Override
  public int register(String subject, Schema schema) {
    throw new UnsupportedOperationException();
  }

  @Override
  public int getId(String subject, Schema schema) {
    throw new UnsupportedOperationException();
  }

  @Override
  public Schema getSchemaById(int id) {
    throw new UnsupportedOperationException();
  }

  @Override
  public SchemaMetadata getLatestSchemaMetadata(String subject) {
    throw new UnsupportedOperationException();
  }

  @Override
  public boolean testCompatibility(String subject, Schema schema) {
    throw new UnsupportedOperationException();
  }
}
