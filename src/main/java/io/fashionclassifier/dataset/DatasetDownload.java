package io.fashionclassifier.dataset;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.DigestInputStream;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The online fallback: fetches the four gzipped IDX files into a cache directory and accepts each only when its
 * MD5 matches the published one. MD5 is what the dataset's authors publish (the same sums torchvision checks); it
 * guards against truncated or substituted downloads, and the IDX reader then checks magic numbers and counts.
 *
 * <p>A file is written to {@code NAME.part} and renamed only once verified, so an interrupted or corrupt download
 * never looks like a dataset.
 */
final class DatasetDownload {

  private static final Logger log = LoggerFactory.getLogger(DatasetDownload.class);

  /** Where the dataset's authors publish the files (HTTPS). */
  static final URI OFFICIAL_URL =
      URI.create("https://raw.githubusercontent.com/zalandoresearch/fashion-mnist/master/data/fashion/");

  /** MD5 of each official file, from https://github.com/zalandoresearch/fashion-mnist#get-the-data. */
  static final Map<String, String> OFFICIAL_MD5 = officialMd5();

  private static final Duration CONNECT_TIMEOUT = Duration.ofSeconds(10);
  private static final Duration FILE_TIMEOUT = Duration.ofMinutes(5);

  private final URI base;
  private final Map<String, String> md5ByFile;
  private final HttpClient http;

  DatasetDownload(URI base, Map<String, String> md5ByFile) {
    this.base = base.toString().endsWith("/") ? base : URI.create(base + "/");
    this.md5ByFile = Map.copyOf(md5ByFile);
    this.http = HttpClient.newBuilder()
        .connectTimeout(CONNECT_TIMEOUT)
        .followRedirects(HttpClient.Redirect.NORMAL)
        .build();
  }

  private static Map<String, String> officialMd5() {
    Map<String, String> md5 = new LinkedHashMap<>();
    md5.put(FashionMnist.TRAIN_IMAGES + ".gz", "8d4fb7e6c68d591d4c3dfef9ec88bf0d");
    md5.put(FashionMnist.TRAIN_LABELS + ".gz", "25c81989df183df01b3e8a0aad5dffbe");
    md5.put(FashionMnist.TEST_IMAGES + ".gz", "bef4ecab320f06d8554ea6380940ec79");
    md5.put(FashionMnist.TEST_LABELS + ".gz", "bb300cfdad3c16e7a12a480ee83cd310");
    return md5;
  }

  /**
   * Downloads into {@code directory} every file that is not already there with the right checksum (so a complete
   * cache costs one checksum pass and no request).
   *
   * @throws DatasetException naming the file and what went wrong (HTTP status, I/O error, checksum mismatch)
   */
  Path into(Path directory) {
    try {
      Files.createDirectories(directory);
    } catch (IOException e) {
      throw new DatasetException("cannot create the dataset cache " + directory + ": " + e.getMessage(), e);
    }
    md5ByFile.forEach((name, md5) -> {
      Path target = directory.resolve(name);
      if (!hasChecksum(target, md5)) {
        fetch(base.resolve(name), target, md5);
      }
    });
    return directory;
  }

  private void fetch(URI source, Path target, String expectedMd5) {
    Path partial = target.resolveSibling(target.getFileName() + ".part");
    long start = System.nanoTime();
    log.info("Downloading {} to {}", source, target.getParent());
    HttpRequest request = HttpRequest.newBuilder(source).timeout(FILE_TIMEOUT).GET().build();
    String actualMd5;
    try {
      HttpResponse<InputStream> response = http.send(request, HttpResponse.BodyHandlers.ofInputStream());
      try (InputStream body = response.body()) {
        if (response.statusCode() != 200) {
          throw new DatasetException(source + ": HTTP " + response.statusCode());
        }
        MessageDigest digest = md5();
        try (InputStream in = new DigestInputStream(body, digest); OutputStream out = Files.newOutputStream(partial)) {
          in.transferTo(out);
        }
        actualMd5 = HexFormat.of().formatHex(digest.digest());
      }
    } catch (IOException e) {
      deleteQuietly(partial);
      throw new DatasetException("download of " + source + " failed: " + e, e);
    } catch (InterruptedException e) {
      deleteQuietly(partial);
      Thread.currentThread().interrupt();
      throw new DatasetException("download of " + source + " interrupted", e);
    }
    if (!actualMd5.equals(expectedMd5)) {
      deleteQuietly(partial);
      throw new DatasetException(source + ": checksum mismatch (MD5 " + actualMd5 + ", expected " + expectedMd5
          + "): the download is corrupt or not the official file; nothing was kept");
    }
    try {
      Files.move(partial, target, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    } catch (IOException e) {
      deleteQuietly(partial);
      throw new DatasetException("cannot move " + partial + " to " + target + ": " + e.getMessage(), e);
    }
    log.info("Downloaded {} ({} bytes, MD5 verified) in {} ms", target.getFileName(), target.toFile().length(),
        (System.nanoTime() - start) / 1_000_000);
  }

  private static boolean hasChecksum(Path file, String expectedMd5) {
    if (!Files.isRegularFile(file)) {
      return false;
    }
    MessageDigest digest = md5();
    try (InputStream in = new DigestInputStream(Files.newInputStream(file), digest)) {
      in.transferTo(OutputStream.nullOutputStream());
    } catch (IOException e) {
      return false;
    }
    return HexFormat.of().formatHex(digest.digest()).equals(expectedMd5);
  }

  private static MessageDigest md5() {
    try {
      return MessageDigest.getInstance("MD5");
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("every Java platform has MD5", e);
    }
  }

  private static void deleteQuietly(Path file) {
    try {
      Files.deleteIfExists(file);
    } catch (IOException e) {
      log.warn("could not delete {}: {}", file, e.getMessage());
    }
  }
}
