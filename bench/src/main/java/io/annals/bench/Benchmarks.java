package io.annals.bench;

/**
 * {@code bench/run [writes|reads]}: runs the write benchmark, the read benchmark, or (no argument)
 * both, each rewriting its own section of docs/benchmarks.md; {@code bench/run cost [label]} runs
 * the append path's cost model ({@link CostModel}); {@code bench/run groups} a consumer group
 * against a plain category subscription ({@link GroupBenchmark}).
 */
public final class Benchmarks {
  private Benchmarks() {}

  public static void main(String[] args) throws Exception {
    String which = args.length == 0 ? "all" : args[0];
    if (which.equals("groups")) {
      new GroupBenchmark().run();
      System.exit(0);
    }
    if (which.equals("cost")) {
      new CostModel(args.length > 1 ? args[1] : "now").run();
      System.exit(0);
    }
    if (!which.equals("all") && !which.equals("writes") && !which.equals("reads")) {
      System.err.println("usage: bench/run [writes|reads|groups|cost [label]]");
      System.exit(2);
    }
    if (!which.equals("reads")) {
      new WriteBenchmark().run();
    }
    if (!which.equals("writes")) {
      new ReadBenchmark().run();
    }
    System.exit(0);
  }
}
