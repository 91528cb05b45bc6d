import Foundation
public import FulfillmentCore
import GRDB

/// The embedded default store: SQLite through one GRDB `DatabasePool` (WAL: readers never block the
/// writer). SQLite serialises writers, so each compare-and-set runs inside one write transaction.
public final class SQLiteFulfillmentStore: FulfillmentStore {
    let pool: DatabasePool
    /// Every write goes through it: concurrent writes share one transaction and one sync.
    let writer: GroupCommitter
    /// One per reader: every read takes one before it asks GRDB for a reader (`ReaderPermits`).
    let readers = ReaderPermits(SQLiteFulfillmentStore.readerCount)
    /// GRDB's readers (its default is 5): status polls and the console read while the worker reads.
    static let readerCount = 8
    public let bells = WorkBells()

    /// How hard each commit pushes data to disk.
    public enum Synchronous: String, Sendable {
        /// Every commit is synced: an acknowledged event survives a power cut. One sync per group commit.
        case full = "FULL"
        /// WAL commits are not synced one by one: an acknowledged event survives a crash of the process, and
        /// the last commits may be lost on a power cut. Faster; the reference Python handler runs this way.
        case normal = "NORMAL"
    }

    /// Opens (creating if needed) the database at `path` and migrates it.
    public init(path: String, synchronous: Synchronous = .full) throws {
        var configuration = Configuration()
        configuration.maximumReaderCount = Self.readerCount
        configuration.busyMode = .timeout(Double(Self.busyTimeoutMilliseconds) / 1000)
        configuration.prepareDatabase { db in
            // journal_size_limit: a WAL that grew under a burst is cut back once it has been checkpointed.
            try db.execute(
                sql: """
                    PRAGMA synchronous = \(synchronous.rawValue); PRAGMA foreign_keys = ON;
                    PRAGMA journal_size_limit = \(Self.walSizeLimit)
                    """)
        }
        pool = try DatabasePool(path: path, configuration: configuration)
        writer = GroupCommitter(pool: pool, syncs: synchronous == .full)
        try SQLiteMigrations.migrator.migrate(pool)
    }

    /// A point read (an index lookup or two: tens of microseconds) on the calling thread, through GRDB's
    /// synchronous API. GRDB's async read sends the work to a reader's queue and the result back to the task:
    /// two thread switches, each a wait for a core when both are busy, and more than the read itself costs.
    /// On the worker's path (its ledger read before the re-fetch, its check for due events): in traced bursts
    /// of 16 on two cores, the ledger read went from 1.5 ms at p50 to 0.1 (README). Only for reads that cannot
    /// take long: the calling thread, one of Swift's small cooperative pool, waits meanwhile.
    /// It first takes a reader's permit (`ReaderPermits`), suspending rather than blocking when every reader
    /// is busy.
    func pointRead<T>(_ value: (Database) throws -> T) async throws -> T {
        try await readers.with { try pool.read(value) }
    }

    /// An ordinary read on a reader's queue, holding a reader's permit.
    func read<T: Sendable>(_ value: @Sendable @escaping (Database) throws -> T) async throws -> T {
        try await readers.with { try await pool.read(value) }
    }

    /// A write whose loss on a power cut costs nothing but a repeat, with no sync of its own: a claim (the
    /// event is simply claimable again), an event's outcome (handled again; handlers are idempotent), a retry
    /// time. The next synced commit makes it durable with everything before it.
    func writeBookkeeping<T: Sendable>(_ updates: @Sendable @escaping (Database) throws -> T) async throws -> T {
        try await writer.write(durable: false, updates)
    }
}
