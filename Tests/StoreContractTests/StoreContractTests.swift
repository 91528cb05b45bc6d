import Foundation
import FulfillmentCore
import StripeAPI
import TestSupport
import Testing

/// One contract, run against every store: what the service relies on holds whatever the storage.
@Suite struct StoreContractTests {
    let t0 = StoreFixtures.t0

    func event(_ id: String, type: String = "checkout.session.completed", at offset: TimeInterval = 0) -> InboxEvent {
        StoreFixtures.event(id, type: type, at: offset)
    }

    func plan(_ sessionID: String = "cs_test_1", lines: [PlannedLine], now: Date? = nil) -> FulfillmentPlan {
        StoreFixtures.plan(sessionID, lines: lines, now: now)
    }

    func line(_ id: String, _ action: LineItemAction, quantity: Int = 1) -> PlannedLine {
        StoreFixtures.line(id, action, quantity: quantity)
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
    func fulfilsASessionOnceWithEveryEffectAndOneReceipt(kind: String) async throws {
        try await TestStores.with(kind) { store async throws in
            try await store.setStock(sku: "MUG", quantity: 5)
            let lines = [line("li_1", .grantAccess), line("li_2", .ship(sku: "MUG"), quantity: 2), line("li_3", .recordOnly)]
            guard case .committed(let record) = try await store.commitFulfillment(plan(lines: lines)) else {
                Issue.record("the first commit fulfils")
                return
            }
            #expect(record.status == .fulfilled)
            #expect(record.lines.map(\.lineItemID) == ["li_1", "li_2", "li_3"])
            guard case .accessGranted(let url) = record.lines[0].outcome else { Issue.record("access"); return }
            #expect(url.hasPrefix("https://shop.example/access/"))
            let token = String(url.split(separator: "/").last!)
            #expect(try await store.entitlement(token: token)?.subjectID == "cs_test_1")
            #expect(record.lines[1].outcome.backordered == 0)
            #expect(record.shipping?.address?.city == "Berlin")
            #expect(try await store.stockLevel(sku: "MUG") == 3)
            guard case .alreadyFulfilled(let again) = try await store.commitFulfillment(plan(lines: lines)) else {
                Issue.record("the second commit must not fulfil again")
                return
            }
            #expect(again.lines == record.lines)
            #expect(try await store.stockLevel(sku: "MUG") == 3, "stock taken once")
            #expect(try await store.emails(dedupeKeyPrefix: "receipt:").count == 1)
            #expect(try await store.purchase(subjectID: "cs_test_1")?.fulfilledAt == t0)
        }
    }

    @Test(arguments: TestStores.kinds)
    func concurrentCommitsFulfilOnce(kind: String) async throws {
        try await TestStores.with(kind) { store async throws in
            try await store.setStock(sku: "SEAT", quantity: 100)
            let plan = plan(lines: [line("li_1", .takeStock(sku: "SEAT"), quantity: 3)])
            let committed = try await withThrowingTaskGroup(of: Bool.self) { group in
                for _ in 0..<20 {
                    group.addTask {
                        if case .committed = try await store.commitFulfillment(plan) { return true }
                        return false
                    }
                }
                return try await group.reduce(0) { $0 + ($1 ? 1 : 0) }
            }
            #expect(committed == 1)
            #expect(try await store.stockLevel(sku: "SEAT") == 97)
        }
    }

    @Test(arguments: TestStores.kinds)
    func neverTakesStockBelowZeroAndRecordsTheBackorder(kind: String) async throws {
        try await TestStores.with(kind) { store async throws in
            try await store.setStock(sku: "MUG", quantity: 2)
            try await store.setStock(sku: "SEAT", quantity: 0)
            let result = try await store.commitFulfillment(plan(lines: [line("li_1", .ship(sku: "MUG"), quantity: 5), line("li_2", .takeStock(sku: "SEAT"), quantity: 1)]))
            guard case .committed(let record) = result else { Issue.record("commit"); return }
            #expect(record.lines[0].outcome == .shipped(shipmentID: { if case .shipped(let id, _, _) = record.lines[0].outcome { id } else { "" } }(), quantity: 2, backordered: 3))
            #expect(record.lines[1].outcome == .stockTaken(quantity: 0, backordered: 1))
            #expect(try await store.stockLevel(sku: "MUG") == 0)
            #expect(try await store.stockLevel(sku: "SEAT") == 0)
        }
    }

    @Test(arguments: TestStores.kinds)
    func keepsEachPurchaseWithItsKind(kind: String) async throws {
        try await TestStores.with(kind) { store async throws in
            _ = try await store.commitFulfillment(StoreFixtures.plan("cs_kinds", lines: [line("li_1", .recordOnly)]))
            _ = try await store.commitFulfillment(StoreFixtures.plan("ord_kinds", kind: .order, lines: [line("ord_kinds-1", .recordOnly)]))
            let session = try #require(try await store.purchase(subjectID: "cs_kinds"))
            let order = try #require(try await store.purchase(subjectID: "ord_kinds"))
            #expect(session.kind == .checkoutSession && order.kind == .order)
            #expect(order.status == .fulfilled && order.lines.map(\.lineItemID) == ["ord_kinds-1"])
            #expect(try await store.purchaseSubjectID(paymentIntent: "pi_1") != nil)
            // A Checkout transition never moves an order's row, whatever the caller says its kind is.
            let expire = PurchaseTransition(
                subjectID: "ord_kinds", kind: .checkoutSession, to: .expired, customerEmail: nil, customerName: nil,
                amountTotal: nil, currency: nil, email: nil, now: t0)
            #expect(try await store.transitionPurchase(expire) == .refused(current: .fulfilled))
            #expect(try await store.purchase(subjectID: "ord_kinds")?.kind == .order)
        }
    }

    @Test(arguments: TestStores.kinds)
    func movesTheLedgerOnlyForward(kind: String) async throws {
        try await TestStores.with(kind) { store async throws in
            func move(_ id: String, to status: PurchaseStatus, email: OutboundEmail? = nil) async throws -> TransitionOutcome {
                try await store.transitionPurchase(
                    PurchaseTransition(subjectID: id, kind: .checkoutSession, to: status, customerEmail: "a@b.example", customerName: nil, amountTotal: 100, currency: "eur", email: email, now: t0))
            }
            #expect(try await move("cs_a", to: .awaitingPayment) == .applied)
            let failure = OutboundEmail(dedupeKey: "payment_failed:cs_a", recipient: "a@b.example", subject: "Failed", body: "…")
            #expect(try await move("cs_a", to: .paymentFailed, email: failure) == .applied)
            #expect(try await move("cs_a", to: .paymentFailed, email: failure) == .refused(current: .paymentFailed))
            #expect(try await store.emails(dedupeKeyPrefix: "payment_failed:").count == 1)
            _ = try await store.commitFulfillment(plan("cs_b", lines: [line("li_1", .recordOnly)]))
            #expect(try await move("cs_b", to: .expired) == .refused(current: .fulfilled), "an expiry never undoes a fulfillment")
            #expect(try await move("cs_b", to: .awaitingPayment) == .refused(current: .fulfilled))
            #expect(try await store.purchase(subjectID: "cs_b")?.status == .fulfilled)
            #expect(try await move("cs_c", to: .expired) == .applied)
        }
    }

    @Test(arguments: TestStores.kinds)
    func sendsEachEmailOnceAndRetriesFailures(kind: String) async throws {
        try await TestStores.with(kind) { store async throws in
            _ = try await store.commitFulfillment(plan(lines: [line("li_1", .recordOnly)]))
            let claimed = try await store.claimEmails(limit: 10, now: t0, leaseUntil: t0.addingTimeInterval(60))
            #expect(claimed.count == 1)
            #expect(try await store.claimEmails(limit: 10, now: t0, leaseUntil: t0.addingTimeInterval(60)).isEmpty, "leased")
            try await store.markEmailFailed(id: claimed[0].id, error: "SMTP 451", retryAt: t0.addingTimeInterval(10), now: t0)
            #expect(try await store.outboxBacklog() == 1)
            let retried = try await store.claimEmails(limit: 10, now: t0.addingTimeInterval(10), leaseUntil: t0.addingTimeInterval(70))
            #expect(retried.first?.attempts == 2)
            try await store.markEmailSent(id: retried[0].id, now: t0.addingTimeInterval(11))
            #expect(try await store.outboxBacklog() == 0)
            #expect(try await store.claimEmails(limit: 10, now: t0.addingTimeInterval(1000), leaseUntil: t0.addingTimeInterval(1060)).isEmpty)
            let entries = try await store.emails(dedupeKeyPrefix: nil)
            #expect(entries.count == 1 && entries[0].sentAt != nil)
        }
    }
}
