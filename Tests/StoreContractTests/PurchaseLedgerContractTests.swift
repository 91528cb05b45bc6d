import Foundation
import FulfillmentCore
import StripeAPI
import TestSupport
import Testing

/// The ledger's contract, on every store: a purchase fulfilled once with every effect, its receipt and its
/// notifications in one transaction, kept with its kind, moved only forward, found by its PaymentIntent.
@Suite struct PurchaseLedgerContractTests: StoreContract {
    @Test(arguments: TestStores.kinds)
    func aFulfilledSessionIsFoundByItsPaymentIntent(kind: String) async throws {
        try await TestStores.with(kind) { store async throws in
            _ = try await store.commitFulfillment(StoreFixtures.plan(lines: [StoreFixtures.line("li_1", .recordOnly)]))
            #expect(try await store.purchaseSubjectID(paymentIntent: "pi_1") == "cs_test_1")
            #expect(try await store.purchaseSubjectID(paymentIntent: "pi_other") == nil)
        }
    }

    @Test(arguments: TestStores.kinds)
    func aRegisteredActionsLineAndEffectAreStoredByName(kind: String) async throws {
        try await TestStores.with(kind) { store async throws in
            var actions = ActionRegistry()
            actions.register(RegisteredAction(name: "engrave") { line, _ in ["pieces": .int(line.quantity)] })
            var plan = StoreFixtures.plan(lines: [StoreFixtures.line("li_1", LineItemAction(name: "engrave", sku: "PEN"), quantity: 2)])
            plan.actions = actions
            guard case .committed(let record) = try await store.commitFulfillment(plan) else {
                Issue.record("should fulfil")
                return
            }
            let key = ActionEffect.key(action: "engrave", subjectID: "cs_test_1", lineItemID: "li_1")
            #expect(record.lines.first?.outcome == .queued(effectID: key))
            let stored = try #require(try await store.purchase(subjectID: "cs_test_1"))
            #expect(stored.lines.first?.action == LineItemAction(name: "engrave", sku: "PEN"))
            #expect(stored.lines.first?.outcome == .queued(effectID: key))
            let effect = try #require(try await store.dispatches(status: nil, subjectID: "cs_test_1", limit: 10).first { $0.dispatch.id == key })
            #expect(effect.dispatch.channel == "action.engrave")
            let decoded = try JSONDecoder().decode(ActionEffect.self, from: effect.dispatch.payload)
            #expect(decoded.plan["pieces"]?.intValue == 2 && decoded.sku == "PEN" && decoded.idempotencyKey == key)
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
}
