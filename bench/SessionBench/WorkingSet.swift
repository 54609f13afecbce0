import Foundation
import Sessions

/// Which session each message of a run goes to.
enum TrafficShape: String, CaseIterable, Sendable {
    /// Round-robin over half as many sessions as the cache holds: after the first round every
    /// message is a cache hit.
    case fits
    /// Round-robin over the whole working set (10× the cache by default): each session comes
    /// back only after every other one, the shape that gives least-recently-used 0 hits.
    case roundRobin = "round-robin"
    /// 80 % of the messages to 20 % of the sessions, uniform within each part, from a seeded
    /// generator (so every run, and every path of a run, sees the same sequence).
    case skewed

    func sessions(count: Int, workingSet: Int, cache: Int) -> [Int] {
        switch self {
        case .fits: return (0..<count).map { $0 % max(1, min(workingSet, cache / 2)) }
        case .roundRobin: return (0..<count).map { $0 % workingSet }
        case .skewed:
            var random = SplitMix64(seed: 19)
            let hot = max(1, workingSet / 5)
            return (0..<count).map { _ in
                random.next() % 10 < 8 ? Int(random.next() % UInt64(hot))
                    : hot + Int(random.next() % UInt64(max(1, workingSet - hot)))
            }
        }
    }
}

/// A small, seeded generator: the same sequence on every run and platform.
struct SplitMix64: RandomNumberGenerator {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

/// One path (cached or stateless) under one traffic shape, over its own sessions.
struct WorkingSetRun: Sendable {
    let path: String
    let shape: TrafficShape
    let chat: ChatService
    let ids: [String]
    /// Session index of each message: the warm-up first, then the measured ones.
    let order: [Int]
    let warmUp: Int

    var label: String { "\(path) \(shape.rawValue)" }

    func send(_ n: Int) async throws {
        _ = try await chat.send(sessionID: ids[order[n]], tenant: "default", content: "question \(n)")
    }
}

/// What a measured stretch of a run saw.
struct WorkingSetResult: Sendable {
    var total: [Duration] = []
    var own: [Duration] = []
    var reads = 0
    var hits = 0
    var lookups = 0
}
