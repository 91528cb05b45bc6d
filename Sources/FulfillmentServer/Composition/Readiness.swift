import Synchronization

/// Whether this instance should be sent work: false from the moment it begins to stop (`SIGTERM`), so that a
/// load balancer asking `/health/ready` takes it out while it finishes what it holds. One per service.
public final class Readiness: Sendable {
    private let draining = Atomic<Bool>(false)

    var isDraining: Bool { draining.load(ordering: .relaxed) }

    func beginDraining() { draining.store(true, ordering: .relaxed) }
}
