package io.fashionclassifier.review;

import java.io.IOException;
import java.net.URI;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;

/** The review service put together: requests read into the shared queue, the web page, and the audit writer. */
public final class ReviewApp implements AutoCloseable {

  /**
   * @param requestsTopic the review requests to answer
   * @param auditsTopic where the audits go
   * @param group the consumer group shared by all review servers of one queue
   * @param lease how long an item shown to one reviewer is kept from the others
   */
  public record Settings(String requestsTopic, String auditsTopic, String group, Duration lease,
      ReviewServer.Settings server) {}

  private static final Duration AUDIT_TIMEOUT = Duration.ofSeconds(30);

  private final AuditPublisher publisher;
  private final RequestFeed feed;
  private final ReviewServer server;

  private ReviewApp(AuditPublisher publisher, RequestFeed feed, ReviewServer server) {
    this.publisher = publisher;
    this.feed = feed;
    this.server = server;
  }

  /** Starts serving; the Kafka and registry settings are those of any plain client of the cluster. */
  public static ReviewApp start(Settings settings, Map<String, Object> clientConfig, Map<String, Object> serdeConfig,
      ReviewerLogins logins, List<String> classNames) throws IOException {
    Clock clock = Clock.systemUTC();
    AuditPublisher publisher = new AuditPublisher(clientConfig, serdeConfig, settings.auditsTopic(), AUDIT_TIMEOUT);
    RequestFeed feed = null;
    try {
      ReviewQueue queue = new ReviewQueue(publisher, clock, settings.lease());
      feed = new RequestFeed(clientConfig, serdeConfig, settings.requestsTopic(), settings.group(), queue);
      ReviewServer server = ReviewServer.start(settings.server(), queue, feed::unread, logins, classNames, clock);
      feed.start();
      return new ReviewApp(publisher, feed, server);
    } catch (IOException | RuntimeException e) {
      if (feed != null) {
        feed.close();
      }
      publisher.close();
      throw e;
    }
  }

  public URI uri() {
    return server.uri();
  }

  @Override
  public void close() {
    server.close();
    feed.close();
    publisher.close();
  }
}
