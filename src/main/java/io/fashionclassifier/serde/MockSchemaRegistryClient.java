package io.fashionclassifier.serde;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.avro.Schema;
import org.apache.avro.SchemaParseException;

/**
 * An in-process schema registry with the semantics of a real one: global ids from 1, the same id for the same
 * schema under any subject, versions from 1 per subject, BACKWARD compatibility enforced on register (the new
 * schema must read data written with the subject's latest version, checked with Avro's
 * {@link org.apache.avro.SchemaCompatibility}), and Confluent's error codes. Usually reached through
 * {@code schema.registry.url=mock://<scope>} and {@link MockSchemaRegistry}; can also be passed directly to a
 * serde's constructor.
 */
public final class MockSchemaRegistryClient implements SchemaRegistryClient {

  private final Object lock = new Object();
  // Keyed by the full JSON text, docs included, as a registry compares schemas by their text.
  private final Map<String, Integer> idsBySchemaText = new HashMap<>();
  private final Map<Integer, Schema> schemasById = new HashMap<>();
  private final Map<String, List<SchemaMetadata>> versionsBySubject = new HashMap<>();
  private int nextId = 1;

  @Override
  public int register(String subject, Schema schema) {
    synchronized (lock) {
      String text = textOf(schema);
      List<SchemaMetadata> versions = versionsBySubject.computeIfAbsent(subject, s -> new ArrayList<>());
      for (SchemaMetadata version : versions) {
        if (textOf(version.schema()).equals(text)) {
          return version.id();
        }
      }
      if (!versions.isEmpty()) {
        SchemaMetadata latest = versions.get(versions.size() - 1);
        String incompatibility = SchemaResolution.incompatibility(schema, latest.schema());
        if (incompatibility != null) {
          throw new SchemaRegistryException("Schema being registered is incompatible with version "
              + latest.version() + " of subject '" + subject + "': " + incompatibility, 409,
              SchemaRegistryException.INCOMPATIBLE_SCHEMA);
        }
      }
      int id = idsBySchemaText.computeIfAbsent(text, t -> nextId++);
      Schema stored = parse(text);
      schemasById.putIfAbsent(id, stored);
      versions.add(new SchemaMetadata(id, subject, versions.size() + 1, stored));
      return id;
    }
  }

  @Override
  public int getId(String subject, Schema schema) {
    synchronized (lock) {
      List<SchemaMetadata> versions = versionsOf(subject);
      String text = textOf(schema);
      for (SchemaMetadata version : versions) {
        if (textOf(version.schema()).equals(text)) {
          return version.id();
        }
      }
      throw new SchemaRegistryException("Schema not found under subject '" + subject + "'", 404,
          SchemaRegistryException.SCHEMA_NOT_FOUND);
    }
  }

  @Override
  public Schema getSchemaById(int id) {
    synchronized (lock) {
      Schema schema = schemasById.get(id);
      if (schema == null) {
        throw new SchemaRegistryException("Schema " + id + " not found", 404,
            SchemaRegistryException.SCHEMA_NOT_FOUND);
      }
      return schema;
    }
  }

  @Override
  public SchemaMetadata getLatestSchemaMetadata(String subject) {
    synchronized (lock) {
      List<SchemaMetadata> versions = versionsOf(subject);
      return versions.get(versions.size() - 1);
    }
  }

  @Override
  public boolean testCompatibility(String subject, Schema schema) {
    synchronized (lock) {
      List<SchemaMetadata> versions = versionsBySubject.get(subject);
      if (versions == null || versions.isEmpty()) {
        return true;
      }
      return SchemaResolution.incompatibility(schema, versions.get(versions.size() - 1).schema()) == null;
    }
  }

  /** Always BACKWARD, the rule this registry enforces (as Confluent's default). */
  @Override
  public String compatibilityLevel(String subject) {
    return "BACKWARD";
  }

  private List<SchemaMetadata> versionsOf(String subject) {
    List<SchemaMetadata> versions = versionsBySubject.get(subject);
    if (versions == null || versions.isEmpty()) {
      throw new SchemaRegistryException("Subject '" + subject + "' not found", 404,
          SchemaRegistryException.SUBJECT_NOT_FOUND);
    }
    return versions;
  }

  private static String textOf(Schema schema) {
    return schema.toString();
  }

  private static Schema parse(String text) {
    try {
      return new Schema.Parser().parse(text);
    } catch (SchemaParseException e) {
      throw new SchemaRegistryException("Invalid schema: " + e.getMessage(), 422,
          SchemaRegistryException.INVALID_SCHEMA, e);
    }
  }
}
