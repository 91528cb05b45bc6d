import FulfillmentCore
public import Logging
public import ServiceLifecycle

/// Runs the SQLite store's WAL checkpoints beside the commits rather than inside them
/// (`SQLiteFulfillmentStore.checkpointContinuously`). The store lists it before the workers, so it stops
/// last, after their final commits.
struct CheckpointService: Service {
    let store: SQLiteFulfillmentStore
    let logger: Logger

    /// Runs until graceful shutdown. A failure is logged and the checkpoints start again after a pause (the
    /// writer checkpoints by itself meanwhile): a service that returned early would end the whole process.
    func run() async throws {
        await cancelWhenGracefulShutdown {
            while !Task.isCancelled {
                do {
                    try await store.checkpointContinuously()
                } catch is CancellationError {
                    return
                } catch {
                    if Task.isCancelled { return }
                    logger.error("background WAL checkpoints failed; starting again in 5 s", metadata: ["error": "\(error)"])
                    try? await Task.sleep(for: .seconds(5))
                }
            }
        }
    }
}

extension SQLiteFulfillmentStore {
    /// WAL checkpoints beside the commits. Processes sharing one SQLite file have no way to wake each other:
    /// their workers' poll interval picks up what another process stored.
    public func services(logger: Logger) -> [any Service] {
        [CheckpointService(store: self, logger: logger)]
    }
}
