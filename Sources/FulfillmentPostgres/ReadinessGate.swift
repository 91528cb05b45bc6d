import Synchronization

/// Holds the store's operations until its schema is migrated (the store's service opens it), and fails them
/// if migration failed or the store stopped.
final class ReadinessGate: Sendable {
    private enum State {
        case waiting([CheckedContinuation<Void, any Error>])
        case open
        case failed(any Error)
    }

    private let state = Mutex(State.waiting([]))

    /// Returns once the gate is open (at once, when it is), or throws why it never will be.
    func wait() async throws {
        let isOpen = state.withLock { state in if case .open = state { true } else { false } }
        if isOpen { return }
        try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Void, any Error>) in
            let outcome: Result<Void, any Error>? = state.withLock { state in
                switch state {
                case .open: return .success(())
                case .failed(let error): return .failure(error)
                case .waiting(var waiters):
                    waiters.append(continuation)
                    state = .waiting(waiters)
                    return nil
                }
            }
            if let outcome { continuation.resume(with: outcome) }
        }
    }

    func open() { settle(.success(())) }

    func fail(_ error: any Error) { settle(.failure(error)) }

    private func settle(_ outcome: Result<Void, any Error>) {
        let waiters = state.withLock { state -> [CheckedContinuation<Void, any Error>] in
            guard case .waiting(let waiters) = state else {
                // Once open, only a stop closes it again.
                if case .failure(let error) = outcome { state = .failed(error) }
                return []
            }
            switch outcome {
            case .success: state = .open
            case .failure(let error): state = .failed(error)
            }
            return waiters
        }
        for waiter in waiters { waiter.resume(with: outcome) }
    }
}

/// The store's service has stopped (or never started): nothing can reach the database through it.
public struct PostgresStoreStopped: Error, CustomStringConvertible, Sendable {
    public var description: String { "the PostgreSQL store is not running (its service stopped or never started)" }
}
