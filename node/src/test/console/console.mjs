// ConsoleIT's browser half: opens the console in the system's headless Chromium, tails a category,
// appends through the form, then asks the test (a line on stdout) to restart the node and checks
// that the tail resumes with neither a gap nor a duplicate. Usage:
//   node console.mjs <baseUrl> <screenshot dir> <category>
// The node's security is on: the console first shows the 401 of its stream list, then works with
// the API key in $ANNALS_TOKEN typed into its token field.
// Prints "RESTART" and waits for a line on stdin before going on; prints "OK ..." and exits 0.
import puppeteer from "puppeteer-core";
import { createInterface } from "node:readline";

const [baseUrl, shots, category] = process.argv.slice(2);
const stream = category + "-1";
const lines = createInterface({ input: process.stdin })[Symbol.asyncIterator]();
const fail = (message) => {
  console.log("FAIL " + message);
  process.exit(1);
};

const browser = await puppeteer.launch({
  executablePath: process.env.CHROMIUM || "/usr/bin/chromium",
  args: ["--no-sandbox", "--headless=new", "--disable-gpu", "--disable-dev-shm-usage"],
  headless: true,
});
try {
  const page = await browser.newPage();
  await page.setViewport({ width: 1280, height: 900 });
  page.on("pageerror", (e) => console.log("page error: " + e.message));
  await page.goto(baseUrl + "/console", { waitUntil: "load" });

  // without a token the API says 401; with one typed in, the console works
  await page.waitForFunction(() => document.getElementById("error").textContent.startsWith("401"));
  await page.type("#token", process.env.ANNALS_TOKEN);
  await page.click("#token-form button[type=submit]");
  await page.waitForFunction(() => document.getElementById("error").hidden);

  // tail the category, then append through the form
  await page.select("#tail-kind", "category");
  await page.type("#tail-name", category);
  await page.click("#tail-form button[type=submit]");
  await page.waitForFunction(() => document.getElementById("tail-status").textContent === "live");

  const appendThroughForm = async (n) => {
    await page.$eval("#append-stream", (e, v) => (e.value = v), stream);
    await page.$eval("#append-type", (e) => (e.value = "Clicked"));
    await page.$eval("#append-data", (e, v) => (e.value = v), JSON.stringify({ n }));
    await page.click("#append-form button[type=submit]");
    await page.waitForFunction(
      (s, v) => document.getElementById("append-result").textContent === "appended " + s + " @" + v,
      { timeout: 20000 },
      stream,
      n,
    );
  };
  const tailSize = (n) =>
    page.waitForFunction((k) => document.querySelectorAll("#tail li").length >= k, { timeout: 60000 }, n);

  for (let n = 1; n <= 3; n++) await appendThroughForm(n);
  await tailSize(3);
  console.log("TAILED 3");

  // the node restarts under the open page
  console.log("RESTART");
  const answer = await lines.next();
  if (answer.done) fail("stdin closed before the node restarted");
  await page.waitForFunction(() => document.getElementById("tail-status").textContent === "live", {
    timeout: 60000,
  });
  for (let n = 4; n <= 5; n++) await appendThroughForm(n);
  await tailSize(5);
  // a duplicate would arrive right behind: give it a moment
  await new Promise((r) => setTimeout(r, 1500));

  const versions = await page.$$eval("#tail li", (items) => items.map((i) => Number(i.dataset.version)));
  if (JSON.stringify(versions) !== "[1,2,3,4,5]") fail("tail versions " + JSON.stringify(versions));
  await page.screenshot({ path: shots + "/console-tail.png" });

  // the stream, its events pretty-printed
  await page.goto(baseUrl + "/console#stream=" + encodeURIComponent(stream), { waitUntil: "load" });
  await page.waitForFunction(() => document.querySelectorAll("#events .event").length === 5);
  const first = await page.$eval("#events .event pre", (p) => JSON.parse(p.textContent));
  if (first.data.n !== 1 || first.stream !== stream) fail("first event " + JSON.stringify(first));
  await page.screenshot({ path: shots + "/console-stream.png", fullPage: true });
  console.log("OK tail " + JSON.stringify(versions));
} catch (e) {
  fail(e.stack || String(e));
} finally {
  await browser.close();
}
process.exit(0);
