package import FulfillmentCore
import FulfillmentPostgres
import FulfillmentSQLite
import Foundation
package import Logging

/// Every store the contract suite runs against, each fresh per test: the memory store, SQLite in a
/// temporary file, and PostgreSQL in a database of its own on the throwaway server.
package enum TestStores {
    /// The kinds under test here: PostgreSQL unless it is neither installed nor required (see
    /// `PostgresTestServer.isEnabled`).
    package static let kinds: [String] = ["memory", "sqlite"] + (PostgresTestServer.isEnabled ? ["postgres"] : [])

    /// Runs `body` with a fresh store of `kind`, its services running (a pool, migrations) until it returns.
    package static func with<Result: Sendable>(
        _ kind: String, _ body: (any FulfillmentStore) async throws -> Result
    ) async throws -> Result {
        let store = try await make(kind)
        return try await store.whileRunning(logger: logger) { try await body(store) }
    }

    static func make(_ kind: String) async throws -> any FulfillmentStore {
        switch kind {
        case "memory": return MemoryFulfillmentStore()
        case "sqlite":
            let path = FileManager.default.temporaryDirectory.appendingPathComponent("contract-\(UUID().uuidString).sqlite").path
            return try SQLiteFulfillmentStore(path: path)
        default:
            let url = try await PostgresTestServer.shared.makeDatabase()
            return PostgresFulfillmentStore(configuration: try PostgresStoreConfiguration(url: url), logger: logger)
        }
    }

    package static var logger: Logger {
        var logger = Logger(label: "test.store")
        logger.logLevel = .critical
        return logger
    }
}
