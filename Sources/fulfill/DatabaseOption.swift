import ArgumentParser
import Foundation
import FulfillmentCore
import FulfillmentServer
import Logging

/// `--database-url` for the operator tools, and running a tool's work against the store it names.
struct DatabaseOption: ParsableArguments {
    @Option(
        name: .customLong("database-url"),
        help: "sqlite:PATH or postgres://USER[:PASSWORD]@HOST[:PORT]/DB (env DATABASE_URL, default sqlite:fulfillment.sqlite).")
    var databaseURL: String?

    /// Runs `body` with the store open and running (a PostgreSQL pool, migrations), then closes it.
    func withStore<Result: Sendable>(
        creating: Bool = false, _ body: (any FulfillmentStore) async throws -> Result
    ) async throws -> Result {
        let url = databaseURL ?? ProcessInfo.processInfo.environment["DATABASE_URL"] ?? "sqlite:fulfillment.sqlite"
        let database: ServiceConfiguration.Database
        do {
            database = try ServiceConfiguration.Database(url: url)
        } catch {
            throw ValidationError("\(error)")
        }
        switch database {
        case .sqlite(let path, _) where !creating && !FileManager.default.fileExists(atPath: path):
            throw ValidationError("No database at \(path).")
        case .memory:
            throw ValidationError("An in-memory database cannot be reached from another process.")
        default:
            break
        }
        var logger = Logger(label: "fulfill.tool")
        logger.logLevel = .warning
        let store = try database.openStore(logger: logger)
        return try await store.whileRunning(logger: logger) { try await body(store) }
    }
}
