// A Server-Sent Events parser (the WHATWG event-stream format), with no I/O:
// feed it decoded text in chunks of any size, get back the complete events.
// The dashboard reads the stream with fetch() because EventSource cannot send
// an Authorization header.

export class SSEParser {
  constructor() {
    this.buffer = "";
    this.lastEventId = "";
    this.retry = null;
    this.comments = 0;
    this._resetEvent();
  }

  _resetEvent() {
    this.eventName = "";
    this.dataLines = [];
  }

  /** Parse one chunk; returns the events it completed: [{event, data, id}]. */
  feed(chunk) {
    this.buffer += chunk;
    const events = [];
    const text = this.buffer;
    let start = 0;
    for (let i = 0; i < text.length; i++) {
      const c = text[i];
      if (c !== "\n" && c !== "\r") continue;
      // A CR at the very end may be the first half of a CRLF split across chunks.
      if (c === "\r" && i === text.length - 1) break;
      const line = text.slice(start, i);
      if (c === "\r" && text[i + 1] === "\n") i++;
      start = i + 1;
      this._line(line, events);
    }
    this.buffer = text.slice(start);
    return events;
  }

  _line(line, events) {
    if (line === "") {
      if (this.dataLines.length > 0) {
        events.push({
          event: this.eventName || "message",
          data: this.dataLines.join("\n"),
          id: this.lastEventId,
        });
      }
      this._resetEvent();
      return;
    }
    if (line.startsWith(":")) {
      this.comments++;
      return;
    }
    const colon = line.indexOf(":");
    const field = colon === -1 ? line : line.slice(0, colon);
    let value = colon === -1 ? "" : line.slice(colon + 1);
    if (value.startsWith(" ")) value = value.slice(1);
    if (field === "event") this.eventName = value;
    else if (field === "data") this.dataLines.push(value);
    else if (field === "id" && !value.includes("\0")) this.lastEventId = value;
    else if (field === "retry" && /^\d+$/.test(value)) this.retry = Number(value);
  }
}
