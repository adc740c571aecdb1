package io.fashionclassifier.serde;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import org.apache.avro.AvroRuntimeException;
import org.apache.avro.Schema;
import org.apache.avro.generic.GenericContainer;
import org.apache.avro.generic.GenericDatumReader;
import org.apache.avro.generic.GenericDatumWriter;
import org.apache.avro.io.BinaryEncoder;
import org.apache.avro.io.DatumWriter;
import org.apache.avro.io.DecoderFactory;
import org.apache.avro.io.EncoderFactory;
import org.apache.avro.specific.SpecificDatumWriter;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.common.serialization.Serializer;

/**
 * Writes Avro records (generated classes or {@code GenericRecord}s) in the schema registry wire format, registering
 * or looking up their schema under the subject chosen by the subject name strategy. Configured with the keys of
 * {@link AvroSerdeConfig}. Thread-safe; ids and datum writers are cached, encoders reused per thread.
 */
public final class KafkaAvroSerializer extends AbstractKafkaAvroSerDe implements Serializer<Object> {

  private static final int MAX_RETAINED_BUFFER = 1 << 20;
  private static final ThreadLocal<Buffers> BUFFERS = ThreadLocal.withInitial(Buffers::new);

  private boolean autoRegister = true;

  private final ConcurrentMap<SubjectSchema, Integer> ids = new ConcurrentHashMap<>();
  private final ConcurrentMap<String, SchemaMetadata> latestBySubject = new ConcurrentHashMap<>();
  private final ConcurrentMap<Schema, DatumWriter<Object>> specificWriters = new ConcurrentHashMap<>();
  private final ConcurrentMap<Schema, DatumWriter<Object>> genericWriters = new ConcurrentHashMap<>();

  private record SubjectSchema(String subject, Schema schema) {}

  private static final class Buffers {
    ByteArrayOutputStream out = new ByteArrayOutputStream(1024);
    BinaryEncoder encoder;
  }

  /** For Kafka's reflective construction; {@link #configure} creates the registry client. */
  public KafkaAvroSerializer() {
    super(null);
  }

  /** Uses the given client; {@value AvroSerdeConfig#SCHEMA_REGISTRY_URL} is then optional. */
  public KafkaAvroSerializer(SchemaRegistryClient client) {
    super(client);
  }

  public KafkaAvroSerializer(SchemaRegistryClient client, Map<String, ?> props) {
    this(client);
    configure(props, false);
  }

  @Override
  public void configure(Map<String, ?> props, boolean isKey) {
    AvroSerdeConfig config = configureCommon(props, isKey);
    this.autoRegister = config.autoRegisterSchemas();
  }

  @Override
  public byte[] serialize(String topic, Object record) {
    if (record == null) {
      return null;
    }
    client(); // fails before configure()
    if (!(record instanceof GenericContainer container)) {
      throw new AvroSerializationException("Cannot serialize " + record.getClass().getName()
          + ": expected a generated Avro class or a GenericRecord", topic, isKey,
          AvroSerializationException.NO_SCHEMA_ID, null);
    }
    Schema schema = container.getSchema();
    String subject = subjectNameStrategy.subjectName(topic, isKey, schema);
    if (useLatestVersion && !autoRegister) {
      SchemaMetadata latest = latest(topic, subject);
      Object datum = latest.schema().equals(schema) ? record : translate(record, schema, latest, topic);
      return encode(topic, latest.id(), datum, latest.schema());
    }
    return encode(topic, schemaId(topic, subject, schema), record, schema);
  }

  private int schemaId(String topic, String subject, Schema schema) {
    SubjectSchema key = new SubjectSchema(subject, schema);
    Integer cached = ids.get(key);
    if (cached != null) {
      return cached;
    }
    try {
      int id = autoRegister ? client().register(subject, schema) : client().getId(subject, schema);
      ids.putIfAbsent(key, id);
      return id;
    } catch (SchemaRegistryException e) {
      throw new SchemaRegistryAccessException((autoRegister ? "Error registering" : "Error looking up")
          + " schema " + schema.getFullName() + " under subject '" + subject + "'", topic, isKey,
          AvroSerializationException.NO_SCHEMA_ID, subject, e);
    }
  }

  private SchemaMetadata latest(String topic, String subject) {
    SchemaMetadata cached = latestBySubject.get(subject);
    if (cached != null) {
      return cached;
    }
    try {
      SchemaMetadata latest = client().getLatestSchemaMetadata(subject);
      latestBySubject.putIfAbsent(subject, latest);
      return latest;
    } catch (SchemaRegistryException e) {
      throw new SchemaRegistryAccessException("Error fetching the latest schema of subject '" + subject + "'",
          topic, isKey, AvroSerializationException.NO_SCHEMA_ID, subject, e);
    }
  }

  /** Rewrites a record as a GenericRecord of the subject's latest schema through Avro schema resolution. */
  private Object translate(Object record, Schema schema, SchemaMetadata latest, String topic) {
    String problem = SchemaResolution.incompatibility(latest.schema(), schema);
    if (problem != null) {
      throw new IncompatibleSchemaException(problem, schema.getFullName(), latest.schema().getFullName(), topic,
          isKey, latest.id());
    }
    try {
      ByteArrayOutputStream out = new ByteArrayOutputStream();
      BinaryEncoder encoder = EncoderFactory.get().directBinaryEncoder(out, null);
      writerFor(record, schema).write(record, encoder);
      return new GenericDatumReader<>(schema, latest.schema())
          .read(null, DecoderFactory.get().binaryDecoder(out.toByteArray(), null));
    } catch (IOException | RuntimeException e) {
      throw new AvroSerializationException("Cannot rewrite " + schema.getFullName() + " with the latest schema: "
          + e, topic, isKey, latest.id(), e);
    }
  }

  private byte[] encode(String topic, int id, Object datum, Schema schema) {
    Buffers buffers = BUFFERS.get();
    if (buffers.out.size() > MAX_RETAINED_BUFFER) {
      buffers.out = new ByteArrayOutputStream(1024);
    }
    ByteArrayOutputStream out = buffers.out;
    out.reset();
    WireFormat.writeHeader(out, id);
    // A direct (unbuffered) encoder: nothing is left behind in it if a write fails half-way.
    buffers.encoder = EncoderFactory.get().directBinaryEncoder(out, buffers.encoder);
    try {
      writerFor(datum, schema).write(datum, buffers.encoder);
    } catch (IOException | AvroRuntimeException | ClassCastException | NullPointerException e) {
      throw new AvroSerializationException("Cannot write the record as Avro " + schema.getFullName() + ": " + e,
          topic, isKey, id, e);
    }
    return out.toByteArray();
  }

  private DatumWriter<Object> writerFor(Object datum, Schema schema) {
    if (datum instanceof SpecificRecord) {
      return specificWriters.computeIfAbsent(schema, SpecificDatumWriter::new);
    }
    return genericWriters.computeIfAbsent(schema, GenericDatumWriter::new);
  }
}
