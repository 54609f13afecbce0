import Foundation
import OracleCore
import Subprocess
import Synchronization
#if canImport(System)
import System
#else
import SystemPackage
#endif

/// A long-running child (a server, a `--watch` command) whose standard output and standard error
/// are read as they come, kept up to `outputLimit` bytes each, and waited on for a line.
/// Spawned with swift-subprocess, never Foundation.Process: see `ChildProcess` for the
/// corelibs-foundation crash (PR #5472) that rules it out.
///
/// `stop()` or `kill()` ends the child and tells how; a child whose `RunningChild` is released
/// while it runs gets SIGTERM, then SIGKILL 5 s later, so a failed test leaves no server behind.
public final class RunningChild: Sendable {
    public enum Stream: Int, Sendable { case standardOutput, standardError }

    public let processIdentifier: Int32
    private let shared: Shared
    private let signals: AsyncStream<Int32>.Continuation
    private let task: Task<ChildProcess.Termination, any Error>

    /// Starts `executable` with this process's environment updated by `environment`; returns
    /// once it runs. Throws when it could not be started.
    public init(_ executable: String, _ arguments: [String], environment: [String: String] = [:],
                outputLimit: Int = ChildProcess.defaultOutputLimit) async throws {
        let shared = Shared(limit: outputLimit)
        let (signalStream, signals) = AsyncStream<Int32>.makeStream()
        let (started, startedContinuation) = AsyncThrowingStream<Int32, any Error>.makeStream()
        var updates: [Environment.Key: String?] = [:]
        for (name, value) in environment {
            if let key = Environment.Key(rawValue: name) { updates[key] = value }
        }
        var options = PlatformOptions()
        options.teardownSequence = [.gracefulShutDown(allowedDurationToNextStep: .seconds(5))]
        let configuration = Configuration(executable: .path(FilePath(executable)), arguments: Arguments(arguments),
                                          environment: .inherit.updating(updates), platformOptions: options)
        task = Task {
            do {
                let result = try await Subprocess.run(configuration, input: .none, output: .sequence, error: .sequence) { execution in
                    startedContinuation.yield(execution.processIdentifier.value)
                    startedContinuation.finish()
                    await withTaskGroup(of: Bool.self) { group in
                        group.addTask { await shared.read(execution.standardOutput, .standardOutput); return true }
                        group.addTask { await shared.read(execution.standardError, .standardError); return true }
                        group.addTask {
                            for await signal in signalStream { try? execution.send(signal: Signal(rawValue: signal)) }
                            return false
                        }
                        // Both pipes end when the child does; then the signal loop is let go.
                        var open = 2
                        while open > 0, let reader = await group.next() { if reader { open -= 1 } }
                        group.cancelAll()
                    }
                }
                shared.end()
                return ChildProcess.Termination(result.terminationStatus)
            } catch {
                startedContinuation.finish(throwing: error)
                shared.end()
                throw error
            }
        }
        var pid: Int32?
        for try await value in started { pid = value }
        guard let pid else { throw CancellationError() }
        self.processIdentifier = pid
        self.shared = shared
        self.signals = signals
    }

    deinit {
        signals.finish()
        task.cancel()
    }

    /// Everything read from `stream` so far (up to the limit).
    public func text(_ stream: Stream) -> String { shared.text(stream) }

    /// Waits up to `timeout` for `find` to match what `stream` has printed since the end of the
    /// previous match on that stream; returns the match (and moves past it), or nil when the
    /// time ran out or the child ended without printing it.
    public func waitFor(_ stream: Stream, timeout: Duration,
                        _ find: @escaping @Sendable (Substring) -> Range<String.Index>?) async -> Substring? {
        let shared = shared
        return await withTaskGroup(of: Substring??.self) { group in
            group.addTask { await shared.untilMatch(stream, find) }
            group.addTask {
                do { try await Task.sleep(for: timeout) } catch {}
                return .some(nil)
            }
            let first = await group.next() ?? nil
            group.cancelAll()
            // The timer's nil means time ran out: one last look at what has arrived.
            return first.flatMap { $0 } ?? shared.match(stream, find)
        }
    }

    /// Sends `signal` (SIGTERM, SIGKILL...) unless the child has already ended.
    public func send(_ signal: Int32) { signals.yield(signal) }

