import FulfillmentCore
import Logging
import PostgresNIO
import ServiceLifecycle

/// The PostgreSQL store at work in a process: runs the client's pool, migrates the schema (under an advisory
/// lock, so instances starting together take turns), opens the store to its callers, then listens for the
/// schema's notifications and wakes this process's workers when another instance adds events or emails. On
/// graceful shutdown it stops listening and the pool closes; listed first, it stops after the workers.
struct PostgresStoreService: Service {
    let store: PostgresFulfillmentStore
    let logger: Logger

    func run() async throws {
        try await withThrowingDiscardingTaskGroup { group in
            group.addTask { await store.client.run() }
            do {
                try await store.migrate()
                store.ready.open()
                logger.debug("PostgreSQL store ready", metadata: ["database": "\(store.configuration.redactedURL)"])
            } catch {
                store.ready.fail(error)
                logger.error(
                    "PostgreSQL store could not start",
                    metadata: ["database": "\(store.configuration.redactedURL)", "error": "\(String(reflecting: error))"])
                throw error
            }
            await cancelWhenGracefulShutdown { await listen() }
            store.ready.fail(PostgresStoreStopped())
            group.cancelAll()
        }
    }

    /// Listens until cancelled, reconnecting with backoff; every (re)subscription wakes the workers once,
    /// for what was added while nobody listened.
    private func listen() async {
        var backoff = Duration.milliseconds(100)
        while !Task.isCancelled {
            do {
                try await store.client.withConnection { connection in
                    try await connection.listen(on: PostgresFulfillmentStore.notificationChannel) { notifications in
                        backoff = .milliseconds(100)
                        store.bells.ringEvents()
                        store.bells.ringOutgoing()
                        for try await notification in notifications {
                            switch notification.payload {
                            case "events": store.bells.ringEvents()
                            case "outbox": store.bells.ringOutgoing()
                            default:
                                store.bells.ringEvents()
                                store.bells.ringOutgoing()
                            }
                        }
                    }
                }
            } catch {
                if Task.isCancelled { return }
                logger.warning("PostgreSQL LISTEN connection lost; reconnecting", metadata: ["error": "\(error)"])
            }
            try? await Task.sleep(for: backoff)
            backoff = min(backoff * 2, .seconds(5))
        }
    }
}
