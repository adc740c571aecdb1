package io.fashionclassifier.cli;

import io.fashionclassifier.dataset.FashionMnist;
import io.fashionclassifier.learning.DecisionLog;
import io.fashionclassifier.review.ReviewApp;
import io.fashionclassifier.review.ReviewServer;
import io.fashionclassifier.review.ReviewerLogins;
import io.fashionclassifier.streaming.ClassifierConfig;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.PrintWriter;
import java.net.BindException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Callable;
import org.apache.kafka.common.KafkaException;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** The reviewers' web page: answers review requests with audits. */
@Command(name = "review", header = "Serve the web page on which people label the review requests.",
    mixinStandardHelpOptions = true,
    description = "Serve a web page on which logged-in reviewers label the items of the review-requests topic "
        + "(one click or key each, skip, undo); every decision is an ItemAudit on the audits topic, once per item. "
        + "The page also shows the learning loop's latest model decisions.")
final class ReviewCommand implements Callable<Integer> {

  static final String USER_VARIABLE = "FASHION_REVIEW_USER";
  static final String PASSWORD_VARIABLE = "FASHION_REVIEW_PASSWORD";
  static final String KEYSTORE_PASSWORD_VARIABLE = "FASHION_REVIEW_KEYSTORE_PASSWORD";

  @Spec CommandSpec spec;
  @Mixin ClusterOptions cluster;

  @Option(names = "--bind", paramLabel = "ADDRESS", defaultValue = "127.0.0.1",
      description = "Address to listen on (default ${DEFAULT-VALUE}: this machine only; 0.0.0.0 for all).")
  String bind;

  @Option(names = "--port", paramLabel = "PORT", defaultValue = "8088",
      description = "Port to listen on (default ${DEFAULT-VALUE}; 0 takes a free one).")
  int port;

  @Option(names = "--users", paramLabel = "FILE",
      description = "Reviewer logins, one user:password line each; the password may be a hash from "
          + "--hash-password. Without it, one reviewer from the environment: " + USER_VARIABLE + " and "
          + PASSWORD_VARIABLE + ".")
  Path users;

  @Option(names = "--tls-keystore", paramLabel = "FILE",
      description = "Serve HTTPS with the key and certificate of this PKCS12 keystore; its password from "
          + KEYSTORE_PASSWORD_VARIABLE + ".")
  Path keystore;

  @Option(names = "--lease", paramLabel = "DURATION", defaultValue = "2m", converter = DurationConverter.class,
      description = "How long an item shown to one reviewer is kept from the others (default ${DEFAULT-VALUE}).")
  Duration lease;

  @Option(names = "--group", paramLabel = "ID", defaultValue = "fashion-classifier-review",
      description = "Consumer group of the review servers: servers in one group share the queue "
          + "(default ${DEFAULT-VALUE}).")
  String group;

  @Option(names = "--decisions-topic", paramLabel = "TOPIC", defaultValue = DecisionLog.DEFAULT_TOPIC,
      description = "Topic of the learning loop's decisions, the latest of which the page shows; while it does not"
          + " exist the page shows none (default ${DEFAULT-VALUE}).")
  String decisionsTopic;

  @Option(names = "--hash-password",
      description = "Read a password from the terminal (or one line of stdin), print its hash for --users, and exit.")
  boolean hashPassword;

  @Override
  public Integer call() throws Exception {
    PrintWriter out = spec.commandLine().getOut();
    if (hashPassword) {
      out.println(ReviewerLogins.hash(readPassword()));
      out.flush();
      return 0;
    }
    if (port < 0 || port > 65_535) {
      throw new UserError("--port must be 0-65535, not " + port);
    }
    if (lease.isNegative() || lease.isZero()) {
      throw new UserError("--lease must be longer than zero, e.g. 2m");
    }
    ReviewerLogins logins = logins();
    Optional<ReviewServer.Tls> tls = tls();
    ClassifierConfig config = cluster.load(Map.of());
    String requests = config.setting(ClassifierConfig.TOPIC_REVIEW);
    String audits = config.setting(ClassifierConfig.TOPIC_AUDITS);
    ReviewApp.Settings settings = new ReviewApp.Settings(requests, audits, group, lease, decisionsTopic,
        new ReviewServer.Settings(bind, port, tls));
    try (StopSignal stop = StopSignal.install("review");
        ReviewApp app = ReviewApp.start(settings, config.clientConfig(), config.serdeConfig(), logins,
            FashionMnist.CLASS_NAMES)) {
      out.printf("review page at %s: requests from %s, audits to %s on %s (Ctrl-C stops)%n", app.uri(), requests,
          audits, config.bootstrapServers());
      out.flush();
      stop.await();
      return 0;
    } catch (BindException e) {
      throw new UserError("cannot listen on " + bind + ":" + port + ": " + e.getMessage()
          + " (choose another --port or --bind)", e);
    } catch (IOException e) {
      throw new UserError("cannot serve the review page: " + e.getMessage()
          + " (check --tls-keystore and its password)", e);
    } catch (KafkaException e) {
      throw new UserError("cannot reach the review topics on " + config.bootstrapServers() + ": " + e.getMessage()
          + " (check --bootstrap-servers and --schema-registry-url)", e);
    }
  }

  private ReviewerLogins logins() {
    try {
      if (users != null) {
        if (!Files.isReadable(users)) {
          throw new UserError("logins file " + users + " does not exist or cannot be read: check --users");
        }
        return ReviewerLogins.read(users);
      }
      String user = System.getenv(USER_VARIABLE);
      String password = System.getenv(PASSWORD_VARIABLE);
      if (user == null || user.isBlank() || password == null || password.isEmpty()) {
        throw new UserError("no reviewer logins: give --users FILE (user:password lines) or set " + USER_VARIABLE
            + " and " + PASSWORD_VARIABLE);
      }
      return ReviewerLogins.of(Map.of(user, password));
    } catch (IllegalArgumentException e) {
      throw new UserError(e.getMessage() + ": fix the logins", e);
    }
  }

  private Optional<ReviewServer.Tls> tls() {
    if (keystore == null) {
      return Optional.empty();
    }
    if (!Files.isReadable(keystore)) {
      throw new UserError("keystore " + keystore + " does not exist or cannot be read: check --tls-keystore");
    }
    String password = System.getenv(KEYSTORE_PASSWORD_VARIABLE);
    if (password == null) {
      throw new UserError("--tls-keystore needs the keystore's password in " + KEYSTORE_PASSWORD_VARIABLE);
    }
    return Optional.of(new ReviewServer.Tls(keystore, password.toCharArray()));
  }

  private static char[] readPassword() throws IOException {
    if (System.console() != null) {
      char[] password = System.console().readPassword("password: ");
      if (password != null && password.length > 0) {
        return password;
      }
    } else {
      String line = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8)).readLine();
      if (line != null && !line.isEmpty()) {
        return line.toCharArray();
      }
    }
    throw new UserError("no password given: type one, or pipe one line into --hash-password");
  }
}
