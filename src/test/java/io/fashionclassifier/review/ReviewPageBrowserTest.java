package io.fashionclassifier.review;

import static io.fashionclassifier.learning.DecisionRecords.decision;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.fashionclassifier.dataset.FashionMnist;
import io.fashionclassifier.learning.DecisionLog;
import io.fashionclassifier.schema.AuditSource;
import io.fashionclassifier.schema.DecisionKind;
import io.fashionclassifier.schema.FashionClass;
import io.fashionclassifier.schema.ItemAudit;
import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Collectors;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.openqa.selenium.By;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.WebDriver;
import org.openqa.selenium.WebDriverException;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;
import org.openqa.selenium.interactions.Actions;

/**
 * The review page in headless Chromium against the real broker: a reviewer logs in, labels ten items with the
 * keyboard and undoes the last one; the audits topic then holds exactly one audit per item, and for the undone item
 * the corrected one after the first. A model decision written meanwhile is shown below the item.
 */
class ReviewPageBrowserTest {

  private static final Path CHROMIUM = Path.of("/usr/bin/chromium");
  private static final Path DRIVER = Path.of("/usr/bin/chromedriver");
  private static final Duration PAGE_WAIT = Duration.ofSeconds(20);

  @TempDir
  Path profile;

  private ReviewTopics topics;
  private ReviewApp app;
  private WebDriver browser;

  @BeforeEach
  void start() throws Exception {
    Assumptions.assumeTrue(Files.isExecutable(CHROMIUM) && Files.isExecutable(DRIVER),
        "Debian's chromium and chromium-driver are not installed (.ci/run installs them)");
    topics = new ReviewTopics();
    app = ReviewApp.start(topics.settings(Duration.ofMinutes(2)), topics.clientConfig(), topics.serdeConfig(),
        ReviewerLogins.of(Map.of("alice", "correct horse")), FashionMnist.CLASS_NAMES);
    ChromeOptions options = new ChromeOptions();
    options.setBinary(CHROMIUM.toFile());
    // as root Chromium needs these, or it refuses to start or calls outside hosts
    options.addArguments("--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--disable-sync", "--no-first-run", "--user-data-dir=" + profile,
        "--window-size=1280,800");
    ChromeDriverService service = new ChromeDriverService.Builder()
        .usingDriverExecutable(new File(DRIVER.toString())).usingAnyFreePort().build();
    browser = new ChromeDriver(service, options);
  }

  @AfterEach
  void stop() {
    if (browser != null) {
      browser.quit();
    }
    if (app != null) {
      app.close();
    }
    if (topics != null) {
      topics.close();
    }
  }

