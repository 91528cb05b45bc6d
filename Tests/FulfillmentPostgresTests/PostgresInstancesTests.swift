import Foundation
import FulfillmentCore
import FulfillmentPostgres
import ServiceLifecycle
import Synchronization
import TestSupport
import Testing

/// What several instances on one PostgreSQL database rely on: each test opens several stores (one client
/// and pool each, as separate processes would) on one fresh database.
@Suite(.enabled(if: PostgresTestServer.isEnabled, "PostgreSQL is not installed"))
struct PostgresInstancesTests {
    let t0 = StoreFixtures.t0

    /// `count` stores on one new database, each running (pool, migrations) while `body` runs.
    func withInstances<Result: Sendable>(
        _ count: Int, _ body: ([PostgresFulfillmentStore]) async throws -> Result
    ) async throws -> Result {
        let url = try await PostgresTestServer.shared.makeDatabase()
        let stores = try (0..<count).map { _ in
            PostgresFulfillmentStore(configuration: try PostgresStoreConfiguration(url: url), logger: TestStores.logger)
        }
        return try await withThrowingTaskGroup(of: Void.self) { group in
            for store in stores {
                for service in store.services(logger: TestStores.logger) { group.addTask { try await service.run() } }
            }
            defer { group.cancelAll() }
            return try await body(stores)
        }
    }

    @Test func instancesStartingTogetherMigrateOnce() async throws {
        try await withInstances(4) { stores async throws in
            // Every instance is usable: each waited for the one that migrated.
            for (index, store) in stores.enumerated() {
                #expect(try await store.insertEvent(StoreFixtures.event("evt_\(index)")) == .inserted)
            }
            #expect(try await stores[0].eventCounts()[.pending] == 4)
            #expect(try await stores[1].migrate().isEmpty, "nothing left to apply")
        }
    }

    @Test func twoInstancesNeverClaimTheSameEventAndADeadInstancesClaimsComeBack() async throws {
        try await withInstances(2) { stores async throws in
            _ = try await stores[0].insertEvents((0..<200).map { StoreFixtures.event(String(format: "evt_%03d", $0), at: Double($0)) })
            let now = t0.addingTimeInterval(1000)
            let ids = try await withThrowingTaskGroup(of: [String].self) { group in
                for worker in 0..<6 {
                    let store = stores[worker % 2]
                    group.addTask {
                        var mine: [String] = []
                        while true {
                            let batch = try await store.claimEvents(limit: 7, now: now, leaseUntil: now.addingTimeInterval(60))
                            if batch.isEmpty { return mine }
                            mine += batch.map(\.id)
                        }
                    }
                }
                return try await group.reduce([], +)
            }
            #expect(ids.count == 200 && Set(ids).count == 200, "each event claimed by exactly one worker")
            // Nobody completed them: as if both instances died. Once the lease ends, they come back, oldest first.
            let later = now.addingTimeInterval(61)
            let reclaimed = try await stores[1].claimEvents(limit: 3, now: later, leaseUntil: later.addingTimeInterval(60))
            #expect(reclaimed.map(\.id) == ["evt_000", "evt_001", "evt_002"])
            #expect(reclaimed.allSatisfy { $0.attempts == 2 })
        }
    }

    @Test func anEventStoredByOneInstanceWakesTheWorkersOfAnother() async throws {
        let url = try await PostgresTestServer.shared.makeDatabase()
        let listener = PostgresFulfillmentStore(configuration: try PostgresStoreConfiguration(url: url), logger: TestStores.logger)
        let writer = PostgresFulfillmentStore(configuration: try PostgresStoreConfiguration(url: url), logger: TestStores.logger)
        let bells = listener.bells
        try await withThrowingTaskGroup(of: Void.self) { group in
            for service in listener.services(logger: TestStores.logger) { group.addTask { try await service.run() } }
            defer { group.cancelAll() }
            try await writer.whileRunning(logger: TestStores.logger) { () async throws in
                // Listening starts with one ring of each bell (for whatever arrived while nobody listened), once
                // both have migrated (slow while the other suites load the same server).
                #expect(await bells.events.rings(within: .seconds(60)))
                #expect(await bells.emails.rings())
                #expect(await bells.dispatches.rings())
                _ = try await writer.insertEvent(StoreFixtures.event("evt_elsewhere"))
                #expect(await bells.events.rings(), "another instance's event wakes this one's event worker")
                #expect(await !bells.emails.rings(within: .milliseconds(300)), "an event wakes the event workers only")
                _ = try await writer.commitFulfillment(StoreFixtures.plan(lines: [StoreFixtures.line("li_1", .recordOnly)]))
                #expect(await bells.emails.rings(), "another instance's receipt wakes this one's email worker")
                // An operator's replay from another process wakes the workers too.
                #expect(try await writer.replayEvent(id: "evt_elsewhere", now: t0))
                #expect(await bells.events.rings())
            }
        }
    }

    @Test func theSourceCheckLimitHoldsAcrossInstances() async throws {
        try await withInstances(2) { stores async throws in
            try await stores[0].insertOrder(StoreFixtures.order("ord_a", source: "src_a"))
            #expect(try await stores[0].claimSourceCheck(orderID: "ord_a", now: t0, interval: 2))
            #expect(try await !stores[1].claimSourceCheck(orderID: "ord_a", now: t0.addingTimeInterval(1), interval: 2))
            #expect(try await stores[1].claimSourceCheck(orderID: "ord_a", now: t0.addingTimeInterval(2), interval: 2))
            #expect(try await !stores[0].claimSourceCheck(orderID: "ord_missing", now: t0, interval: 2))
        }
    }

    @Test func stockSharedByInstancesIsServedExactlyOnceAndNeverBelowZero() async throws {
        try await withInstances(3) { stores async throws in
            try await stores[0].setStock(sku: "MUG", quantity: 20)
            let served = try await withThrowingTaskGroup(of: Int.self) { group in
                for buyer in 0..<60 {
                    let store = stores[buyer % 3]
                    group.addTask {
                        let plan = StoreFixtures.plan("cs_\(buyer)", lines: [StoreFixtures.line("li_1", .ship(sku: "MUG"))])
                        guard case .committed(let record) = try await store.commitFulfillment(plan),
                            case .shipped(_, let quantity, _) = record.lines[0].outcome
                        else { return 0 }
                        return quantity
                    }
                }
                return try await group.reduce(0, +)
            }
            #expect(served == 20)
            #expect(try await stores[1].stockLevel(sku: "MUG") == 0)
            #expect(try await stores[2].emails(dedupeKeyPrefix: "receipt:").count == 60)
        }
    }

    func eventually(_ condition: () -> Bool) async throws {
        for _ in 0..<200 {
            if condition() { return }
            try await Task.sleep(for: .milliseconds(20))
        }
        Issue.record("condition not met within 4 s")
    }
}
