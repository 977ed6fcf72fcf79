package io.annals.api;

import com.fasterxml.jackson.annotation.JsonAnyGetter;
import com.fasterxml.jackson.annotation.JsonAnySetter;
import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonProperty;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * An RFC 9457 problem ({@code application/problem+json}): a stable {@code type} such as {@code
 * /problems/wrong-expected-version}, a title, the HTTP status, a detail naming the values involved,
 * and extension members (for example {@code expectedVersion} and {@code actualVersion}).
 */
public final class Problem {
  public static final String MEDIA_TYPE = "application/problem+json";

  private final String type;
  private final String title;
  private final int status;
  private final String detail;
  private final Map<String, Object> extensions = new LinkedHashMap<>();

  @JsonCreator
  public Problem(
      @JsonProperty("type") String type,
      @JsonProperty("title") String title,
      @JsonProperty("status") int status,
      @JsonProperty("detail") String detail) {
    this.type = type;
    this.title = title;
    this.status = status;
    this.detail = detail;
  }

  public Problem with(String member, Object value) {
    extensions.put(member, value);
    return this;
  }

  @JsonProperty
  public String type() {
    return type;
  }

  @JsonProperty
  public String title() {
    return title;
  }

  @JsonProperty
  public int status() {
    return status;
  }

  @JsonProperty
  public String detail() {
    return detail;
  }

  @JsonAnyGetter
  public Map<String, Object> extensions() {
    return extensions;
  }

  @JsonAnySetter
  void extension(String member, Object value) {
    extensions.put(member, value);
  }

  @Override
  public String toString() {
    return status + " " + type + ": " + detail;
  }
}
