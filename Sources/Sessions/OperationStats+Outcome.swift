extension OperationStats {
    /// Records an operation that started at `start` and ends now.
    public func record(_ operation: Operation, since start: ContinuousClock.Instant, failed: Bool, tenant: String? = nil) {
        record(operation, duration: .now - start, failed: failed, tenant: tenant)
    }

    /// Records an operation that threw, as failed — unless the error is the caller's (a session
    /// that does not exist), which says nothing about how the service is doing.
    public func record(_ operation: Operation, since start: ContinuousClock.Instant, error: any Error, tenant: String? = nil) {
        if case ChatError.sessionNotFound = error { return }
        if error is CancellationError { return }
        record(operation, since: start, failed: true, tenant: tenant)
    }
}
