import Foundation
import FulfillmentCore
import FulfillmentSQLite
import TestSupport
import Testing

/// Background checkpoints: while they run the writer never checkpoints, yet the WAL's pages still reach the
/// database file; when they stop, the writer checkpoints by itself again.
@Suite struct SQLiteCheckpointTests {
    @Test func checkpointsRunBesideTheWriterAndHandBackWhenStopped() async throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("checkpoint-\(UUID().uuidString).sqlite").path
        let store = try SQLiteFulfillmentStore(path: path)
        func fileSize(_ path: String) -> Int {
            ((try? FileManager.default.attributesOfItem(atPath: path))?[.size] as? Int) ?? 0
        }
        #expect(try await store.writerAutoCheckpointPages() == 1000)
        let before = fileSize(path)

        let checkpoints = Task { try await store.checkpointContinuously(every: .milliseconds(20)) }
        for _ in 0..<200 where try await store.writerAutoCheckpointPages() != 0 { try await Task.sleep(for: .milliseconds(10)) }
        #expect(try await store.writerAutoCheckpointPages() == 0, "the writer leaves checkpoints to the background")

        // About 6 MB of events: past the 1,000 pages at which the writer would otherwise checkpoint.
        let payload = Data(String(repeating: "x", count: 2000).utf8)
        let received = Date()
        for batch in 0..<30 {
            _ = try await store.insertEvents((0..<100).map { index in
                InboxEvent(
                    id: "evt_ckpt_\(batch)_\(index)", type: "bench.unhandled", objectID: nil, payload: payload, status: .ignored,
                    receivedAt: received, nextAttemptAt: received)
            })
        }
        var copied = false
        for _ in 0..<200 where !copied {
            copied = fileSize(path) > before + 4_000_000
            if !copied { try await Task.sleep(for: .milliseconds(20)) }
        }
        #expect(copied, "the background checkpoints copy the WAL into the database file")

        checkpoints.cancel()
        try await checkpoints.value
        #expect(try await store.writerAutoCheckpointPages() == 1000, "stopped: the writer checkpoints by itself again")
        #expect(try await store.listEvents(status: .ignored, limit: 5000).count == 3000)
    }

    @Test func theWALStartsOverUnderSustainedWritesWithReadersInsteadOfGrowing() async throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("wal-\(UUID().uuidString).sqlite").path
        let store = try SQLiteFulfillmentStore(path: path)
        func walSize() -> Int { ((try? FileManager.default.attributesOfItem(atPath: path + "-wal"))?[.size] as? Int) ?? 0 }
        // Restart once past 1 MiB (256 pages), checking every 10 ms.
        let checkpoints = Task { try await store.checkpointContinuously(every: .milliseconds(10), restartPages: 256) }
        let payload = Data(String(repeating: "y", count: 4000).utf8)
        let received = Date()
        var largest = 0
        // About 24 MB written without a pause, while a reader keeps reading: the case in which passive
        // checkpoints alone never let the WAL start over.
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask {
                for _ in 0..<400 {
                    _ = try await store.eventCounts()
                    try await Task.sleep(for: .milliseconds(2))
                }
            }
            for batch in 0..<60 {
                _ = try await store.insertEvents((0..<100).map { index in
                    InboxEvent(
                        id: "evt_wal_\(batch)_\(index)", type: "bench.unhandled", objectID: nil, payload: payload, status: .ignored,
                        receivedAt: received, nextAttemptAt: received)
                })
                largest = max(largest, walSize())
            }
            try await group.waitForAll()
        }
        checkpoints.cancel()
        try await checkpoints.value
        #expect(largest < 12_000_000, "the WAL peaked at \(largest) bytes while 24 MB were written")
        #expect(try await store.eventCounts()[.ignored] == 6000)
    }
}
