package io.fashionclassifier.serde;

import com.fasterxml.jackson.annotation.JsonProperty;

/**
 * The bodies of the registry's REST API that this client sends and reads, as Confluent's client has them
 * ({@code rest.entities}), bound by Jackson through {@link RegistryTransport#JSON}. Fields a registry leaves out are
 * null; fields it adds (references, metadata, ruleSet, guid...) are ignored.
 */
final class RegistryEntities {

  private RegistryEntities() {}

  /** Body of POST /subjects/{s}/versions, POST /subjects/{s} and POST /compatibility/subjects/{s}/versions/latest. */
  record SchemaRequest(String schema) {}

  /** Answer of GET /schemas/ids/{id}; a missing {@code schemaType} means AVRO. */
  record SchemaString(String schemaType, String schema) {}

  /** Answer of POST /subjects/{s}/versions. */
  record RegisterSchemaResponse(Integer id) {}

  /** Answer of GET /subjects/{s}/versions/latest and of POST /subjects/{s} (Confluent's {@code Schema}). */
  record SubjectVersion(String subject, Integer version, Integer id, String schemaType, String schema) {}

  /** Answer of POST /compatibility/subjects/{s}/versions/latest. */
  record CompatibilityCheckResponse(@JsonProperty("is_compatible") Boolean isCompatible) {}

  /** Answer of GET /config/{s}: Confluent calls the level {@code compatibilityLevel}, others {@code compatibility}. */
  record ConfigResponse(String compatibilityLevel, String compatibility) {

    /** The level under whichever name the registry used, null when under neither. */
    String level() {
      return compatibilityLevel != null ? compatibilityLevel : compatibility;
    }
  }

  /** The body of an error answer in Confluent's format. */
  record ErrorMessage(@JsonProperty("error_code") Integer errorCode, String message) {}
}
