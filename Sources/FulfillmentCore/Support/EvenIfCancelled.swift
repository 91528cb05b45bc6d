/// Runs `operation` to its end even when the calling task is cancelled: a worker stopped at the end of its
/// shutdown grace still gives back its claims (a new task inherits task-local values, not cancellation).
public func evenIfCancelled<T: Sendable>(_ operation: @escaping @Sendable () async throws -> T) async throws -> T {
    try await Task { try await operation() }.value
}