  @Test
  void tenItemsLabelledWithTheKeyboardAndOneUndoneGiveExactlyTheirAudits() throws Exception {
    List<String> ids = topics.produceRequests(12);
    String reason = "better: 41 disagreements (active alone right on 6, candidate alone on 35), p = 4.87e-06 < 0.05";
    try (DecisionLog log = new DecisionLog(topics.clientConfig(), topics.serdeConfig(), topics.decisions,
        Duration.ofSeconds(30))) {
      log.ensureTopic(true, Optional.empty());
      log.write(decision(DecisionKind.PROMOTED, Instant.now(), "audits-20261207", "5b6a7c8d", reason));
    }
    browser.get(app.uri().toString());
    assertThat(browser.getCurrentUrl()).as("no page without a login").endsWith("/login");
    logIn("alice", "wrong");
    // the click returns before the refused login's page has loaded
    await().atMost(PAGE_WAIT).ignoreExceptionsInstanceOf(WebDriverException.class).untilAsserted(() ->
        assertThat(browser.findElement(By.className("note")).getText()).contains("Wrong user or password"));
    logIn("alice", "correct horse");

    Map<String, FashionClass> labelled = new LinkedHashMap<>();
    for (int i = 0; i < 10; i++) {
      String shown = awaitItem();
      FashionClass label = FashionClass.values()[(i + 3) % 10];
      press(String.valueOf(label.ordinal()));
      await().atMost(PAGE_WAIT).until(() -> !shown.equals(item()) && item() != null);
      assertThat(text("note")).isEqualTo("Saved.");
      labelled.put(shown, label);
    }
    assertThat(labelled.keySet()).as("the queue's order, each item once").containsExactlyElementsOf(ids.subList(0, 10));

    String last = ids.get(9);
    press("u");
    await().atMost(PAGE_WAIT).until(() -> last.equals(item()));
    assertThat(text("reopened")).contains(FashionMnist.CLASS_NAMES.get(labelled.get(last).ordinal()));
    FashionClass corrected = FashionClass.values()[(labelled.get(last).ordinal() + 5) % 10];
    press(String.valueOf(corrected.ordinal()));
    await().atMost(PAGE_WAIT).until(() -> ids.get(10).equals(item()));

    assertThat(text("decided")).isEqualTo("Decided: 10");
    // ten decisions, counted over at least a minute
    assertThat(Double.parseDouble(text("pace").replaceAll("[^0-9.]", ""))).isBetween(0.1, 10.0);
    await().atMost(PAGE_WAIT).untilAsserted(() -> {
      browser.navigate().refresh();
      assertThat(text("depth")).as("the 11th and 12th requests wait").isEqualTo("Queue: 2 waiting");
      assertThat(text("decisions")).contains("PROMOTED").contains("audits-20261207 5b6a7c8d").contains(reason);
    });
    screenshot();

    List<ConsumerRecord<String, ItemAudit>> audits = topics.readAudits(records -> records.size() >= 11);
    assertThat(audits).hasSize(11);
    assertThat(audits).allSatisfy(record -> {
      assertThat(record.value().getAuditor()).isEqualTo("alice");
      assertThat(record.value().getSource()).isEqualTo(AuditSource.REVIEW_QUEUE);
      assertThat(record.value().getItemId()).isEqualTo(record.key());
    });
    Map<String, List<FashionClass>> byItem = audits.stream().collect(Collectors.groupingBy(ConsumerRecord::key,
        LinkedHashMap::new, Collectors.mapping(r -> r.value().getTrueLabel(), Collectors.toList())));
    assertThat(byItem.keySet()).containsExactlyInAnyOrderElementsOf(ids.subList(0, 10));
    for (String id : ids.subList(0, 9)) {
      assertThat(byItem.get(id)).as(id).containsExactly(labelled.get(id));
    }
    assertThat(byItem.get(last)).as("the undone item: its first label, then the corrected one")
        .containsExactly(labelled.get(last), corrected);
  }

  private void logIn(String user, String password) {
    browser.findElement(By.id("user")).clear();
    browser.findElement(By.id("user")).sendKeys(user);
    browser.findElement(By.id("password")).sendKeys(password);
    browser.findElement(By.id("login")).click();
  }

  private String awaitItem() {
    await().atMost(PAGE_WAIT).until(() -> item() != null && !item().isEmpty());
    return item();
  }

  /** The item the page shows, or null while it reloads. */
  private String item() {
    try {
      return browser.findElement(By.tagName("body")).getDomAttribute("data-item");
    } catch (WebDriverException reloading) {
      return null;
    }
  }

  private String text(String id) {
    return browser.findElement(By.id(id)).getText();
  }

  private void press(String key) {
    new Actions(browser).sendKeys(key).perform();
  }

  private void screenshot() throws Exception {
    byte[] png = ((ChromeDriver) browser).getScreenshotAs(OutputType.BYTES);
    List<Path> targets = new ArrayList<>(List.of(Path.of("target", "review-page.png")));
    if (Boolean.getBoolean("fashion.docs.update")) {
      targets.add(Path.of("docs", "review-page.png"));
    }
    for (Path target : targets) {
      Files.write(target, png);
    }
  }
}
