import Foundation
import Storage
import Synchronization
#if canImport(Glibc)
import Glibc
#endif

/// Progress of a long operation on the terminal: a percentage for copies, elapsed seconds
/// for steps without progress (VACUUM). Silent when stderr is not a TTY (logs, pipes, CI).
final class TerminalProgress: Sendable {
    let label: String
    let isEnabled: Bool
    private let lastPercent = Mutex(-1)

    init(_ label: String) {
        self.label = label
        self.isEnabled = isatty(STDERR_FILENO) == 1
    }

    /// For copies through SQLite's backup API.
    var pages: CopyProgress? {
        guard isEnabled else { return nil }
        return { [self] done, total in
            let percent = total > 0 ? done * 100 / total : 100
            let changed = lastPercent.withLock { last in
                defer { last = percent }
                return last != percent
            }
            if changed { write("\r\(label): \(percent)% (\(done)/\(total) pages)") }
        }
    }

    /// Shows elapsed seconds while `work` runs.
    func whileRunning<T: Sendable>(_ work: () async throws -> T) async rethrows -> T {
        guard isEnabled else { return try await work() }
        let ticker = Task { [self] in
            var seconds = 0
            while !Task.isCancelled {
                write("\r\(label): \(seconds)s")
                try? await Task.sleep(for: .seconds(1))
                seconds += 1
            }
        }
        defer { ticker.cancel() }
        return try await work()
    }

    /// Ends the progress line.
    func finish() {
        if isEnabled { write("\r\u{1B}[K") }
    }

    private func write(_ text: String) {
        FileHandle.standardError.write(Data(text.utf8))
    }
}