    /// Waits for the child to end by itself.
    public func termination() async -> ChildProcess.Termination {
        do { return try await task.value } catch { return .signalled(SIGKILL) }
    }

    /// SIGTERM and wait for the child to exit; SIGKILL if it is still running after `grace`.
    /// Returns how it ended (again, when it had already ended).
    @discardableResult
    public func stop(grace: Duration = .seconds(30)) async -> ChildProcess.Termination {
        send(SIGTERM)
        let task = task
        let killer = Task {
            try await Task.sleep(for: grace)
            self.send(SIGKILL)
        }
        defer { killer.cancel() }
        do { return try await task.value } catch { return .signalled(SIGKILL) }
    }

    /// SIGKILL, as a crash or the OOM killer would, and wait for the child to be gone.
    @discardableResult
    public func kill() async -> ChildProcess.Termination {
        send(SIGKILL)
        return await termination()
    }
}

/// What the readers have read, and the waiters they wake.
private final class Shared: Sendable {
    private struct State {
        var bytes: [[UInt8]] = [[], []]
        /// Per stream, the UTF-8 offset where the next match is looked for.
        var consumed = [0, 0]
        var ended = false
        /// Bumped by every read and by the end, so a waiter never parks past news it missed.
        var version: UInt64 = 0
        var waiters: [UInt64: CheckedContinuation<Void, Never>] = [:]
        var nextWaiter: UInt64 = 0

        mutating func changed() -> [CheckedContinuation<Void, Never>] {
            version += 1
            defer { waiters.removeAll() }
            return Array(waiters.values)
        }
    }

    private let limit: Int
    private let state = Mutex(State())

    init(limit: Int) { self.limit = limit }

    func read(_ sequence: SubprocessOutputSequence, _ stream: RunningChild.Stream) async {
        do {
            for try await buffer in sequence {
                let waiters = state.withLock { state -> [CheckedContinuation<Void, Never>] in
                    let room = limit - state.bytes[stream.rawValue].count
                    guard room > 0 else { return [] }
                    buffer.withUnsafeBytes { state.bytes[stream.rawValue].append(contentsOf: $0.prefix(room)) }
                    return state.changed()
                }
                waiters.forEach { $0.resume() }
            }
        } catch {
            // A read that fails ends this stream like an EOF: the child's status tells the rest.
        }
    }

    func end() {
        let waiters = state.withLock { state in
            state.ended = true
            return state.changed()
        }
        waiters.forEach { $0.resume() }
    }

    func text(_ stream: RunningChild.Stream) -> String {
        state.withLock { String(decoding: $0.bytes[stream.rawValue], as: UTF8.self) }
    }

    /// The next match after the previous one, moving past it.
    func match(_ stream: RunningChild.Stream, _ find: (Substring) -> Range<String.Index>?) -> Substring? {
        state.withLock { state in look(&state, stream, find) }
    }

    private func look(_ state: inout State, _ stream: RunningChild.Stream,
                      _ find: (Substring) -> Range<String.Index>?) -> Substring? {
        let text = String(decoding: state.bytes[stream.rawValue], as: UTF8.self)
        let start = text.utf8.index(text.startIndex, offsetBy: min(state.consumed[stream.rawValue], text.utf8.count))
        guard let range = find(text[start...]) else { return nil }
        state.consumed[stream.rawValue] = text.utf8.distance(from: text.startIndex, to: range.upperBound)
        return text[range]
    }

    /// Waits until `find` matches; nil when the child ended without it, or on cancellation.
    func untilMatch(_ stream: RunningChild.Stream, _ find: (Substring) -> Range<String.Index>?) async -> Substring? {
        while !Task.isCancelled {
            let (found, ended, version) = state.withLock { state in (look(&state, stream, find), state.ended, state.version) }
            if let found { return found }
            if ended { return nil }
            let id = state.withLock { state in
                state.nextWaiter += 1
                return state.nextWaiter
            }
            await withTaskCancellationHandler {
                await withCheckedContinuation { continuation in
                    let park = state.withLock { state in
                        guard state.version == version, !Task.isCancelled else { return false }
                        state.waiters[id] = continuation
                        return true
                    }
                    if !park { continuation.resume() }
                }
            } onCancel: {
                state.withLock { $0.waiters.removeValue(forKey: id) }?.resume()
            }
        }
        return nil
    }
}
