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
}
