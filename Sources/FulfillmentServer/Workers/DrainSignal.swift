import Logging
public import ServiceLifecycle

/// Run after the application in the process's service group (a group stops its services in reverse, so this one
/// hears the stop first): it turns the instance unready at once and waits `delay` before the application itself
/// stops (its server first, then its workers), so `/health/ready` answers `503 draining` long enough for a load
/// balancer to take the instance out before it refuses connections.
public struct DrainSignal: Service {
    let readiness: Readiness
    let delay: Duration
    let logger: Logger

    public func run() async throws {
        // Until the group begins to stop (or is canceled).
        try? await gracefulShutdown()
        readiness.beginDraining()
        logger.notice("stopping: unready, the server answers for \(delay) more")
        try? await Task.sleep(for: delay)
    }
}
