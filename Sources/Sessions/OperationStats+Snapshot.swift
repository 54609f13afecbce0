extension OperationStats {
    /// One window's worth of operations, as `/api/v1/monitoring/*` shows it.
    ///
    /// `error_rate` is failed operations over all operations (0 with no traffic);
    /// `error_rate_per_hour` is the failures in the window scaled to an hour, so a 5-minute
    /// window with 3 failures reads 36 — the unit seed 000's `incident_detection.sh` compares.
    public struct Snapshot: Sendable, Equatable {
        public struct Summary: Sendable, Equatable, Codable {
            public var count: Int
            public var failures: Int
            public var avgDurationMs: Double
            public var p95DurationMs: Double

            public init(count: Int = 0, failures: Int = 0, avgDurationMs: Double = 0, p95DurationMs: Double = 0) {
                self.count = count
                self.failures = failures
                self.avgDurationMs = avgDurationMs
                self.p95DurationMs = p95DurationMs
            }

            enum CodingKeys: String, CodingKey {
                case count, failures
                case avgDurationMs = "avg_duration_ms"
                case p95DurationMs = "p95_duration_ms"
            }
        }

        public var windowSeconds: Int
        /// Every ``Operation``, with zeros when it did not happen.
        public var operations: [Operation: Summary]
        /// Distinct tenants that saw a failed operation.
        public var tenantsAffected: Int

        public init(windowSeconds: Int, operations: [Operation: Summary] = [:], tenantsAffected: Int = 0) {
            self.windowSeconds = windowSeconds
            self.operations = operations
            self.tenantsAffected = tenantsAffected
        }

        public subscript(operation: Operation) -> Summary { operations[operation] ?? Summary() }

        public var totalOperations: Int { operations.values.reduce(0) { $0 + $1.count } }
        public var failedOperations: Int { operations.values.reduce(0) { $0 + $1.failures } }

        public var errorRate: Double {
            totalOperations == 0 ? 0 : Double(failedOperations) / Double(totalOperations)
        }

        public var errorRatePerHour: Double {
            windowSeconds <= 0 ? 0 : (Double(failedOperations) * 3600 / Double(windowSeconds) * 1000).rounded() / 1000
        }

        /// Nanoseconds to milliseconds, kept to the microsecond.
        static func milliseconds(_ nanos: Double) -> Double {
            (nanos / 1000).rounded() / 1000
        }
    }
}
