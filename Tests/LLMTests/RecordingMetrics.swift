import CoreMetrics
import Synchronization

/// A metrics backend for one test: counters sum, recorders keep their last value,
/// timers count how often they recorded. Keys look like `llm_retries_total{provider=gemini}`.
final class RecordingMetrics: MetricsFactory {
    fileprivate let values = Mutex<[String: Double]>([:])

    func value(_ label: String, _ dimensions: [(String, String)]) -> Double? {
        values.withLock { $0[Self.key(label, dimensions)] }
    }

    static func key(_ label: String, _ dimensions: [(String, String)]) -> String {
        "\(label){\(dimensions.sorted { $0.0 < $1.0 }.map { "\($0.0)=\($0.1)" }.joined(separator: ","))}"
    }

    func makeCounter(label: String, dimensions: [(String, String)]) -> CounterHandler {
        Handler(store: self, key: Self.key(label, dimensions))
    }

    func makeRecorder(label: String, dimensions: [(String, String)], aggregate: Bool) -> RecorderHandler {
        Handler(store: self, key: Self.key(label, dimensions))
    }

    func makeTimer(label: String, dimensions: [(String, String)]) -> TimerHandler {
        Handler(store: self, key: Self.key(label, dimensions))
    }

    func destroyCounter(_ handler: CounterHandler) {}
    func destroyRecorder(_ handler: RecorderHandler) {}
    func destroyTimer(_ handler: TimerHandler) {}

    private final class Handler: CounterHandler, RecorderHandler, TimerHandler {
        let store: RecordingMetrics
        let key: String

        init(store: RecordingMetrics, key: String) {
            self.store = store
            self.key = key
        }

        func increment(by amount: Int64) { store.values.withLock { $0[key, default: 0] += Double(amount) } }
        func reset() { store.values.withLock { $0[key] = 0 } }
        func record(_ value: Int64) { store.values.withLock { $0[key] = Double(value) } }
        func record(_ value: Double) { store.values.withLock { $0[key] = value } }
        func recordNanoseconds(_ duration: Int64) { store.values.withLock { $0[key, default: 0] += 1 } }
    }
}
