#if canImport(Glibc)
import Glibc
import LLM
import Testing
import TestSupport

/// A listener on 127.0.0.1 whose accept queue is full, so new connections hang in the
/// handshake: the only local way to see a real connect timeout.
private final class FullListener {
    let port: Int
    private var sockets: [Int32] = []

    init() throws {
        let listener = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = 0
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafeMutablePointer(to: &address) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { raw -> Bool in
                bind(listener, raw, length) == 0 && listen(listener, 0) == 0 && getsockname(listener, raw, &length) == 0
            }
        }
        guard listener >= 0, bound else { throw TestTimeout() }
        port = Int(UInt16(bigEndian: address.sin_port))
        sockets.append(listener)
        // Fill the accept queue (backlog 0 holds one) with connections nobody accepts.
        for _ in 0..<3 {
            let client = socket(AF_INET, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_NONBLOCK.rawValue), 0)
            var target = address
            _ = withUnsafePointer(to: &target) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(client, $0, length) } }
            sockets.append(client)
        }
        usleep(50_000)
    }

    deinit {
        for socket in sockets { close(socket) }
    }
}

@Suite struct ConnectTimeoutTests {
    @Test func connectTimeoutIsReportedAsConnect() async throws {
        let listener = try FullListener()
        let transport = HTTPTransport(logger: LogCapture().logger)
        let timeouts = TransportTimeouts(connect: .milliseconds(300), firstByte: .seconds(5), idle: .seconds(5), total: .seconds(5))
        let request = HTTPRequest(method: "GET", url: "http://127.0.0.1:\(listener.port)/", timeouts: timeouts)
        // The listener never accepts: a connect timeout (not the 5 s total) means the 300 ms limit held.
        let error = try await bounded(5) { () async -> LLMError? in
            do {
                for try await _ in transport.send(request) {}
                return nil
            } catch {
                return error as? LLMError
            }
        }
        #expect(error == .timeout("connect"))
        #expect(transport.liveHandleCount == 0)
        await transport.shutdown()
        withExtendedLifetime(listener) {}
    }
}
#endif
