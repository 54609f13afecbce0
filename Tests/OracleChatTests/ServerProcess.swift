import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import OracleCore
import TestSupport

/// The built `oracle-chat` executable, run as a child process the way an operator runs it.
struct OracleChatBinary {
    static var path: String {
        // The test bundle lives next to the executable in .build/<config>/.
        let bundleDir = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
        var candidate = bundleDir.appendingPathComponent("oracle-chat").path
        if !FileManager.default.fileExists(atPath: candidate) {
            candidate = bundleDir.deletingLastPathComponent().appendingPathComponent("oracle-chat").path
        }
        return candidate
    }

    struct Result {
        var status: Int32
        var stdout: String
        var stderr: String
    }

    /// Runs to completion: SIGTERM at `timeout` seconds (SIGKILL 2 s later); stdout and stderr
    /// kept up to 4 MiB each. Spawned by `ChildProcess` (swift-subprocess), never Foundation.Process.
    static func run(_ arguments: [String], environment: [String: String] = [:], timeout: Double = 30) async throws -> Result {
        let outcome = try await ChildProcess.run(path, arguments, environment: environment,
                                                 timeout: .milliseconds(Int(timeout * 1000)))
        return Result(status: outcome.status, stdout: outcome.stdout, stderr: outcome.stderr)
    }
}

/// A running `oracle-chat serve` on a free loopback port. A server whose `ServerProcess` is
/// released while it runs (a test that threw) gets SIGTERM, then SIGKILL.
final class ServerProcess: Sendable {
    let child: RunningChild
    let port: Int

    var processIdentifier: Int32 { child.processIdentifier }

    init(arguments: [String] = [], environment: [String: String]) async throws {
        child = try await RunningChild(OracleChatBinary.path, ["serve", "--port", "0"] + arguments, environment: environment)
        // The startup line names the bound address: http.address=127.0.0.1:PORT
        let line = await child.waitFor(.standardError, timeout: .seconds(30)) {
            $0.range(of: #"http\.address=127\.0\.0\.1:(\d+)"#, options: .regularExpression)
        }
        guard let line, let found = line.split(separator: ":").last.flatMap({ Int($0) }) else {
            await child.stop()
            throw ServerStartError(log: child.text(.standardError))
        }
        port = found
    }

    /// SIGTERM, wait for exit, and return everything the server wrote to stderr.
    func stopAndReadLog() async -> String {
        _ = await stop()
        return child.text(.standardError)
    }

    struct ServerStartError: Error { let log: String }

    /// SIGTERM, then wait for exit (SIGKILL after 30 s); the exit status, or the signal's number.
    func stop() async -> Int32 {
        await child.stop().status
    }

    func request(_ method: String, _ path: String, body: String? = nil) async throws -> (Int, [String: Any]) {
        var request = URLRequest(url: URL(string: "http://127.0.0.1:\(port)\(path)")!)
        request.httpMethod = method
        request.timeoutInterval = 10
        if let body { request.httpBody = Data(body.utf8) }
        let (data, response) = try await URLSession.shared.data(for: request)
        let json = (try? JSONSerialization.jsonObject(with: data)) as? [String: Any] ?? [:]
        return ((response as? HTTPURLResponse)?.statusCode ?? 0, json)
    }
}
