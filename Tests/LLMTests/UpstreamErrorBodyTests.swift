@testable import LLM
import Testing

/// What the gateway reads from a provider's error body: the message, and Gemini's retry hint.
@Suite struct UpstreamErrorBodyTests {
    static let gemini = Array(#"""
        {"error": {"code": 429, "message": "Resource has been exhausted", "status": "RESOURCE_EXHAUSTED",
                   "details": [{"@type": "type.googleapis.com/google.rpc.Help", "links": []},
                               {"@type": "type.googleapis.com/google.rpc.RetryInfo", "retryDelay": "1.5s"}]}}
        """#.utf8)

    @Test func readsTheMessageOfEitherProvider() {
        #expect(UpstreamClient.errorMessage(status: 429, body: Self.gemini) == "Resource has been exhausted")
        let openAI = Array(#"{"error": {"message": "Incorrect API key", "type": "invalid_request_error", "code": null}}"#.utf8)
        #expect(UpstreamClient.errorMessage(status: 401, body: openAI) == "Incorrect API key")
        let long = Array(#"{"error": {"message": "\#(String(repeating: "x", count: 500))"}}"#.utf8)
        #expect(UpstreamClient.errorMessage(status: 500, body: long).count == 300)
    }

    /// Anything else is shown as the start of the body.
    @Test func otherBodiesAreShownAsText() {
        #expect(UpstreamClient.errorMessage(status: 502, body: Array("  <html>Bad Gateway</html>\n".utf8)) == "<html>Bad Gateway</html>")
        #expect(UpstreamClient.errorMessage(status: 500, body: Array(#"{"error": "overloaded"}"#.utf8)) == #"{"error": "overloaded"}"#)
        #expect(UpstreamClient.errorMessage(status: 500, body: Array(#"{"error": {"message": 7}}"#.utf8)) == #"{"error": {"message": 7}}"#)
        #expect(UpstreamClient.errorMessage(status: 500, body: []) == "empty error body")
    }

    @Test func readsGeminisRetryDelay() {
        #expect(RetryAfter.geminiRetryDelay(body: Self.gemini) == .milliseconds(1500))
        let unusable = Array(#"""
            {"error": {"details": [{"@type": "type.googleapis.com/google.rpc.RetryInfo", "retryDelay": "soon"},
                                   {"@type": "type.googleapis.com/google.rpc.RetryInfo", "retryDelay": "2s"}]}}
            """#.utf8)
        #expect(RetryAfter.geminiRetryDelay(body: unusable) == .seconds(2), "an unreadable delay is skipped")
        #expect(RetryAfter.geminiRetryDelay(body: Array(#"{"error": {"message": "no details"}}"#.utf8)) == nil)
        #expect(RetryAfter.geminiRetryDelay(body: Array("not json".utf8)) == nil)
    }
}

/// The window's latency is what routing.lua weighs: the mean of its successful requests only.
@Suite struct OutcomeWindowLatencyTests {
    @Test func averagesSuccessfulRequestsInTheWindowOnly() {
        let origin = ContinuousClock.now
        var window = AIOutcomeWindow(window: .seconds(60), origin: origin)
        #expect(window.counts(at: origin).averageLatencyMs == nil, "no success, no latency")
        window.recordRequest(failed: false, took: .milliseconds(100), at: origin)
        window.recordRequest(failed: false, took: .milliseconds(300), at: origin + .seconds(1))
        window.recordRequest(failed: true, took: .seconds(30), at: origin + .seconds(2))
        #expect(window.counts(at: origin + .seconds(2)).averageLatencyMs == 200, "a failure's time is not latency")
        #expect(window.counts(at: origin + .seconds(120)).averageLatencyMs == nil, "gone with the window")
    }
}
