import Foundation
import FulfillmentCore
import StripeAPI
import TestSupport
import Testing

/// The inbox's contract, on every store: each event stored once by id, claimed under a lease, retried, parked
/// (dead or orphaned), replayed, found by status, type and object, and pruned without losing its id.
@Suite struct EventInboxContractTests: StoreContract {
    @Test(arguments: TestStores.kinds)
    func recoveredEventsKeepTheirOriginAndDeduplicateWithWebhooks(kind: String) async throws {
        try await TestStores.with(kind) { store async throws in
            var recovered = StoreFixtures.event("evt_r")
            recovered.origin = .reconciler
            #expect(try await store.insertEvents([recovered, StoreFixtures.event("evt_w")]) == [.inserted, .inserted])
            #expect(try await store.insertEvent(StoreFixtures.event("evt_r")) == .duplicate, "a late webhook of it is a duplicate")
            #expect(try await store.event(id: "evt_r")?.origin == .reconciler)
            #expect(try await store.event(id: "evt_w")?.origin == .webhook)
        }
    }

    @Test(arguments: TestStores.kinds)
    func pruningDropsOldHandledPayloadsKeepsTheirIdsAndNeverTouchesParkedEvents(kind: String) async throws {
        try await TestStores.with(kind) { store async throws in
            for id in ["evt_old", "evt_older", "evt_new", "evt_dead", "evt_pending"] { _ = try await store.insertEvent(StoreFixtures.event(id)) }
            _ = try await store.claimEvents(limit: 10, now: t0, leaseUntil: t0.addingTimeInterval(60))
            try await store.completeEvent(id: "evt_older", status: .processed, note: nil, now: t0.addingTimeInterval(-40 * 86400))
            try await store.completeEvent(id: "evt_old", status: .ignored, note: nil, now: t0.addingTimeInterval(-10 * 86400))
            try await store.completeEvent(id: "evt_new", status: .processed, note: nil, now: t0)
            try await store.failEvent(id: "evt_dead", error: "gone", retryAt: nil, parkAs: .dead, now: t0.addingTimeInterval(-50 * 86400))
            let result = try await store.pruneEvents(
                payloadsBefore: t0.addingTimeInterval(-7 * 86400), rowsBefore: t0.addingTimeInterval(-35 * 86400))
            #expect(result == PruneResult(payloadsDropped: 1, rowsDeleted: 1))
            #expect(try await store.event(id: "evt_older") == nil)
            let old = try #require(try await store.event(id: "evt_old"))
            #expect(old.payload.isEmpty && old.status == .ignored)
            #expect(try await store.insertEvent(StoreFixtures.event("evt_old")) == .duplicate, "its id still deduplicates")
            #expect(try await store.event(id: "evt_new")?.payload.isEmpty == false)
            #expect(try await store.event(id: "evt_dead")?.payload.isEmpty == false, "parked events stay whole")
            #expect(try await store.event(id: "evt_pending")?.payload.isEmpty == false)
            #expect(try await store.pruneEvents(payloadsBefore: t0.addingTimeInterval(-7 * 86400), rowsBefore: t0.addingTimeInterval(-35 * 86400))
                == PruneResult(payloadsDropped: 0, rowsDeleted: 0), "pruning again changes nothing")
        }
    }

    @Test(arguments: TestStores.kinds)
    func orphanedEventsAreParkedAndListedApart(kind: String) async throws {
        try await TestStores.with(kind) { store async throws in
            let event = InboxEvent(
                id: "evt_o", type: "source.chargeable", objectID: "src_x", payload: Data("{}".utf8), status: .pending,
                receivedAt: t0, nextAttemptAt: t0)
            _ = try await store.insertEvent(event)
            _ = try await store.claimEvents(limit: 1, now: t0, leaseUntil: t0.addingTimeInterval(60))
            try await store.failEvent(id: "evt_o", error: "orphan: no order", retryAt: nil, parkAs: .orphaned, now: t0)
            #expect(try await store.listEvents(status: .orphaned, limit: 5).map(\.id) == ["evt_o"])
            #expect(try await store.listEvents(status: .dead, limit: 5).isEmpty)
            #expect(try await store.claimEvents(limit: 1, now: t0.addingTimeInterval(3600), leaseUntil: t0.addingTimeInterval(4000)).isEmpty)
            #expect(try await store.replayEvent(id: "evt_o", now: t0))
            #expect(try await store.event(id: "evt_o")?.status == .pending)
        }
    }

    @Test(arguments: TestStores.kinds)
    func storesAnEventOnceAndReportsDuplicates(kind: String) async throws {
        try await TestStores.with(kind) { store async throws in
            #expect(try await store.insertEvent(event("evt_1")) == .inserted)
            #expect(try await store.insertEvent(event("evt_1")) == .duplicate)
            #expect(try await store.listEvents(status: nil, limit: 10).count == 1)
            #expect(try await store.event(id: "evt_1")?.payload == Data("{\"id\":\"evt_1\"}".utf8))
        }
    }

    @Test(arguments: TestStores.kinds)
    func keepsTheDecisionForAnEventStoredAsIgnored(kind: String) async throws {
        try await TestStores.with(kind) { store async throws in
            var ignored = event("evt_unknown", type: "invoice.created")
            ignored.status = .ignored
            ignored.processedAt = t0
            ignored.lastError = "no handler for this event type"
            let outcomes = try await store.insertEvents([ignored, event("evt_other"), ignored])
            #expect(outcomes == [.inserted, .inserted, .duplicate])
            let stored = try #require(try await store.event(id: "evt_unknown"))
            #expect(stored.status == .ignored && stored.processedAt == t0 && stored.lastError == "no handler for this event type")
            #expect(try await store.claimEvents(limit: 10, now: t0, leaseUntil: t0.addingTimeInterval(60)).map(\.id) == ["evt_other"])
        }
    }

    @Test(arguments: TestStores.kinds)
    func anEventStoredClaimedStaysHiddenUntilItsLeaseEndsAndADuplicateLeavesItAsItWas(kind: String) async throws {
        try await TestStores.with(kind) { store async throws in
            var leased = event("evt_leased")
            leased.leaseUntil = t0.addingTimeInterval(60)
            leased.attempts = 1
            #expect(try await store.insertEvents([leased, event("evt_free", at: 1)]) == [.inserted, .inserted])
            // A later delivery of it (unleased) is a duplicate and does not free it.
            #expect(try await store.insertEvent(event("evt_leased")) == .duplicate)
            #expect(try await store.claimEvents(limit: 10, now: t0.addingTimeInterval(5), leaseUntil: t0.addingTimeInterval(65)).map(\.id) == ["evt_free"])
            // Its holder died: once the lease ends, any worker claims it, as the second attempt.
            let reclaimed = try await store.claimEvents(limit: 10, now: t0.addingTimeInterval(61), leaseUntil: t0.addingTimeInterval(121))
            #expect(reclaimed.map(\.id) == ["evt_leased"])
            #expect(reclaimed.first?.attempts == 2)
            #expect(reclaimed.first?.leaseUntil == nil, "a read does not carry the lease")
        }
    }

    @Test(arguments: TestStores.kinds)
    func claimsDueEventsOldestFirstAndHidesThemUntilTheLeaseEnds(kind: String) async throws {
        try await TestStores.with(kind) { store async throws in
            _ = try await store.insertEvent(event("evt_b", at: 2))
            _ = try await store.insertEvent(event("evt_a", at: 1))
            _ = try await store.insertEvent(event("evt_later", at: 100))
            let now = t0.addingTimeInterval(10)
            let claimed = try await store.claimEvents(limit: 10, now: now, leaseUntil: now.addingTimeInterval(60))
            #expect(claimed.map(\.id) == ["evt_a", "evt_b"])
            #expect(claimed.allSatisfy { $0.attempts == 1 })
            #expect(try await store.claimEvents(limit: 10, now: now, leaseUntil: now.addingTimeInterval(60)).isEmpty)
            // A worker that died holding the claim: once the lease ends, the event is claimable again.
            let afterLease = now.addingTimeInterval(61)
            let reclaimed = try await store.claimEvents(limit: 1, now: afterLease, leaseUntil: afterLease.addingTimeInterval(60))
            #expect(reclaimed.map(\.id) == ["evt_a"])
            #expect(reclaimed.first?.attempts == 2)
        }
    }

    @Test(arguments: TestStores.kinds)
    func recordsOutcomesRetriesDeadEventsAndReplays(kind: String) async throws {
        try await TestStores.with(kind) { store async throws in
            for id in ["evt_ok", "evt_retry", "evt_dead"] { _ = try await store.insertEvent(event(id)) }
            _ = try await store.claimEvents(limit: 10, now: t0, leaseUntil: t0.addingTimeInterval(60))
            try await store.completeEvent(id: "evt_ok", status: .processed, note: "fulfilled", now: t0)
            try await store.failEvent(id: "evt_retry", error: "Stripe 503", retryAt: t0.addingTimeInterval(30), parkAs: .dead, now: t0)
            try await store.failEvent(id: "evt_dead", error: "no such session", retryAt: nil, parkAs: .dead, now: t0)
            #expect(try await store.claimEvents(limit: 10, now: t0.addingTimeInterval(29), leaseUntil: t0.addingTimeInterval(90)).isEmpty)
            #expect(try await store.claimEvents(limit: 10, now: t0.addingTimeInterval(30), leaseUntil: t0.addingTimeInterval(90)).map(\.id) == ["evt_retry"])
            let dead = try await store.listEvents(status: .dead, limit: 10)
            #expect(dead.map(\.id) == ["evt_dead"])
            #expect(dead.first?.lastError == "no such session")
            #expect(try await store.eventCounts()[.processed] == 1)
            #expect(try await store.replayEvent(id: "evt_dead", now: t0.addingTimeInterval(40)))
            #expect(try await !store.replayEvent(id: "evt_missing", now: t0))
            let replayed = try await store.claimEvents(limit: 10, now: t0.addingTimeInterval(200), leaseUntil: t0.addingTimeInterval(300))
            #expect(replayed.map(\.id).contains("evt_dead"))
        }
    }

    @Test(arguments: TestStores.kinds)
    func eventsReceivedAtOnceAreStoredOnceEachAndAnsweredOnceDurable(kind: String) async throws {
        try await TestStores.with(kind) { store async throws in
            // 40 webhooks at once, each event delivered twice, one in four stored claimed by this instance.
            let deliveries = (0..<80).map { index -> InboxEvent in
                var event = event(String(format: "evt_burst_%02d", index % 40), at: Double(index % 40))
                if index % 4 == 0 { event.leaseUntil = t0.addingTimeInterval(60) }
                return event
            }
            let outcomes = await withTaskGroup(of: (String, InboxInsertOutcome?).self) { group in
                for event in deliveries {
                    group.addTask {
                        await withCheckedContinuation { continuation in
                            store.receiveEvent(event) { result in continuation.resume(returning: (event.id, try? result.get())) }
                        }
                    }
                }
                var outcomes: [String: [InboxInsertOutcome?]] = [:]
                for await (id, outcome) in group { outcomes[id, default: []].append(outcome) }
                return outcomes
            }
            #expect(outcomes.count == 40)
            for (id, answers) in outcomes {
                #expect(answers.filter { $0 == .inserted }.count == 1, "\(id) stored once")
                #expect(answers.filter { $0 == .duplicate }.count == 1, "\(id)'s second delivery is a duplicate")
            }
            #expect(try await store.eventCounts()[.pending] == 40)
            // Answered only once durable: every event answered is there to read.
            for id in outcomes.keys { #expect(try await store.event(id: id) != nil) }
        }
    }
}
