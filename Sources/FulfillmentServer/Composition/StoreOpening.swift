public import FulfillmentCore
import FulfillmentPostgres
import FulfillmentSQLite
public import Logging

extension ServiceConfiguration.Database {
    /// The store this setting names. SQLite opens and migrates at once; PostgreSQL connects and migrates when
    /// its services run (the service group, or `whileRunning` for tools).
    public func openStore(logger: Logger) throws -> any FulfillmentStore {
        switch self {
        case .memory:
            return MemoryFulfillmentStore()
        case .sqlite(let path, let normal):
            return try SQLiteFulfillmentStore(path: path, synchronous: normal ? .normal : .full)
        case .postgres(let url):
            return PostgresFulfillmentStore(configuration: try PostgresStoreConfiguration(url: url), logger: logger)
        }
    }

    /// The setting as it may be shown: a PostgreSQL password is hidden.
    public var redacted: String {
        switch self {
        case .memory: "memory:"
        case .sqlite(let path, let normal): "sqlite:\(path)\(normal ? "?synchronous=normal" : "")"
        case .postgres(let url): (try? PostgresStoreConfiguration(url: url).redactedURL) ?? "postgres://(invalid)"
        }
    }
}
