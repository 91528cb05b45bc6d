public import FulfillmentCore
public import Logging
public import ServiceLifecycle

/// Runs the SQLite store's WAL checkpoints beside the commits rather than inside them
/// (`SQLiteFulfillmentStore.checkpointContinuously`). The store lists it before the workers, so it stops
/// last, after their final commits.
struct CheckpointService: Service {
    let store: SQLiteFulfillmentStore
    let logger: Logger

    func run() async throws {
        do {
            try await cancelWhenGracefulShutdown { try await store.checkpointContinuously() }
        } catch is CancellationError {
        } catch {
            // Not fatal: the writer checkpoints by itself again once this has stopped.
            logger.error("background WAL checkpoints stopped", metadata: ["error": "\(error)"])
        }
    }
}

extension SQLiteFulfillmentStore {
    /// WAL checkpoints beside the commits. Processes sharing one SQLite file have no way to wake each other:
    /// their workers' poll interval picks up what another process stored.
    public func services(wakeUp: StoreWakeUp, logger: Logger) -> [any Service] {
        [CheckpointService(store: self, logger: logger)]
    }
}
