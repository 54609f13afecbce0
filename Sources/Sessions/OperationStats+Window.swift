extension OperationStats {
    /// The time slots and duration samples behind ``OperationStats``, touched only under its lock.
    struct Window: Sendable {
        static let maxSlots = 300
        /// Failing tenants remembered per slot; more only shows as "at least this many".
        static let maxTenantsPerSlot = 64

        struct Tally: Sendable {
            var count = 0
            var failures = 0
            var totalNanos: Int64 = 0
        }

        struct Slot: Sendable {
            var index: Int64 = .min
            var tallies: [Operation: Tally] = [:]
            var failingTenants: Set<String> = []
        }

        struct Sample: Sendable {
            var slot: Int64
            var nanos: Int64
        }

        /// The latest `capacity` samples, overwriting the oldest.
        struct SampleRing: Sendable {
            let capacity: Int
            var samples: [Sample] = []
            var next = 0

            mutating func append(_ sample: Sample) {
                if samples.count < capacity {
                    samples.append(sample)
                } else {
                    samples[next] = sample
                }
                next = (next + 1) % capacity
            }
        }

        let slotCount: Int
        var slots: [Slot]
        var rings: [Operation: SampleRing]

        init(slotCount: Int, sampleCapacity: Int) {
            self.slotCount = max(1, slotCount)
            slots = Array(repeating: Slot(), count: self.slotCount)
            rings = Dictionary(uniqueKeysWithValues: Operation.allCases.map { ($0, SampleRing(capacity: sampleCapacity)) })
        }

        mutating func add(_ operation: Operation, nanos: Int64, failed: Bool, tenant: String?, slot: Int64) {
            let position = Int(((slot % Int64(slotCount)) + Int64(slotCount)) % Int64(slotCount))
            if slots[position].index != slot {
                // A newer slot already took this place: the record is older than the window.
                guard slots[position].index < slot else { return }
                slots[position] = Slot(index: slot)
            }
            slots[position].tallies[operation, default: Tally()].count += 1
            slots[position].tallies[operation, default: Tally()].totalNanos += nanos
            if failed {
                slots[position].tallies[operation, default: Tally()].failures += 1
                if let tenant, slots[position].failingTenants.count < Self.maxTenantsPerSlot {
                    slots[position].failingTenants.insert(tenant)
                }
            }
            rings[operation]?.append(Sample(slot: slot, nanos: nanos))
        }

        func summarize(upTo newest: Int64, windowSeconds: Int) -> Snapshot {
            let range = (newest - Int64(slotCount) + 1)...newest
            var tallies: [Operation: Tally] = [:]
            var tenants: Set<String> = []
            for slot in slots where range.contains(slot.index) {
                for (operation, tally) in slot.tallies {
                    tallies[operation, default: Tally()].count += tally.count
                    tallies[operation, default: Tally()].failures += tally.failures
                    tallies[operation, default: Tally()].totalNanos += tally.totalNanos
                }
                tenants.formUnion(slot.failingTenants)
            }
            var summaries: [Operation: Snapshot.Summary] = [:]
            for operation in Operation.allCases {
                let tally = tallies[operation] ?? Tally()
                let durations = (rings[operation]?.samples ?? []).filter { range.contains($0.slot) }.map(\.nanos)
                summaries[operation] = Snapshot.Summary(
                    count: tally.count, failures: tally.failures,
                    avgDurationMs: tally.count == 0 ? 0 : Snapshot.milliseconds(Double(tally.totalNanos) / Double(tally.count)),
                    p95DurationMs: Snapshot.milliseconds(Double(Self.percentile95(durations))))
            }
            return Snapshot(windowSeconds: windowSeconds, operations: summaries, tenantsAffected: tenants.count)
        }

        /// Nearest-rank 95th percentile; 0 without samples.
        static func percentile95(_ values: [Int64]) -> Int64 {
            guard !values.isEmpty else { return 0 }
            let sorted = values.sorted()
            let rank = Int((0.95 * Double(sorted.count)).rounded(.up))
            return sorted[max(0, min(sorted.count - 1, rank - 1))]
        }
    }
}
