import LLM
import Testing
import TestSupport

@Suite struct HTTPTransportTests {
    private func openAIRequest(_ upstream: FakeUpstream, stream: Bool, timeouts: TransportTimeouts = Fixture.quickTimeouts) -> HTTPRequest {
        let body = #"{"model":"m","stream":\#(stream),"messages":[{"role":"user","content":"hi"}]}"#
        return HTTPRequest(url: upstream.openAIBaseURL + "/chat/completions",
                           headers: [("content-type", "application/json")], body: Array(body.utf8), timeouts: timeouts)
    }

    /// Reads a whole response: status, body, and the error it ended with.
    private func read(_ transport: HTTPTransport, _ request: HTTPRequest) async throws -> (status: Int?, body: String, error: LLMError?) {
        try await bounded {
            var status: Int?
            var body: [UInt8] = []
            do {
                for try await part in transport.send(request) {
                    switch part {
                    case .head(let head): status = head.status
                    case .body(let bytes): body += bytes
                    }
                }
                return (status, String(decoding: body, as: UTF8.self), nil)
            } catch {
                return (status, String(decoding: body, as: UTF8.self), error as? LLMError)
            }
        }
    }

    @Test func deliversHeadThenBodyAndReusesTheConnection() async throws {
        let upstream = try await FakeUpstream.start(replyText: "pong")
        let transport = HTTPTransport(logger: LogCapture().logger)
        for _ in 0..<3 {
            let (status, body, error) = try await read(transport, openAIRequest(upstream, stream: false))
            #expect(status == 200)
            #expect(error == nil)
            #expect(body.contains(#""content":"pong""#))
        }
        #expect(transport.connectionsOpened == 1)
        #expect(transport.liveHandleCount == 0)
        await transport.shutdown()
        await upstream.stop()
    }

