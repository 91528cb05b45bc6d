import Synchronization

/// The outgoing work a store's transaction queued, noted as it goes, so that the store rings the workers
/// (`WorkBells`) once, after the transaction has committed: never before (a worker would find nothing), and
/// not at all when it rolls back.
public final class QueuedWork: Sendable {
    private let noted = Mutex(Outgoing())

    public init() {}

    public func note(_ outgoing: Outgoing) {
        noted.withLock { noted in
            noted.emails += outgoing.emails
            noted.dispatches += outgoing.dispatches
        }
    }

    public var outgoing: Outgoing { noted.withLock { $0 } }
}
