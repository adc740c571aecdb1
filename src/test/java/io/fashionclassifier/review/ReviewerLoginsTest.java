package io.fashionclassifier.review;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import org.junit.jupiter.api.Test;

/** The logins file: plain and hashed passwords, and the lines it refuses. */
class ReviewerLoginsTest {

  @Test
  void aPlainAndAHashedPasswordBothLogIn() {
    String hash = ReviewerLogins.hash("horse battery".toCharArray());
    ReviewerLogins logins = ReviewerLogins.parse(List.of("# who may review", "", "alice:plain pass",
        "bob:" + hash), "users");
    assertThat(logins.check("alice", "plain pass")).contains("alice");
    assertThat(logins.check("bob", "horse battery")).contains("bob");
    assertThat(logins.check("bob", "horse battery")).as("checked again from the cache").contains("bob");
    assertThat(logins.check("bob", "horse")).isEmpty();
    assertThat(logins.check("alice", "plain")).isEmpty();
    assertThat(logins.check("carol", "plain pass")).isEmpty();
  }

  @Test
  void twoHashesOfOnePasswordDiffer() {
    assertThat(ReviewerLogins.hash("same".toCharArray())).isNotEqualTo(ReviewerLogins.hash("same".toCharArray()));
  }

  @Test
  void badLinesAreRefusedByNumber() {
    assertThatThrownBy(() -> ReviewerLogins.parse(List.of("alice:x", "alice:y"), "users"))
        .hasMessage("users line 2: user alice is listed twice");
    assertThatThrownBy(() -> ReviewerLogins.parse(List.of("al ice:x"), "users"))
        .hasMessageContaining("line 1").hasMessageContaining("user name");
    assertThatThrownBy(() -> ReviewerLogins.parse(List.of("bob:pbkdf2-sha256:zero:abc:def"), "users"))
        .hasMessageContaining("line 1").hasMessageContaining("--hash-password");
    assertThatThrownBy(() -> ReviewerLogins.parse(List.of("# nobody"), "users"))
        .hasMessage("users lists no user:password line");
  }
}
