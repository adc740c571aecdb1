package io.fashionclassifier.model;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.annotation.JsonNaming;
import java.util.List;

/**
 * What one running classifier serves from a model repository, as it last wrote it to
 * {@code <repository>/.serving/<instance>.json} (see {@link ServingReports}): what the pointers named when it last
 * read them, the bundles it serves, and the bundles it refused. JSON field names are snake_case.
 *
 * @param instance the classifier that wrote it (host name and process id)
 * @param reportedAt when it wrote it (ISO-8601), at least every {@link ServingReports#HEARTBEAT}
 * @param activePointer the name {@code active} held when it last read it (null when empty)
 * @param shadowPointer the name {@code shadow} held (null when empty)
 * @param active the bundle whose verdicts it publishes
 * @param shadow the bundle it compares with it, or null
 * @param refusals the bundles a pointer names that it does not serve, and why
 */
@JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
@JsonInclude(JsonInclude.Include.NON_NULL)
@JsonIgnoreProperties(ignoreUnknown = true)
public record ServingReport(String instance, String reportedAt, String activePointer, String shadowPointer,
    Served active, Served shadow, List<Refusal> refusals) {

  /** A bundle in service: its name in the repository and its version. */
  @JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
  @JsonIgnoreProperties(ignoreUnknown = true)
  public record Served(String bundle, String version) {}

  /**
   * A bundle a pointer names that is not served.
   *
   * @param role the pointer ({@code active} or {@code shadow})
   * @param bundle the name it holds
   * @param reason why the bundle was refused (one line)
   * @param retrying true when reading it failed (I/O) and it is tried again with backoff; false when its content
   *     was refused, which is not tried again until its files change
   */
  @JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
  @JsonIgnoreProperties(ignoreUnknown = true)
  public record Refusal(String role, String bundle, String reason, boolean retrying) {}

  /** The refusal of what {@code role} names, if any. */
  public Refusal refusal(String role) {
    if (refusals == null) {
      return null;
    }
    return refusals.stream().filter(r -> role.equals(r.role())).findFirst().orElse(null);
  }

  /** The same report at another time: what the heartbeat rewrites. */
  public ServingReport at(String time) {
    return new ServingReport(instance, time, activePointer, shadowPointer, active, shadow, refusals);
  }
}
