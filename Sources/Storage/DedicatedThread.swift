import Foundation
import Synchronization

/// Runs blocking SQLite work (backup, VACUUM, integrity_check) on a thread of its own, so a
/// long operation never holds one of the few threads of Swift's cooperative pool.
enum DedicatedThread {
    static func run<T: Sendable>(
        _ name: String, _ work: @escaping @Sendable (CancellationFlag) throws -> T
    ) async throws -> T {
        let flag = CancellationFlag()
        return try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { continuation in
                let thread = Thread { continuation.resume(with: Result { try work(flag) }) }
                thread.name = name
                thread.start()
            }
        } onCancel: {
            flag.cancel()
        }
    }
}

/// Set when the awaiting task is cancelled; long loops (backup steps, batched deletes) read it.
final class CancellationFlag: Sendable {
    private let state = Atomic<Bool>(false)

    var isCancelled: Bool { state.load(ordering: .relaxed) }

    func cancel() { state.store(true, ordering: .relaxed) }

    func check() throws(DatabaseOperationError) {
        if isCancelled { throw .cancelled }
    }
}
