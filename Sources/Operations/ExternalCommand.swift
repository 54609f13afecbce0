import Foundation
import OracleCore

/// Runs a standard tool (`tar`, `pkg-config`, `swift`) found on `PATH`, bounded in time and in
/// captured output (spawned by `ChildProcess`, not Foundation.Process: see there why).
/// Diagnostics must work on a bare machine, so a missing tool is an answer, not an error.
enum ExternalCommand {
    static func find(_ name: String) -> String? {
        let path = ProcessInfo.processInfo.environment["PATH"] ?? ""
        let folders = path.split(separator: ":").map(String.init) + ["/usr/bin", "/bin"]
        return folders.map { ($0 as NSString).appendingPathComponent(name) }
            .first { FileManager.default.isExecutableFile(atPath: $0) }
    }

    /// nil when the tool is not installed or could not be started. At `timeout` seconds the
    /// tool is terminated; its status then says so.
    static func run(_ name: String, _ arguments: [String], timeout: Double = 20) async -> ChildProcess.Outcome? {
        guard let executable = find(name) else { return nil }
        return try? await ChildProcess.run(executable, arguments, timeout: .milliseconds(Int(timeout * 1000)))
    }
}
