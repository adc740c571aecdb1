package io.fashionclassifier.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.fashionclassifier.review.ReviewerLogins;
import java.io.ByteArrayInputStream;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code review}'s bad input: one line saying what is wrong and how to fix it, exit code 2, before any connection. */
class ReviewCommandTest {

  @TempDir
  Path dir;

  @Test
  void withoutLoginsItSaysWhereToGiveThem() {
    CommandRun result = CommandRun.execute("review", "-b", "127.0.0.1:1");
    assertThat(result.exit()).isEqualTo(2);
    assertThat(result.err().strip()).doesNotContain("\n")
        .contains("no reviewer logins").contains("--users").contains(ReviewCommand.USER_VARIABLE);
  }

  @Test
  void aBadLoginsLineIsNamedWithoutItsPassword() throws Exception {
    Path users = Files.writeString(dir.resolve("users"), "# reviewers\nalice:s3cret\nbob s3cret-too\n");
    CommandRun result = CommandRun.execute("review", "--users", users.toString());
    assertThat(result.exit()).isEqualTo(2);
    assertThat(result.err().strip()).doesNotContain("\n").contains("line 3").contains("user:password")
        .doesNotContain("s3cret");
  }

  @Test
  void aMissingLoginsFileIsNamed() {
    CommandRun result = CommandRun.execute("review", "--users", dir.resolve("absent").toString());
    assertThat(result.exit()).isEqualTo(2);
    assertThat(result.err()).contains("absent").contains("check --users");
  }

  @Test
  void aKeystoreNeedsItsPasswordInTheEnvironment() throws Exception {
    Path users = Files.writeString(dir.resolve("users"), "alice:s3cret\n");
    Path keystore = Files.write(dir.resolve("server.p12"), new byte[] {1});
    CommandRun result = CommandRun.execute("review", "--users", users.toString(), "--tls-keystore", keystore.toString());
    assertThat(result.exit()).isEqualTo(2);
    assertThat(result.err()).contains(ReviewCommand.KEYSTORE_PASSWORD_VARIABLE);
  }

  @Test
  void aPortOutOfRangeIsRefused() {
    CommandRun result = CommandRun.execute("review", "--port", "70000");
    assertThat(result.exit()).isEqualTo(2);
    assertThat(result.err().strip()).isEqualTo("error: --port must be 0-65535, not 70000");
  }

  @Test
  void hashPasswordPrintsALoginsFileSecretForTheGivenPassword() {
    InputStream stdin = System.in;
    CommandRun result;
    try {
      System.setIn(new ByteArrayInputStream("a long passphrase\n".getBytes(StandardCharsets.UTF_8)));
      result = CommandRun.execute("review", "--hash-password");
    } finally {
      System.setIn(stdin);
    }
    assertThat(result.exit()).isZero();
    assertThat(result.out()).doesNotContain("a long passphrase");
    ReviewerLogins logins = ReviewerLogins.parse(List.of("alice:" + result.out().strip()), "users");
    assertThat(logins.check("alice", "a long passphrase")).contains("alice");
  }
}
