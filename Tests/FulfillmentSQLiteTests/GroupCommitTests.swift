import Foundation
import FulfillmentCore
import FulfillmentSQLite
import TestSupport
import Testing

/// Concurrent writes share transactions, yet each stands or falls alone.
@Suite struct GroupCommitTests {
    @Test func aFailingWriteRollsBackAloneAndTheOthersCommit() async throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("group-\(UUID().uuidString).sqlite").path
        let store = try SQLiteFulfillmentStore(path: path)
        try await store.insertOrder(StoreFixtures.order("ord_first", source: "src_taken"))
        // Sixty writes at once: every fourth reuses a source id (UNIQUE), the rest are fine, and fulfilments
        // and claims interleave with them.
        let outcomes = await withTaskGroup(of: Bool.self) { group in
            for index in 0..<60 {
                group.addTask {
                    do {
                        if index % 4 == 0 {
                            try await store.insertOrder(StoreFixtures.order("ord_\(index)", source: "src_taken"))
                        } else if index % 4 == 1 {
                            _ = try await store.commitFulfillment(
                                StoreFixtures.plan("cs_\(index)", lines: [StoreFixtures.line("li_1", .recordOnly)]))
                        } else if index % 4 == 2 {
                            _ = try await store.insertEvent(StoreFixtures.event("evt_\(index)"))
                        } else {
                            try await store.insertOrder(StoreFixtures.order("ord_\(index)", source: "src_\(index)"))
                        }
                        return true
                    } catch {
                        return false
                    }
                }
            }
            return await group.reduce(into: [Bool]()) { $0.append($1) }
        }
        #expect(outcomes.filter { !$0 }.count == 15, "the fifteen duplicates, and only they, failed")
        for index in 0..<60 where index % 4 == 3 { #expect(try await store.order(id: "ord_\(index)") != nil) }
        for index in 0..<60 where index % 4 == 0 { #expect(try await store.order(id: "ord_\(index)") == nil) }
        #expect(try await store.emails(dedupeKeyPrefix: "receipt:").count == 15)
        #expect(try await store.eventCounts()[.pending] == 15)
    }
}
