import Synchronization

/// Counts easy handles that exist right now, and connections libcurl had to open.
///
/// Tests read it to prove that a cancelled or failed transfer leaves no curl handle behind
/// and that sequential requests reuse one connection.
final class LiveHandleCounter: Sendable {
    private let live = Atomic<Int>(0)
    private let connections = Atomic<Int>(0)

    var liveHandles: Int { live.load(ordering: .acquiring) }
    var connectionsOpened: Int { connections.load(ordering: .acquiring) }

    func opened() { live.add(1, ordering: .releasing) }
    func closed() { live.subtract(1, ordering: .releasing) }
    func connected(_ count: Int) { connections.add(count, ordering: .releasing) }
}
