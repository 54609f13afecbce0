import Hummingbird
import Logging
// Hummingbird depends on swift-service-lifecycle; a ServiceGroup is what allows a graceful stop.
import ServiceLifecycle
import Synchronization

/// A real HTTP server on 127.0.0.1 (random free port) that speaks Gemini
/// (`/v1beta/models/{model}:generateContent`, `:streamGenerateContent?alt=sse`) and OpenAI
/// (`/v1/chat/completions`, JSON and SSE), and answers their model lookups (`GET /v1/models`,
/// `GET /v1beta/models/{model}`, the health probe's), for tests of the LLM client and the HTTP layer.
///
/// It answers deterministically — `replyText`, or `Echo: <last user message>` — with the
/// configured `usage`, records every request (headers included), and plays enqueued faults,
/// one per request, before answering normally again.
///
/// ```swift
/// let upstream = try await FakeUpstream.start()
/// upstream.enqueue(.status(503), times: 2)
/// // point GEMINI_BASE_URL at upstream.baseURL, OPENAI_BASE_URL at upstream.openAIBaseURL
/// print(upstream.requestCount)
/// await upstream.stop()
/// ```
public final class FakeUpstream: Sendable {
    struct State {
        var faults: [FakeUpstreamFault] = []
        var requests: [FakeUpstreamRequest] = []
        var requestCount = 0
        /// False for load runs: only ``FakeUpstream/requestCount`` is kept, not every request.
        var recordsRequests = true
        var replyText: String?
        var usage = FakeUpstreamUsage()
        /// Asked for when the request's last message is the user's (not a tool's output).
        var toolCalls: [FakeToolCall] = []
        /// Set by `stop()`: stalled and slow handlers end at once.
        var stopping = false
    }

    /// The port the server is bound to.
    public let port: Int
    let box: StateBox
    private let group: ServiceGroup
    private let server: Task<Void, Never>

    /// `http://127.0.0.1:PORT`: the Gemini base URL.
    public var baseURL: String { "http://127.0.0.1:\(port)" }
    /// `http://127.0.0.1:PORT/v1`: the OpenAI-compatible base URL.
    public var openAIBaseURL: String { "\(baseURL)/v1" }

    private init(port: Int, box: StateBox, group: ServiceGroup, server: Task<Void, Never>) {
        self.port = port
        self.box = box
        self.group = group
        self.server = server
    }

    /// Starts a server on a free port and returns once it accepts connections.
    /// `recordsRequests: false` keeps only the count (``requests`` stays empty), for load runs.
    public static func start(replyText: String? = nil, usage: FakeUpstreamUsage = FakeUpstreamUsage(),
                             recordsRequests: Bool = true) async throws -> FakeUpstream {
        let box = StateBox(State(recordsRequests: recordsRequests, replyText: replyText, usage: usage))
        let router = Router()
        router.post("**") { request, _ in try await box.respond(to: request) }
        // The health probe's model lookups: `GET /v1/models`, `GET /v1beta/models/{model}`.
        router.get("**") { request, _ in try await box.respond(to: request) }
        let (ports, portContinuation) = AsyncStream.makeStream(of: Int.self)
        var logger = Logger(label: "FakeUpstream")
        logger.logLevel = .critical
        let app = Application(
            router: router,
            configuration: .init(address: .hostname("127.0.0.1", port: 0)),
            onServerRunning: { channel in
                portContinuation.yield(channel.localAddress?.port ?? 0)
                portContinuation.finish()
            },
            logger: logger
        )
        let group = ServiceGroup(services: [app], logger: logger)
        let server = Task {
            try? await group.run()
            portContinuation.finish()
        }
        var iterator = ports.makeAsyncIterator()
        guard let port = await iterator.next(), port > 0 else {
            server.cancel()
            throw FakeUpstreamError(description: "FakeUpstream could not bind 127.0.0.1")
        }
        return FakeUpstream(port: port, box: box, group: group, server: server)
    }

    /// Queues faults; each request takes the next one, and answers normally when none is left.
    public func enqueue(_ faults: FakeUpstreamFault...) {
        box.state.withLock { $0.faults.append(contentsOf: faults) }
    }

    /// Queues `count` copies of `fault`: a burst of 503s is `enqueue(.status(503), times: 3)`.
    public func enqueue(_ fault: FakeUpstreamFault, times count: Int) {
        box.state.withLock { $0.faults.append(contentsOf: Array(repeating: fault, count: count)) }
    }

    /// Reply text; nil echoes the last user message as `Echo: <message>`.
    public var replyText: String? {
        get { box.state.withLock { $0.replyText } }
        set { box.state.withLock { $0.replyText = newValue } }
    }

    /// Tool calls to answer with whenever the request's last message is the user's; a request
    /// ending with a tool's output is answered `Tool said: <output>` (the second turn of an agent loop).
    public var toolCalls: [FakeToolCall] {
        get { box.state.withLock { $0.toolCalls } }
        set { box.state.withLock { $0.toolCalls = newValue } }
    }

    public var usage: FakeUpstreamUsage {
        get { box.state.withLock { $0.usage } }
        set { box.state.withLock { $0.usage = newValue } }
    }

    public var requestCount: Int { box.state.withLock { $0.requestCount } }
    public var requests: [FakeUpstreamRequest] { box.state.withLock { $0.requests } }
    /// Faults not yet consumed.
    public var pendingFaults: Int { box.state.withLock { $0.faults.count } }

    /// Stops the server gracefully: stalled or slow responses end at once, connections close.
    /// (Cancelling a NIO server with connections still queued can trap, so this never does
    /// unless the graceful stop takes longer than two seconds.)
    public func stop() async {
        box.state.withLock { $0.stopping = true }
        await group.triggerGracefulShutdown()
        let server = self.server
        let deadline = Task {
            try? await Task.sleep(for: .seconds(2))
            if !Task.isCancelled { server.cancel() }
        }
        await server.value
        deadline.cancel()
    }
}

/// Shares the state with the router's handler before the `FakeUpstream` exists.
final class StateBox: Sendable {
    let state: Mutex<FakeUpstream.State>
    init(_ initial: FakeUpstream.State) { state = Mutex(initial) }
}
