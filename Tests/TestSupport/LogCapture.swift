import Logging
import OracleCore
import Synchronization

/// Collects every log line with its metadata, to prove what is (not) logged.
public final class LogCapture: Sendable {
    private let lines = Mutex<[String]>([])
    private let waiters = Mutex<[(text: String, latch: AsyncLatch)]>([])

    public init() {}

    public var logger: Logger {
        var logger = Logger(label: "test") { _ in CapturingHandler(capture: self) }
        logger.logLevel = .trace
        return logger
    }

    public var text: String { lines.withLock { $0.joined(separator: "\n") } }
    public var count: Int { lines.withLock { $0.count } }

    /// The first line containing `text`, once it has been logged (cancellable: a test's time
    /// limit ends the wait).
    public func line(containing text: String) async throws -> String {
        while true {
            let latch = AsyncLatch()
            let found = lines.withLock { lines -> String? in
                if let line = lines.first(where: { $0.contains(text) }) { return line }
                // Registered under the lines' lock, so an append cannot slip between look and wait.
                waiters.withLock { $0.append((text, latch)) }
                return nil
            }
            if let found { return found }
            try await latch.wait()
        }
    }

    fileprivate func append(_ line: String) {
        let ready = lines.withLock { lines -> [AsyncLatch] in
            lines.append(line)
            return waiters.withLock { waiters in
                let ready = waiters.filter { line.contains($0.text) }.map(\.latch)
                waiters.removeAll { line.contains($0.text) }
                return ready
            }
        }
        for latch in ready { latch.open() }
    }
}

private struct CapturingHandler: LogHandler {
    let capture: LogCapture
    var metadata: Logger.Metadata = [:]
    var metadataProvider: Logger.MetadataProvider?
    var logLevel: Logger.Level = .trace

    subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    func log(event: LogEvent) {
        let all = metadata.merging(event.metadata ?? [:]) { $1 }
        capture.append("\(event.level) \(event.message) \(all.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: " "))")
    }
}
