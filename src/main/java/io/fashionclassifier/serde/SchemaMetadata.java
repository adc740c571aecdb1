package io.fashionclassifier.serde;

import org.apache.avro.Schema;

/**
 * One registered version of a subject.
 *
 * @param id global schema id, the one written in the wire format
 * @param subject subject name
 * @param version version under the subject, from 1
 * @param schema the parsed Avro schema
 */
public record SchemaMetadata(int id, String subject, int version, Schema schema) {}
