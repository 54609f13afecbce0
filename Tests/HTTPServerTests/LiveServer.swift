import Foundation
import HTTPServer
import Hummingbird
import LLM
import Logging
import OracleCore
import Policies
import ServiceLifecycle
import Storage
import TestSupport

/// The whole server on a free loopback port, in the service group `serve` uses (drain limit
/// included), for tests that speak raw HTTP. Shuts down gracefully after `test`, and waits for it.
/// With `shippedPolicies` it runs the files of `policies/` as `serve` does; without, none.
///
/// ```swift
/// try await withLiveServer(["REQUEST_HEAD_TIMEOUT_MS": "300"]) { server in
///     let connection = try RawHTTPConnection(port: server.port)
/// }
/// ```
struct LiveServer: Sendable {
    let port: Int
    let group: ServiceGroup
    let state: ServerState

    /// One request on a fresh connection that the request closes; the parsed response.
    func exchange(_ request: String) async throws -> RawHTTPResponse {
        let connection = try RawHTTPConnection(port: port)
        defer { connection.close() }
        try connection.send(request)
        let reply = await connection.readToEnd()
        guard let response = RawHTTPResponse(reply.text) else {
            throw RawHTTPError(description: "no HTTP response to \(request.prefix(60)): \(reply.text.prefix(200))")
        }
        return response
    }
}

func withLiveServer(
    _ settings: [String: String] = [:],
    configure: (inout OracleConfig) -> Void = { _ in },
    shippedPolicies: Bool = false,
    _ test: @escaping @Sendable (LiveServer) async throws -> Void
) async throws {
    let dir = try TemporaryDirectory()
    defer { dir.remove() }
    var settings = settings
    settings["PORT"] = "0"
    settings["HOST"] = "127.0.0.1"
    var config = try await TestConfig.make(settings, in: dir)
    configure(&config)
    let store = try SQLiteStore(location: config.database)
    let logger = Logger(label: "test")
    let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().path
    let policies = shippedPolicies
        ? PolicyHost(configuration: .init(policiesDirectory: root + "/policies", luaDirectory: root + "/lua"),
                     store: store, logger: logger)
        : nil
    let state = ServerState(config: config, store: store, provider: OfflineProvider(), logger: logger, policies: policies)
    let (ports, portContinuation) = AsyncStream.makeStream(of: Int.self)
    let app = OracleApplication.make(state: state, logger: logger) { port in portContinuation.yield(port) }
    let group = ServiceGroup(configuration: OracleApplication.serviceGroupConfiguration(
        app, config: config, logger: logger, signals: []))
    try await withThrowingTaskGroup(of: Void.self) { tasks in
        tasks.addTask { try await group.run() }
        var iterator = ports.makeAsyncIterator()
        guard let port = await iterator.next() else { throw RawHTTPError(description: "server did not start") }
        do {
            try await test(LiveServer(port: port, group: group, state: state))
        } catch {
            await group.triggerGracefulShutdown()
            throw error
        }
        await group.triggerGracefulShutdown()
        try await tasks.waitForAll()
    }
    try store.close()
}
