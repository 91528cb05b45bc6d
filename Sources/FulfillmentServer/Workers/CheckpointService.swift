import FulfillmentSQLite
import Logging
import ServiceLifecycle

/// Runs the SQLite store's WAL checkpoints beside the commits rather than inside them
/// (`SQLiteFulfillmentStore.checkpointContinuously`). Listed first among the services, so it stops last,
/// after the workers' final commits.
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
