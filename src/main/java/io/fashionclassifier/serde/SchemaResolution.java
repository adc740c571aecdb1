package io.fashionclassifier.serde;

import org.apache.avro.Schema;
import org.apache.avro.SchemaCompatibility;
import org.apache.avro.SchemaCompatibility.SchemaCompatibilityType;
import org.apache.avro.SchemaCompatibility.SchemaPairCompatibility;

/** Avro's schema resolution rules, as the registry's BACKWARD check and the deserializer apply them. */
final class SchemaResolution {

  private SchemaResolution() {}

  /** Null when {@code reader} can read data written with {@code writer}, otherwise what is wrong and where. */
  static String incompatibility(Schema reader, Schema writer) {
    SchemaPairCompatibility result = SchemaCompatibility.checkReaderWriterCompatibility(reader, writer);
    if (result.getType() == SchemaCompatibilityType.COMPATIBLE) {
      return null;
    }
    return result.getResult().getIncompatibilities().stream()
        .map(i -> i.getType() + " at " + i.getLocation() + ": " + i.getMessage())
        .reduce((a, b) -> a + "; " + b)
        .orElse(result.getDescription());
  }
}
