package io.fashionclassifier.streaming;

import io.fashionclassifier.schema.ClassifiedItem;
import io.fashionclassifier.schema.LabelScore;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.List;
import org.apache.kafka.common.errors.SerializationException;
import org.apache.kafka.common.serialization.Deserializer;
import org.apache.kafka.common.serialization.Serde;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.common.serialization.Serializer;

/**
 * What the model-health figures need of one verdict, and nothing else (not the item id, not the image): the value
 * of the single-partition repartition topic the figures are computed behind. Written by this application only.
 *
 * @param top the verdict's top-k probabilities, highest first
 */
record HealthSample(String scannerId, String warehouseId, String modelVersion, int predictedLabel, float[] top,
    long captureTime, long classifiedTime) {

  /** At most this many probabilities per sample: a verdict carries three. */
  static final int MAX_TOP = 16;
  private static final byte FORMAT = 1;

  static HealthSample of(ClassifiedItem item) {
    List<LabelScore> scores = item.getTopK();
    float[] top = new float[Math.min(scores.size(), MAX_TOP)];
    for (int i = 0; i < top.length; i++) {
      top[i] = scores.get(i).getProbability();
    }
    if (top.length == 0) {
      top = new float[] {item.getConfidence()};
    }
    return new HealthSample(item.getScannerId(), item.getWarehouseId(), item.getModelVersion(),
        item.getPredictedLabel().ordinal(), top, item.getCaptureTime().toEpochMilli(),
        item.getClassifiedTime().toEpochMilli());
  }

  static final Serde<HealthSample> SERDE = Serdes.serdeFrom(new Writer(), new Reader());

  private static final class Writer implements Serializer<HealthSample> {
    @Override
    public byte[] serialize(String topic, HealthSample sample) {
      if (sample == null) {
        return null;
      }
      ByteArrayOutputStream bytes = new ByteArrayOutputStream(96);
      try (DataOutputStream out = new DataOutputStream(bytes)) {
        out.writeByte(FORMAT);
        out.writeUTF(sample.scannerId());
        out.writeUTF(sample.warehouseId());
        out.writeUTF(sample.modelVersion());
        out.writeByte(sample.predictedLabel());
        out.writeByte(sample.top().length);
        for (float p : sample.top()) {
          out.writeFloat(p);
        }
        out.writeLong(sample.captureTime());
        out.writeLong(sample.classifiedTime());
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
      return bytes.toByteArray();
    }
  }

  private static final class Reader implements Deserializer<HealthSample> {
    @Override
    public HealthSample deserialize(String topic, byte[] data) {
      if (data == null) {
        return null;
      }
      try (DataInputStream in = new DataInputStream(new ByteArrayInputStream(data))) {
        if (in.readByte() != FORMAT) {
          throw new SerializationException("not a health sample of format " + FORMAT);
        }
        String scanner = in.readUTF();
        String warehouse = in.readUTF();
        String version = in.readUTF();
        int label = in.readByte();
        int count = in.readByte();
        if (count < 1 || count > MAX_TOP) {
          throw new SerializationException("health sample with " + count + " probabilities");
        }
        float[] top = new float[count];
        for (int i = 0; i < count; i++) {
          top[i] = in.readFloat();
        }
        return new HealthSample(scanner, warehouse, version, label, top, in.readLong(), in.readLong());
      } catch (IOException e) {
        throw new SerializationException("truncated health sample", e);
      }
    }
  }
}
