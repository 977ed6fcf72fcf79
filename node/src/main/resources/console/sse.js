// Server-Sent Events read with fetch, so a request can carry an Authorization header (EventSource
// cannot). Parses the event-stream format itself and, like EventSource, reconnects after the
// server's retry: interval with the last id it saw as Last-Event-ID, so a node restart costs
// neither a gap nor a duplicate.
"use strict";

class FetchEventSource {
  // url: the subscription; headers(): the request headers of each (re)connection;
  // onmessage({id, data, event}); onstatus(text)
  constructor(url, { headers, onmessage, onstatus }) {
    this.url = url;
    this.headers = headers || (() => ({}));
    this.onmessage = onmessage;
    this.onstatus = onstatus || (() => {});
    this.lastEventId = null;
    this.retry = 1000;
    this.closed = false;
    this.connect();
  }

  close() {
    this.closed = true;
    if (this.abort) this.abort.abort();
    this.onstatus("stopped");
  }

  async connect() {
    while (!this.closed) {
      this.abort = new AbortController();
      const headers = Object.assign({ Accept: "text/event-stream" }, this.headers());
      if (this.lastEventId !== null) headers["Last-Event-ID"] = this.lastEventId;
      try {
        const response = await fetch(this.url, { headers, signal: this.abort.signal, cache: "no-store" });
        if (!response.ok) {
          const body = await response.text();
          this.onstatus("error " + response.status + ": " + body);
          if (response.status >= 400 && response.status < 500 && response.status !== 429) {
            this.closed = true; // a 4xx will not get better by retrying
            return;
          }
        } else {
          this.onstatus("live");
          await this.read(response.body.getReader());
          if (!this.closed) this.onstatus("reconnecting (the server ended the stream)");
        }
      } catch (e) {
        if (this.closed) return;
        this.onstatus("reconnecting (" + e.message + ")");
      }
      await new Promise((r) => setTimeout(r, this.retry));
    }
  }

  async read(reader) {
    const decoder = new TextDecoder();
    let buffer = "";
    let message = { data: null, event: null, id: null };
    for (;;) {
      const { value, done } = await reader.read();
      if (done) return;
      buffer += decoder.decode(value, { stream: true });
      let end;
      while ((end = buffer.search(/\r\n|\r|\n/)) >= 0) {
        const line = buffer.slice(0, end);
        buffer = buffer.slice(end + (buffer.startsWith("\r\n", end) ? 2 : 1));
        if (line === "") {
          if (message.id !== null) this.lastEventId = message.id;
          if (message.data !== null && !this.closed) this.onmessage(message);
          message = { data: null, event: null, id: null };
          continue;
        }
        if (line.startsWith(":")) continue; // a heartbeat comment
        const colon = line.indexOf(":");
        const field = colon < 0 ? line : line.slice(0, colon);
        let value = colon < 0 ? "" : line.slice(colon + 1);
        if (value.startsWith(" ")) value = value.slice(1);
        if (field === "data") message.data = message.data === null ? value : message.data + "\n" + value;
        else if (field === "id") message.id = value;
        else if (field === "event") message.event = value;
        else if (field === "retry" && /^\d+$/.test(value)) this.retry = Number(value);
      }
    }
  }
}
