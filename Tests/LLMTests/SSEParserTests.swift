import LLM
import Testing

@Suite struct SSEParserTests {
    @Test func parsesEventsEndedByLF() {
        var parser = SSEParser()
        let events = parser.feed(Array("data: one\n\ndata: two\n\n".utf8))
        #expect(events == [.init(data: "one"), .init(data: "two")])
    }

    @Test func parsesCRLFAndLoneCR() {
        var parser = SSEParser()
        let events = parser.feed(Array("data: a\r\n\r\ndata: b\r\rdata: c\n\n".utf8))
        #expect(events.map(\.data) == ["a", "b", "c"])
    }

    @Test func joinsMultiLineDataAndReadsEventAndID() {
        var parser = SSEParser()
        let events = parser.feed(Array("event: update\nid: 7\ndata: first\ndata:second\n\n".utf8))
        #expect(events == [.init(event: "update", data: "first\nsecond", id: "7")])
    }

    @Test func skipsCommentsAndEmptyEvents() {
        var parser = SSEParser()
        let events = parser.feed(Array(": keep-alive\n\n\n: another\ndata: x\n\n".utf8))
        #expect(events == [.init(data: "x")])
    }

    @Test func keepsPartialLinesAcrossReads() {
        var parser = SSEParser()
        let text = "data: {\"text\":\"héllo\"}\r\n\r\ndata: [DONE]\r\n\r\n"
        var events: [SSEParser.Event] = []
        // One byte at a time splits CRLF pairs and the multi-byte "é".
        for byte in Array(text.utf8) { events += parser.feed([byte]) }
        #expect(events.map(\.data) == ["{\"text\":\"héllo\"}", "[DONE]"])
    }

    @Test func finishFlushesAnUnterminatedEvent() {
        var parser = SSEParser()
        #expect(parser.feed(Array("data: tail".utf8)).isEmpty)
        #expect(parser.finish() == [.init(data: "tail")])
        #expect(parser.finish().isEmpty)
    }

    @Test func fieldWithoutColonAndNoSpaceValue() {
        var parser = SSEParser()
        let events = parser.feed(Array("data\ndata:x\n\n".utf8))
        #expect(events.map(\.data) == ["\nx"])
    }
}
