import GRDB

extension SQLiteFulfillmentStore {
    /// Moves WAL checkpoints off the commit path until cancelled, and keeps the WAL bounded.
    ///
    /// By default SQLite checkpoints inside whichever commit takes the WAL past 1,000 pages: that commit
    /// copies the pages into the database file and syncs it, and every webhook waiting on that group commit
    /// waits too. While this runs, the writer does not checkpoint; a connection of its own runs a passive
    /// checkpoint every `interval`, which never blocks the writer or readers. When it returns (cancelled or
    /// failed), the writer checkpoints by itself again.
    ///
    /// A passive checkpoint never lets the WAL start over while writes keep coming, so under sustained
    /// intake the file would only grow. Once the WAL holds more than `restartPages` frames, a RESTART
    /// checkpoint is tried on the writer's queue, between two commits: it copies what is left (little, as
    /// the passive ones did most) and makes the next commit write from the start of the file, which
    /// `journal_size_limit` keeps at 64 MiB at most. It is tried without waiting: if a reader still uses the
    /// WAL, it gives up at once (commits never wait for readers) and is tried again at the next tick.
    /// A busy database only skips a tick; no error of one tick ends the loop.
    public func checkpointContinuously(
        every interval: Duration = .milliseconds(250), restartPages: Int = SQLiteFulfillmentStore.walRestartPages
    ) async throws {
        var configuration = Configuration()
        configuration.busyMode = .timeout(10)
        let checkpointer = try DatabaseQueue(path: pool.path, configuration: configuration)
        try await setWriterAutoCheckpoint(pages: 0)
        do {
            while !Task.isCancelled {
                try await Task.sleep(for: interval)
                do {
                    let (walFrames, _) = try await checkpointer.writeWithoutTransaction { db in try db.checkpoint(.passive) }
                    if walFrames > restartPages { try await restartWithoutWaiting() }
                } catch let error as DatabaseError where error.resultCode == .SQLITE_BUSY || error.resultCode == .SQLITE_LOCKED {
                    // Another checkpoint, or readers still in the WAL: the next tick tries again.
                }
            }
        } catch where Task.isCancelled {
            // GRDB interrupts a cancelled statement: that is the way out, not a failure.
        } catch {
            try? await handBackCheckpoints()
            throw error
        }
        try await handBackCheckpoints()
    }

    /// A RESTART checkpoint on the writer's own queue (from another connection it would compete with intake
    /// for the writer's lock, and lose), with no busy wait: SQLITE_BUSY at once if readers still use the WAL.
    private func restartWithoutWaiting() async throws {
        try await pool.writeWithoutTransaction { db in
            try db.execute(sql: "PRAGMA busy_timeout = 0")
            defer { try? db.execute(sql: "PRAGMA busy_timeout = \(Self.busyTimeoutMilliseconds)") }
            _ = try db.checkpoint(.restart)
        }
    }

    /// Restores the writer's own checkpoints, from a task of its own: GRDB interrupts statements run in a
    /// cancelled task, and this must run precisely when the caller has been cancelled.
    private func handBackCheckpoints() async throws {
        try await Task { try await setWriterAutoCheckpoint(pages: Self.defaultAutoCheckpointPages) }.value
    }

    /// How long a connection waits for a lock (`Configuration.busyMode`), in milliseconds.
    static let busyTimeoutMilliseconds = 10_000

    /// The WAL size (in 4 KiB pages: 32 MiB) past which checkpoints make it start over.
    public static let walRestartPages = 8192

    /// The largest the WAL file is kept at when it starts over (`journal_size_limit`, bytes).
    public static let walSizeLimit = 64 << 20

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
