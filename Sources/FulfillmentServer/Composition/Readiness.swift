import FulfillmentCore
import Logging
import Synchronization

/// Whether this instance should be sent work: false from the moment it begins to stop (`SIGTERM`), so that a
/// load balancer asking `/health/ready` takes it out while it finishes what it holds. One per service.
public final class Readiness: Sendable {
    private let draining = Atomic<Bool>(false)

    var isDraining: Bool { draining.load(ordering: .relaxed) }

    func beginDraining() { draining.store(true, ordering: .relaxed) }
}

/// Whether work may be sent to this instance now, asked by `GET /health/ready` and by `fulfill serve` before it
/// tells systemd it is ready: not stopping, the database answers, and its migrations are this release's.
public struct ReadinessCheck: Sendable {
    let store: any FulfillmentStore
    let readiness: Readiness
    let logger: Logger

    /// Why the instance is not ready (`draining`, `migrations: ...`, `database: ...`), or `nil` when it is.
    public func problem() async -> String? {
        if readiness.isDraining { return "draining" }
        do {
            let schema = try await store.schemaState()
            if let problem = schema.problem { return "migrations: \(problem)" }
            _ = try await store.eventCounts()
        } catch {
            logger.warning("readiness: the database does not answer", metadata: ["error": "\(error)"])
            return "database: \(String(describing: error).prefix(200))"
        }
        return readiness.isDraining ? "draining" : nil
    }
}
