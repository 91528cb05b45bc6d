import Foundation
public import FulfillmentCore
public import Logging
import PostgresNIO
public import ServiceLifecycle
import Tracing

/// The store for several instances: PostgreSQL through PostgresNIO's pooled client. Workers on every instance
/// claim rows with `FOR UPDATE SKIP LOCKED` and a lease; ledger decisions run under a per-session advisory
/// lock with the stock rows they touch locked; uniqueness constraints keep every effect single; and a
/// trigger tells every instance (LISTEN/NOTIFY) when events, emails or dispatches are added.
///
/// The client runs inside the store's service (`services(logger:)`), which also migrates the schema
/// under an advisory lock; operations wait until that is done. Tools and tests use `whileRunning`.
public final class PostgresFulfillmentStore: FulfillmentStore {
    /// The channel the schema's trigger notifies (`events` or `outbox`).
    static let notificationChannel = "fulfillment"

    let client: PostgresClient
    let logger: Logger
    let ready = ReadinessGate()
    public let configuration: PostgresStoreConfiguration
    public let bells = WorkBells()
    /// Webhooks waiting for the next insert statement (`receiveEvent`): one statement, one commit, for every
    /// event that arrived while the previous one ran.
    let arriving = BatchQueue<(event: InboxEvent, completion: @Sendable (Result<InboxInsertOutcome, any Error>) -> Void)>(
        maximumBatch: 512)

    public init(configuration: PostgresStoreConfiguration, logger: Logger) {
        self.configuration = configuration
        self.logger = logger
        client = PostgresClient(configuration: configuration.client, backgroundLogger: logger)
    }

    /// The client's pool, the migrations, then the LISTEN connection that wakes this process's workers.
    /// Call once: a client runs once.
    public func services(logger: Logger) -> [any Service] {
        [PostgresStoreService(store: self, logger: logger)]
    }

    /// Applies the migrations not applied yet (also what `fulfill migrate` runs); returns their names.
    @discardableResult
    public func migrate() async throws -> [String] {
        try await PostgresMigrations.migrate(client, logger: logger)
    }

    // MARK: Helpers

    /// One query on a pooled connection, once the schema is ready.
    @discardableResult
    func query(_ query: PostgresQuery) async throws -> PostgresRowSequence {
        try await ready.wait()
        return try await client.query(query, logger: logger)
    }

    /// A transaction on one pooled connection, once the schema is ready: a span of the current trace (a
    /// fulfilment's commit is one), from the wait for a connection to the commit.
    func transaction<Result: Sendable>(_ body: (PostgresConnection) async throws -> Result) async throws -> Result {
        try await withSpan("db.transaction", ofKind: .client) { span in
            span.attributes["db.system.name"] = "postgresql"
            try await ready.wait()
            return try await client.withTransaction(logger: logger) { connection in try await body(connection) }
        }
    }
}
