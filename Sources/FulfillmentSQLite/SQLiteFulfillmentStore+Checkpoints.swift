import GRDB

extension SQLiteFulfillmentStore {
    /// Moves WAL checkpoints off the commit path until cancelled.
    ///
    /// By default SQLite checkpoints inside whichever commit takes the WAL past 1,000 pages: that commit
    /// copies the pages into the database file and syncs it, and every webhook waiting on that group commit
    /// waits too. While this runs, the writer does not checkpoint; a connection of its own runs a passive
    /// checkpoint every `interval`, which never blocks the writer or readers. When it returns (cancelled or
    /// failed), the writer checkpoints by itself again.
    public func checkpointContinuously(every interval: Duration = .milliseconds(250)) async throws {
        var configuration = Configuration()
        configuration.busyMode = .timeout(10)
        let checkpointer = try DatabaseQueue(path: pool.path, configuration: configuration)
        try await setWriterAutoCheckpoint(pages: 0)
        do {
            while !Task.isCancelled {
                try await Task.sleep(for: interval)
                try await checkpointer.writeWithoutTransaction { db in _ = try db.checkpoint(.passive) }
            }
        } catch where Task.isCancelled {
            // GRDB interrupts a cancelled statement: that is the way out, not a failure.
        } catch {
            try? await handBackCheckpoints()
            throw error
        }
        try await handBackCheckpoints()
    }

    /// Restores the writer's own checkpoints, from a task of its own: GRDB interrupts statements run in a
    /// cancelled task, and this must run precisely when the caller has been cancelled.
    private func handBackCheckpoints() async throws {
        try await Task { try await setWriterAutoCheckpoint(pages: Self.defaultAutoCheckpointPages) }.value
    }

    /// SQLite's default `wal_autocheckpoint`.
    static let defaultAutoCheckpointPages = 1000

    /// The writer connection's `wal_autocheckpoint` (0: it never checkpoints by itself).
    public func writerAutoCheckpointPages() async throws -> Int {
        try await pool.writeWithoutTransaction { db in try Int.fetchOne(db, sql: "PRAGMA wal_autocheckpoint") ?? 0 }
    }

    private func setWriterAutoCheckpoint(pages: Int) async throws {
        try await pool.writeWithoutTransaction { db in try db.execute(sql: "PRAGMA wal_autocheckpoint = \(pages)") }
    }
}
