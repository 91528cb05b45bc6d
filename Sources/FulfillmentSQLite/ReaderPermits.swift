import Synchronization

/// As many permits as the database pool has readers; every read takes one first. GRDB hands out readers
/// behind a blocking semaphore: a synchronous read (`pointRead`) on one of Swift's cooperative threads that
/// found every reader busy would block that thread, and the reads holding the readers need a cooperative
/// thread to finish. On two cores, two such waits stopped every task in the process (twenty status polls
/// racing the event worker did it). Waiting for a permit suspends the task instead of blocking the thread,
/// so GRDB's semaphore never waits. Hand-written: no package in reach has an async semaphore that resumes
/// waiters in order with a synchronous release.
final class ReaderPermits: Sendable {
    private struct State {
        var available: Int
        var waiters: [CheckedContinuation<Void, Never>] = []
    }

    private let state: Mutex<State>

    init(_ count: Int) { state = Mutex(State(available: count)) }

    func acquire() async {
        if state.withLock({ state in
            guard state.available > 0 else { return false }
            state.available -= 1
            return true
        }) {
            return
        }
        await withCheckedContinuation { continuation in
            let now = state.withLock { state -> Bool in
                guard state.available > 0 else {
                    state.waiters.append(continuation)
                    return false
                }
                state.available -= 1
                return true
            }
            if now { continuation.resume() }
        }
    }

    func release() {
        let next = state.withLock { state -> CheckedContinuation<Void, Never>? in
            guard !state.waiters.isEmpty else {
                state.available += 1
                return nil
            }
            return state.waiters.removeFirst()
        }
        next?.resume()
    }

    /// Runs `body` holding a permit.
    func with<T>(_ body: () async throws -> T) async rethrows -> T {
        await acquire()
        defer { release() }
        return try await body()
    }
}
