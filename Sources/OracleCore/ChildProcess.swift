import Subprocess
#if canImport(System)
import System
#else
import SystemPackage
#endif

/// Runs a program to completion, bounded in time and in captured output.
///
/// Why not Foundation.Process: on Linux, swift-corelibs-foundation's `Process.run()` finds the
/// highest open descriptor by reading /proc/self/fd, and `findMaximumOpenFromProcSelfFD()`
/// copies a whole 256-byte `d_name` out of each dirent, reading past glibc's readdir buffer:
/// an intermittent SIGSEGV (memcpy) in suites that spawn many children. Fixed upstream by
/// swift-corelibs-foundation PR #5472, not in the 6.3.1 toolchain. swift-subprocess spawns
/// without it, reaps through a pidfd, and reads both pipes as they fill.
public enum ChildProcess {
    /// How the child ended.
    public enum Termination: Sendable, Equatable, CustomStringConvertible {
        case exited(Int32)
        case signalled(Int32)

        /// The exit code, or the signal's number for a child a signal ended: what
        /// Foundation's `terminationStatus` reported, and what callers compare.
        public var status: Int32 {
            switch self {
            case .exited(let code), .signalled(let code): code
            }
        }

        public var description: String {
            switch self {
            case .exited(let code): "exited \(code)"
            case .signalled(let signal): "killed by signal \(signal)"
            }
        }

        public init(_ status: TerminationStatus) {
            switch status {
            case .exited(let code): self = .exited(code)
            case .signaled(let signal): self = .signalled(signal)
            }
        }
    }

    public struct Outcome: Sendable {
        /// The child's PID, gone (reaped) by the time the outcome is returned.
        public var processIdentifier: Int32
        public var termination: Termination
        public var stdout: String
        public var stderr: String
        /// The child was still running at the deadline and was terminated.
        public var timedOut: Bool
        public var status: Int32 { termination.status }
    }

    /// Bytes kept of each stream; the rest is read and dropped.
    public static let defaultOutputLimit = 4 << 20

    /// Runs `executable` (a path) with `arguments`, this process's environment updated by
    /// `environment`, and nothing on its standard input. Standard output and standard error are
    /// read as they come, so a chatty child never blocks on a full pipe, and the first
    /// `outputLimit` bytes of each are kept. At `timeout` the child gets SIGTERM, and SIGKILL
    /// `grace` later. Throws only when the child could not be started.
    public static func run(
        _ executable: String, _ arguments: [String] = [], environment: [String: String] = [:],
        timeout: Duration, grace: Duration = .seconds(2), outputLimit: Int = defaultOutputLimit
    ) async throws -> Outcome {
        var updates: [Environment.Key: String?] = [:]
        for (name, value) in environment {
            if let key = Environment.Key(rawValue: name) { updates[key] = value }
        }
        let result = try await Subprocess.run(
            .path(FilePath(executable)), arguments: Arguments(arguments),
            environment: .inherit.updating(updates),
            input: .none, output: .sequence, error: .sequence
        ) { execution in
            try await withThrowingTaskGroup(of: Part.self) { group in
                group.addTask { .stdout(try await collect(execution.standardOutput, limit: outputLimit)) }
                group.addTask { .stderr(try await collect(execution.standardError, limit: outputLimit)) }
                group.addTask {
                    // Both pipes end when the child does (Subprocess stops waiting for an EOF a
                    // grandchild could hold back once the child has exited).
                    do { try await Task.sleep(for: timeout) } catch { return .inTime }
                    await execution.teardown(using: [.gracefulShutDown(allowedDurationToNextStep: grace)])
                    return .timedOut
                }
                var stdout: [UInt8] = [], stderr: [UInt8] = [], timedOut = false, open = 2
                while open > 0, let part = try await group.next() {
                    switch part {
                    case .stdout(let bytes): stdout = bytes; open -= 1
                    case .stderr(let bytes): stderr = bytes; open -= 1
                    case .timedOut: timedOut = true
                    case .inTime: break
                    }
                }
                group.cancelAll()
                while let part = try await group.next() { if case .timedOut = part { timedOut = true } }
                return (stdout, stderr, timedOut)
            }
        }
        let (stdout, stderr, timedOut) = result.closureResult
        return Outcome(processIdentifier: result.processIdentifier.value, termination: Termination(result.terminationStatus),
                       stdout: String(decoding: stdout, as: UTF8.self),
                       stderr: String(decoding: stderr, as: UTF8.self), timedOut: timedOut)
    }

    private enum Part: Sendable {
        case stdout([UInt8]), stderr([UInt8]), timedOut, inTime
    }

    /// Reads `stream` to its end, keeping its first `limit` bytes.
    static func collect(_ stream: SubprocessOutputSequence, limit: Int) async throws -> [UInt8] {
        var kept: [UInt8] = []
        for try await buffer in stream where kept.count < limit {
            buffer.withUnsafeBytes { bytes in kept.append(contentsOf: bytes.prefix(limit - kept.count)) }
        }
        return kept
    }
}
