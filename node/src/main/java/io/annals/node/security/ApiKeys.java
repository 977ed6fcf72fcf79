package io.annals.node.security;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import org.apache.pekko.actor.typed.ActorSystem;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * This node's view of the API keys: the key file's (mounted from a Kubernetes Secret, re-read when
 * it changes) and the table's ({@link KeyTable}), by id, reloaded by {@link KeyReloads} every
 * refresh interval and at once on every node when a key is created or revoked. A request's key is
 * checked against this view alone, without a query.
 */
public final class ApiKeys {
  private static final Logger log = LoggerFactory.getLogger(ApiKeys.class);

  /** The name is taken (409). */
  public static final class NameTaken extends RuntimeException {
    NameTaken(String detail) {
      super(detail, null, false, false);
    }
  }

  /** No such key (404). */
  public static final class NoSuchKey extends RuntimeException {
    NoSuchKey(String detail) {
      super(detail, null, false, false);
    }
  }

  private final KeyTable table;
  private final Path file;
  private volatile FileTime fileTime;
  private volatile List<ApiKey> fileKeys = List.of();
  private volatile Map<String, ApiKey> byId = Map.of();

  ApiKeys(ActorSystem<?> system, Path file) {
    this.table = new KeyTable(system);
    this.file = file;
    reloadFile();
  }

  /** The principal of {@code token} (an {@code ak_…} key), or {@link Unauthenticated}. */
  Principal authenticate(String token) {
    String[] parts =
        KeyFormat.parse(token).orElseThrow(() -> new Unauthenticated("the API key is malformed"));
    ApiKey key = byId.get(parts[0]);
    if (key == null || !KeyFormat.matches(parts[1], key.sha256())) {
      throw new Unauthenticated("the API key is unknown or revoked");
    }
    return key.principal();
  }

  /** Re-reads the key file (if it changed) and the table; keeps the old view if that fails. */
  CompletionStage<Void> reload() {
    reloadFile();
    return table
        .all()
        .thenAccept(
            stored -> {
              Map<String, ApiKey> next = new HashMap<>();
              stored.forEach(k -> next.put(k.id(), k));
              fileKeys.forEach(k -> next.put(k.id(), k));
              byId = Map.copyOf(next);
            });
  }

  /** The keys (file and table), by name, read from the table now. */
  public CompletionStage<List<ApiKey>> list() {
    return table
        .all()
        .thenApply(
            stored -> {
              List<ApiKey> all = new ArrayList<>(stored);
              all.addAll(fileKeys);
              all.sort(Comparator.comparing(ApiKey::name));
              return all;
            });
  }

  /**
   * Creates a key called {@code name} and answers its text (the only time it is ever shown), once
   * stored; {@link NameTaken} if a key has that name.
   */
  public CompletionStage<String> create(String name, List<Grant> grants) {
    if (fileKeys.stream().anyMatch(k -> k.name().equals(name))) {
      return CompletableFuture.failedFuture(
          new NameTaken("key '" + name + "' exists (in the key file)"));
    }
    KeyFormat.NewKey created = KeyFormat.generate();
    ApiKey key = new ApiKey(name, created.id(), created.sha256(), grants, Instant.now(), false);
    return table
        .insertNew(key)
        .thenApply(
            stored -> {
              if (!stored) {
                throw new NameTaken("key '" + name + "' exists; delete it first to replace it");
              }
              return created.text();
            });
  }

  /** Deletes the key called {@code name} from the table ({@link NoSuchKey} if none). */
  public CompletionStage<Void> delete(String name) {
    if (fileKeys.stream().anyMatch(k -> k.name().equals(name))) {
      return CompletableFuture.failedFuture(
          new NameTaken("key '" + name + "' is in the key file: remove it there"));
    }
    return table
        .delete(name)
        .thenAccept(
            deleted -> {
              if (!deleted) {
                throw new NoSuchKey("no API key is called '" + name + "'");
              }
            });
  }

  private void reloadFile() {
    if (file == null) {
      return;
    }
    try {
      FileTime time = Files.getLastModifiedTime(file);
      if (time.equals(fileTime)) {
        return;
      }
      fileKeys = parseFile(GrantsJson.mapper().readTree(file.toFile()));
      fileTime = time;
      Map<String, ApiKey> next = new HashMap<>(byId);
      next.values().removeIf(ApiKey::fromFile);
      fileKeys.forEach(k -> next.put(k.id(), k));
      byId = Map.copyOf(next);
      log.info("Read {} API keys from {}", fileKeys.size(), file);
    } catch (IOException | IllegalArgumentException e) {
      log.error("Cannot read the API key file {}: {} (keeping the keys read before)", file, e);
    }
  }

  /**
   * The key file: {@code [{"name": …, "id": …, "sha256": …, "grants": [...]}, …]}, as {@code
   * annals-node keygen} prints its entries.
   */
  static List<ApiKey> parseFile(JsonNode root) {
    if (!root.isArray()) {
      throw new IllegalArgumentException("the key file must hold a JSON array of keys");
    }
    List<ApiKey> keys = new ArrayList<>();
    for (int i = 0; i < root.size(); i++) {
      JsonNode k = root.get(i);
      String at = "key file [" + i + "]";
      if (!k.path("name").isTextual()
          || !k.path("id").asText().matches("[0-9a-f]{16}")
          || !k.path("sha256").asText().matches("[0-9a-f]{64}")) {
        throw new IllegalArgumentException(
            at + " needs name, id (16 hex digits) and sha256 (64 hex digits)");
      }
      keys.add(
          new ApiKey(
              k.get("name").asText(),
              k.get("id").asText(),
              k.get("sha256").asText(),
              GrantsJson.parse(k.get("grants"), at + ".grants"),
              Instant.EPOCH,
              true));
    }
    return List.copyOf(keys);
  }

  /** A new key and its key-file entry, for {@code annals-node keygen}. */
  public static String[] keygen(String name, List<Grant> grants) {
    KeyFormat.NewKey k = KeyFormat.generate();
    var entry = GrantsJson.mapper().createObjectNode();
    entry.put("name", name).put("id", k.id()).put("sha256", k.sha256());
    entry.set("grants", GrantsJson.toJson(grants));
    return new String[] {k.text(), entry.toString()};
  }
}
