package io.annals.bench;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * HTTP load from {@code wrk} (a C load generator, Debian package), so the load costs the 2-core
 * machine little next to the node and Cassandra. {@code connections} = requests in flight (no
 * pipelining); a Lua script builds each POST: one stream or a random one of many, plain or keyed.
 */
final class Wrk {
  private Wrk() {}

  /**
   * What each request appends: events per request, streams to spread over (0: every request a new
   * stream), keys (50% duplicates).
   */
  record Shape(int eventsPerRequest, int streams, boolean keyed) {}

  static Result run(
      String base, String streamPrefix, Shape shape, int connections, Duration duration)
      throws Exception {
    Path script = Files.createTempFile("annals-wrk-", ".lua");
    Files.writeString(script, lua(streamPrefix, shape));
    int threads = shape.keyed() || connections == 1 ? 1 : 2;
    List<String> cmd =
        new ArrayList<>(
            List.of(
                "wrk",
                "-t" + threads,
                "-c" + connections,
                "-d" + duration.toSeconds() + "s",
                "--latency",
                "-s",
                script.toString(),
                base));
    Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes());
    p.waitFor();
    Files.deleteIfExists(script);
    return parse(out, shape.eventsPerRequest(), duration);
  }

  private static String lua(String prefix, Shape shape) {
    String events = HttpAppends.events(shape.eventsPerRequest(), null);
    return """
        wrk.method = "POST"
        wrk.headers["Content-Type"] = "application/json"
        local body = [=[%s]=]
        local payload = [=[%s]=]
        local streams = %d
        local keyed = %s
        local n = 0
        -- wrk's Lua random is unseeded: without this every thread, and every run, would walk
        -- the same sequence of streams
        local threads = 0
        setup = function(thread)
          threads = threads + 1
          thread:set("id", threads)
        end
        init = function(args)
          math.randomseed(os.time() * 100 + id)
          stamp = os.time()
        end
        request = function()
          n = n + 1
          local path = "/streams/%s"
          if streams == 0 then path = path .. "-" .. stamp .. "-" .. id .. "-" .. n
          elseif streams > 1 then path = path .. "-" .. math.random(streams) end
          local b = body
          if keyed then b = '[{"type":"OrderPlaced","key":"k' .. math.floor(n / 2) .. '","data":' .. payload .. '}]' end
          return wrk.format(nil, path, nil, b)
        end
        """
        .formatted(events, HttpAppends.PAYLOAD, shape.streams(), shape.keyed(), prefix);
  }

  private static Result parse(String out, int eventsPerRequest, Duration duration) {
    Matcher total = Pattern.compile("(\\d+) requests in").matcher(out);
    if (!total.find()) {
      throw new IllegalStateException("wrk said: " + out);
    }
    long requests = Long.parseLong(total.group(1));
    Matcher non2xx = Pattern.compile("Non-2xx or 3xx responses: (\\d+)").matcher(out);
    long failed = non2xx.find() ? Long.parseLong(non2xx.group(1)) : 0;
    Matcher errors =
        Pattern.compile("Socket errors: connect (\\d+), read (\\d+), write (\\d+), timeout (\\d+)")
            .matcher(out);
    if (errors.find()) {
      for (int i = 1; i <= 4; i++) {
        failed += Long.parseLong(errors.group(i));
      }
    }
    double ok = (requests - failed) * (double) eventsPerRequest;
    return new Result(
        ok / duration.toSeconds(), percentile(out, "50%"), percentile(out, "99%"), failed);
  }

  private static double percentile(String out, String label) {
    Matcher m =
        Pattern.compile("\\s" + Pattern.quote(label) + "\\s+([\\d.]+)(us|ms|s)").matcher(out);
    if (!m.find()) {
      return Double.NaN;
    }
    double v = Double.parseDouble(m.group(1));
    return switch (m.group(2)) {
      case "us" -> v / 1000;
      case "s" -> v * 1000;
      default -> v;
    };
  }
}
