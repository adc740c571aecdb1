package io.fashionclassifier.dataset;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The online fallback against a real HTTP server on loopback that serves the real dataset files (the ones the Debian
 * package installs; their bytes differ from the official downloads, so these tests check against their own sums).
 */
class DatasetDownloadTest {

  private static final Path SOURCE = FashionMnist.SYSTEM_DIRECTORY;

  @TempDir
  Path cache;
  @TempDir
  Path noSystemDirectory;

  private HttpServer server;
  private final List<String> requested = new CopyOnWriteArrayList<>();

  @BeforeEach
  void serveTheDataset() throws IOException {
    server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
    server.createContext("/fashion/", exchange -> {
      String name = exchange.getRequestURI().getPath().substring("/fashion/".length());
      requested.add(name);
      Path file = SOURCE.resolve(name);
      if (!Files.isRegularFile(file)) {
        exchange.sendResponseHeaders(404, -1);
        exchange.close();
        return;
      }
      exchange.sendResponseHeaders(200, Files.size(file));
      try (OutputStream body = exchange.getResponseBody()) {
        Files.copy(file, body);
      }
    });
    server.start();
  }

  @AfterEach
  void stop() {
    server.stop(0);
  }

  private Map<String, String> environment() {
    return Map.of(
        FashionMnist.URL_ENV, "http://127.0.0.1:" + server.getAddress().getPort() + "/fashion/",
        FashionMnist.CACHE_ENV, cache.toString());
  }

  private Path locate(Map<String, String> md5) {
    return FashionMnist.locate(null, environment(), noSystemDirectory.resolve("absent"), md5);
  }

  private static Map<String, String> md5OfTheServedFiles() throws Exception {
    Map<String, String> md5 = new LinkedHashMap<>();
    for (String name : DatasetDownload.OFFICIAL_MD5.keySet()) {
      MessageDigest digest = MessageDigest.getInstance("MD5");
      md5.put(name, HexFormat.of().formatHex(digest.digest(Files.readAllBytes(SOURCE.resolve(name)))));
    }
    return md5;
  }

  @Test
  void downloadsTheFourFilesIntoTheCacheAndTheyLoad() throws Exception {
    Path located = locate(md5OfTheServedFiles());

    assertThat(located).isEqualTo(cache);
    assertThat(requested).containsExactlyInAnyOrderElementsOf(DatasetDownload.OFFICIAL_MD5.keySet());
    FashionMnist data = FashionMnist.loadFrom(located);
    assertThat(data.train().size()).isEqualTo(60_000);
    assertThat(data.test().size()).isEqualTo(10_000);
    try (var files = Files.list(cache)) {
      assertThat(files.map(f -> f.getFileName().toString())).noneMatch(name -> name.endsWith(".part"));
    }
  }

  @Test
  void aCompleteCacheIsUsedWithoutDownloadingAgain() throws Exception {
    Map<String, String> md5 = md5OfTheServedFiles();
    locate(md5);
    requested.clear();

    assertThat(locate(md5)).isEqualTo(cache);
    assertThat(requested).isEmpty();
  }

  @Test
  void aFileWhoseChecksumDoesNotMatchIsRejectedAndNotKept() throws Exception {
    Map<String, String> md5 = md5OfTheServedFiles();
    String labels = FashionMnist.TEST_LABELS + ".gz";
    md5.put(labels, "00000000000000000000000000000000");

    assertThatThrownBy(() -> locate(md5))
        .isInstanceOf(DatasetException.class)
        .hasMessageContaining(labels + ": checksum mismatch")
        .hasMessageContaining("expected 00000000000000000000000000000000")
        .hasMessageContaining("dataset-fashion-mnist")
        .hasMessageNotContaining("\n");
    assertThat(cache.resolve(labels)).doesNotExist();
    assertThat(cache.resolve(labels + ".part")).doesNotExist();
  }

  @Test
  void aMissingFileOnTheServerNamesTheUrlAndTheStatus() {
    Map<String, String> md5 = Map.of("no-such-file.gz", "00000000000000000000000000000000");

    assertThatThrownBy(() -> locate(md5))
        .isInstanceOf(DatasetException.class)
        .hasMessageContaining("/fashion/no-such-file.gz: HTTP 404");
  }

  @Test
  void theFallbackCanBeSwitchedOff() {
    Map<String, String> environment = Map.of(FashionMnist.URL_ENV, "off", FashionMnist.CACHE_ENV, cache.toString());

    assertThatThrownBy(() -> FashionMnist.locate(null, environment, noSystemDirectory.resolve("absent"),
            DatasetDownload.OFFICIAL_MD5))
        .isInstanceOf(DatasetException.class)
        .hasMessageContaining("FASHION_MNIST_URL=off")
        .hasMessageContaining("dataset-fashion-mnist");
    assertThat(requested).isEmpty();
  }

  @Test
  void theCacheFollowsXdgWhenNotSetExplicitly() {
    assertThat(FashionMnist.cacheDirectory(Map.of("XDG_CACHE_HOME", "/var/cache/me")))
        .isEqualTo(Path.of("/var/cache/me/fashion-classifier/fashion-mnist"));
  }
}
