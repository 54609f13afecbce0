import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
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

    /// Runs to completion (bounded by `timeout`).
    static func run(_ arguments: [String], environment: [String: String] = [:], timeout: Double = 30) throws -> Result {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: path)
        process.arguments = arguments
        process.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 }
        let out = Pipe(), err = Pipe()
        process.standardOutput = out
        process.standardError = err
        try process.run()
        let deadline = Date().addingTimeInterval(timeout)
        while process.isRunning && Date() < deadline { usleep(20_000) }
        if process.isRunning { process.terminate() }
        process.waitUntilExit()
        return Result(
            status: process.terminationStatus,
            stdout: String(decoding: out.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self),
            stderr: String(decoding: err.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self))
    }
}

/// A running `oracle-chat serve` on a free loopback port.
final class ServerProcess: @unchecked Sendable {
    let process = Process()
    let port: Int
    private let stderrPipe = Pipe()

    init(arguments: [String] = [], environment: [String: String]) throws {
        process.executableURL = URL(fileURLWithPath: OracleChatBinary.path)
        process.arguments = ["serve", "--port", "0"] + arguments
        process.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 }
        process.standardError = stderrPipe
        process.standardOutput = FileHandle.nullDevice
        try process.run()
        // The startup line names the bound address: http.address=127.0.0.1:PORT
        var log = ""
        let deadline = Date().addingTimeInterval(30)
        var found: Int?
        while found == nil && Date() < deadline && process.isRunning {
            let data = stderrPipe.fileHandleForReading.availableData
            log += String(decoding: data, as: UTF8.self)
            if let range = log.range(of: #"http\.address=127\.0\.0\.1:(\d+)"#, options: .regularExpression) {
                found = Int(log[range].split(separator: ":").last!)
            }
        }
        guard let found else {
            process.terminate()
            throw ServerStartError(log: log)
        }
        port = found
        startupLog = log
    }

    /// What the server wrote to stderr up to its listening line.
    private(set) var startupLog = ""

    /// SIGTERM, wait for exit, and return everything the server wrote to stderr.
    func stopAndReadLog() -> String {
        _ = stop()
        return startupLog + String(decoding: stderrPipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
    }

    struct ServerStartError: Error { let log: String }

    /// SIGTERM, then wait for exit.
    func stop() -> Int32 {
        if process.isRunning { process.terminate() }
        process.waitUntilExit()
        return process.terminationStatus
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
