/// Incremental parser for `text/event-stream` (Server-Sent Events) as both Gemini
/// (`?alt=sse`) and OpenAI-compatible servers send it.
///
/// Feed it bytes exactly as they arrive, cut anywhere; it returns the events completed so far.
/// Lines may end in `\n`, `\r\n` or `\r`; several `data:` lines join with `\n`; lines starting
/// with `:` are comments; an event ends at a blank line.
///
/// ```swift
/// var parser = SSEParser()
/// let events = parser.feed(Array("data: {\"a\":1}\n\n".utf8))
/// // events == [SSEParser.Event(data: "{\"a\":1}")]
/// ```
public struct SSEParser: Sendable {
    /// One dispatched event.
    public struct Event: Sendable, Equatable {
        public var event: String?
        public var data: String
        public var id: String?

        public init(event: String? = nil, data: String, id: String? = nil) {
            self.event = event
            self.data = data
            self.id = id
        }
    }

    private var pending: [UInt8] = []
    private var dataLines: [String] = []
    private var eventName: String?
    private var eventID: String?

    public init() {}

    /// Adds bytes; returns every event completed by them.
    public mutating func feed(_ bytes: some Sequence<UInt8>) -> [Event] {
        pending.append(contentsOf: bytes)
        var events: [Event] = []
        var lineStart = 0
        var index = 0
        while index < pending.count {
            let byte = pending[index]
            if byte == UInt8(ascii: "\n") || byte == UInt8(ascii: "\r") {
                // A CR at the very end may be the first half of CRLF: wait for the next read.
                if byte == UInt8(ascii: "\r") && index + 1 == pending.count { break }
                let line = String(decoding: pending[lineStart..<index], as: UTF8.self)
                if byte == UInt8(ascii: "\r") && pending[index + 1] == UInt8(ascii: "\n") { index += 1 }
                index += 1
                lineStart = index
                if let event = process(line) { events.append(event) }
            } else {
                index += 1
            }
        }
        pending.removeFirst(lineStart)
        return events
    }

    /// At end of input: an unterminated last line and event still count.
    public mutating func finish() -> [Event] {
        var events: [Event] = []
        if !pending.isEmpty {
            let line = String(decoding: pending.filter { $0 != UInt8(ascii: "\r") }, as: UTF8.self)
            pending.removeAll()
            if let event = process(line) { events.append(event) }
        }
        if let event = process("") { events.append(event) }
        return events
    }

    private mutating func process(_ line: String) -> Event? {
        if line.isEmpty {
            defer { dataLines.removeAll(); eventName = nil }
            guard !dataLines.isEmpty else { return nil }
            return Event(event: eventName, data: dataLines.joined(separator: "\n"), id: eventID)
        }
        if line.hasPrefix(":") { return nil }
        let field: Substring
        var value: Substring
        if let colon = line.firstIndex(of: ":") {
            field = line[..<colon]
            value = line[line.index(after: colon)...]
            if value.hasPrefix(" ") { value = value.dropFirst() }
        } else {
            field = Substring(line)
            value = ""
        }
        switch field {
        case "data": dataLines.append(String(value))
        case "event": eventName = String(value)
        case "id": eventID = String(value)
        default: break
        }
        return nil
    }
}