    /// A reply read whole comes as one head and one body, however the server flushed it.
    @Test func deliversWholeHandsOverHeadAndBodyTogether() async throws {
        let upstream = try await FakeUpstream.start(replyText: "one two three four")
        let transport = HTTPTransport(logger: LogCapture().logger)
        for whole in [false, true] {
            var request = openAIRequest(upstream, stream: true)  // SSE: flushed event by event
            request.deliversWhole = whole
            let parts: [HTTPResponsePart] = try await bounded { [request] in
                var parts: [HTTPResponsePart] = []
                for try await part in transport.send(request) { parts.append(part) }
                return parts
            }
            guard case .head(let head)? = parts.first else { Issue.record("no head first"); continue }
            #expect(head.status == 200)
            let bodies = parts.dropFirst().compactMap { part -> [UInt8]? in if case .body(let bytes) = part { bytes } else { nil } }
            #expect(String(decoding: bodies.joined(), as: UTF8.self).hasSuffix("data: [DONE]\n\n"))
            if whole { #expect(bodies.count == 1) } else { #expect(bodies.count > 1) }
        }
        await transport.shutdown()
        await upstream.stop()
    }

    @Test func runsTransfersConcurrently() async throws {
        let upstream = try await FakeUpstream.start()
        upstream.enqueue(.slowFirstByte(.milliseconds(300)), times: 4)
        let transport = HTTPTransport(logger: LogCapture().logger)
        let started = ContinuousClock.now
        try await withThrowingTaskGroup(of: Int?.self) { group in
            for _ in 0..<4 { group.addTask { try await self.read(transport, self.openAIRequest(upstream, stream: false)).status } }
            for try await status in group { #expect(status == 200) }
        }
        // Four 300 ms replies in parallel, not one after another.
        #expect(ContinuousClock.now - started < .milliseconds(1100))
        await transport.shutdown()
        await upstream.stop()
    }

    @Test func firstByteTimeout() async throws {
        let upstream = try await FakeUpstream.start()
        upstream.enqueue(.slowFirstByte(.seconds(3)))
        let transport = HTTPTransport(logger: LogCapture().logger)
        var timeouts = Fixture.quickTimeouts
        timeouts.firstByte = .milliseconds(300)
        // The reply would come after 3 s: a timeout error means the 300 ms limit cut it off.
        let (_, _, error) = try await read(transport, openAIRequest(upstream, stream: false, timeouts: timeouts))
        #expect(error == .timeout("first byte"))
        #expect(transport.liveHandleCount == 0)
        await transport.shutdown()
        await upstream.stop()
    }

    @Test func idleTimeoutOnAStalledStream() async throws {
        let upstream = try await FakeUpstream.start()
        upstream.enqueue(.stall(afterDeltas: 2, duration: .seconds(5)))
        let transport = HTTPTransport(logger: LogCapture().logger)
        let (status, body, error) = try await read(transport, openAIRequest(upstream, stream: true))
        #expect(status == 200)
        #expect(body.contains("data:"))
        #expect(error == .timeout("idle stream"))
        #expect(transport.liveHandleCount == 0)
        await transport.shutdown()
        await upstream.stop()
    }

    @Test func totalTimeout() async throws {
        let upstream = try await FakeUpstream.start()
        upstream.enqueue(.stall(afterDeltas: 1, duration: .seconds(5)))
        let transport = HTTPTransport(logger: LogCapture().logger)
        let timeouts = TransportTimeouts(connect: .seconds(1), firstByte: .seconds(1), idle: .seconds(5), total: .milliseconds(400))
        let (_, _, error) = try await read(transport, openAIRequest(upstream, stream: true, timeouts: timeouts))
        #expect(error == .timeout("total"))
        await transport.shutdown()
        await upstream.stop()
    }

    @Test func closedPortIsAConnectionError() async throws {
        let upstream = try await FakeUpstream.start()
        await upstream.stop()
        let transport = HTTPTransport(logger: LogCapture().logger)
        let (status, _, error) = try await read(transport, openAIRequest(upstream, stream: false))
        #expect(status == nil)
        guard case .transport(let message)? = error else {
            Issue.record("expected a transport error, got \(String(describing: error))")
            return
        }
        #expect(message.contains("could not connect"))
        #expect(transport.liveHandleCount == 0)
        await transport.shutdown()
    }

    @Test func connectionResetMidStreamIsAnError() async throws {
        let upstream = try await FakeUpstream.start()
        upstream.enqueue(.resetMidStream(afterDeltas: 2))
        let transport = HTTPTransport(logger: LogCapture().logger)
        let (status, _, error) = try await read(transport, openAIRequest(upstream, stream: true))
        #expect(status == 200)
        guard case .transport? = error else {
            Issue.record("expected a transport error, got \(String(describing: error))")
            return
        }
        await transport.shutdown()
        await upstream.stop()
    }

    @Test func oversizeBodyIsRejected() async throws {
        let upstream = try await FakeUpstream.start()
        upstream.enqueue(.oversizeBody(bytes: 64 * 1024))
        let transport = HTTPTransport(logger: LogCapture().logger)
        var request = openAIRequest(upstream, stream: false)
        request.maxResponseBytes = 16 * 1024
        let (_, _, error) = try await read(transport, request)
        guard case .invalidResponse(let message)? = error else {
            Issue.record("expected invalidResponse, got \(String(describing: error))")
            return
        }
        #expect(message.contains("larger than"))
        #expect(transport.liveHandleCount == 0)
        await transport.shutdown()
        await upstream.stop()
    }

    @Test func cancellingTheConsumerAbortsTheTransfer() async throws {
        let upstream = try await FakeUpstream.start()
        upstream.enqueue(.stall(afterDeltas: 1, duration: .seconds(5)))
        let transport = HTTPTransport(logger: LogCapture().logger)
        let request = openAIRequest(upstream, stream: true, timeouts: TransportTimeouts(idle: .seconds(30)))
        let reading = Task {
            var parts = 0
            for try await _ in transport.send(request) { parts += 1 }
            return parts
        }
        try await bounded(5) {
            while upstream.requestCount == 0 { try await Task.sleep(for: .milliseconds(10)) }
        }
        try await Task.sleep(for: .milliseconds(50))
        #expect(transport.liveHandleCount == 1)
        reading.cancel()
        _ = try? await bounded(5) { try await reading.value }
        try await bounded(5) {
            while transport.liveHandleCount != 0 { try await Task.sleep(for: .milliseconds(10)) }
        }
        #expect(transport.liveHandleCount == 0)
        await transport.shutdown()
        await upstream.stop()
    }

    @Test func shutdownFailsLaterRequests() async throws {
        let transport = HTTPTransport(logger: LogCapture().logger)
        await transport.shutdown()
        let (_, _, error) = try await read(transport, HTTPRequest(method: "GET", url: "http://127.0.0.1:9/"))
        #expect(error == .transport("HTTP transport shut down"))
    }
}
