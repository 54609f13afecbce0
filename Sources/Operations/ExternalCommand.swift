import Foundation

/// Runs a standard tool (`tar`, `pkg-config`, `swift`) found on `PATH`, bounded in time.
/// Diagnostics must work on a bare machine, so a missing tool is an answer, not an error.
enum ExternalCommand {
    struct Output {
        var status: Int32
        var stdout: String
        var stderr: String
    }

    static func find(_ name: String) -> String? {
        let path = ProcessInfo.processInfo.environment["PATH"] ?? ""
        let folders = path.split(separator: ":").map(String.init) + ["/usr/bin", "/bin"]
        return folders.map { ($0 as NSString).appendingPathComponent(name) }
            .first { FileManager.default.isExecutableFile(atPath: $0) }
    }

    /// nil when the tool is not installed or could not be started. Output goes through
    /// temporary files, so a chatty tool never blocks on a full pipe.
    static func run(_ name: String, _ arguments: [String], timeout: Double = 20) async -> Output? {
        guard let executable = find(name) else { return nil }
        let base = NSTemporaryDirectory() + "oracle-chat-\(getpid())-\(UUID().uuidString.prefix(8))"
        let outPath = base + ".out", errPath = base + ".err"
        FileManager.default.createFile(atPath: outPath, contents: nil)
        FileManager.default.createFile(atPath: errPath, contents: nil)
        defer {
            try? FileManager.default.removeItem(atPath: outPath)
            try? FileManager.default.removeItem(atPath: errPath)
        }
        guard let out = FileHandle(forWritingAtPath: outPath), let err = FileHandle(forWritingAtPath: errPath) else { return nil }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        process.standardOutput = out
        process.standardError = err
        process.standardInput = FileHandle.nullDevice
        do { try process.run() } catch { return nil }
        let deadline = ContinuousClock.now + .milliseconds(Int(timeout * 1000))
        while process.isRunning && ContinuousClock.now < deadline { try? await Task.sleep(for: .milliseconds(20)) }
        if process.isRunning { process.terminate() }
        process.waitUntilExit()
        try? out.close()
        try? err.close()
        func read(_ path: String) -> String { (try? String(contentsOfFile: path, encoding: .utf8)) ?? "" }
        return Output(status: process.terminationStatus, stdout: read(outPath), stderr: read(errPath))
    }
}
