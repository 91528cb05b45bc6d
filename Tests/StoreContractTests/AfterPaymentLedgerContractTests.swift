import Foundation
import FulfillmentCore
import StripeAPI
import TestSupport
import Testing

/// After the payment, on every store: the policy's decision is persisted with its stock and its queued
/// email and notification in one transaction, and a repeated fact changes nothing.
@Suite struct AfterPaymentLedgerContractTests: StoreContract {
    func change(refunded: Int, dispute: DisputeStatus? = nil, served: [String: Int] = ["MUG": 2]) -> AfterPaymentChange {
        AfterPaymentChange(
            subjectID: "cs_test_1", chargeID: "ch_1", facts: PaymentFacts(chargeAmount: 3000, amountRefunded: refunded, dispute: dispute),
            servedStock: served,
            outgoing: { decision in
                Outgoing(
                    emails: decision.newlyRefunded > 0
                        ? [OutboundEmail(dedupeKey: "refund:cs_test_1:\(decision.next.refundedAmount)", recipient: "j@example.com", subject: "s", body: "b")]
                        : [],
                    dispatches: MerchantNotifier(isEnabled: true).afterPayment(
                        decision, subjectID: "cs_test_1", chargeID: "ch_1", refunded: .checkoutRefunded, disputed: .checkoutDisputed,
                        object: MerchantNotifier.unknownSession("cs_test_1"), now: t0))
            }, now: t0)
    }

    @Test(arguments: TestStores.kinds)
    func refundsAddUpReturnStockOnceAndQueueOncePerFact(kind: String) async throws {
        try await TestStores.with(kind) { store async throws in
            try await store.setStock(sku: "MUG", quantity: 1)
            #expect(try await store.afterPayment(subjectID: "cs_test_1") == nil)
            let partial = try await store.applyAfterPayment(change(refunded: 1000))
            #expect(partial.newlyRefunded == 1000 && !partial.returnStock)
            #expect(try await store.stockLevel(sku: "MUG") == 1)
            #expect(try await store.applyAfterPayment(change(refunded: 1000)).isNoChange, "the same fact again")

            let full = try await store.applyAfterPayment(change(refunded: 3000))
            #expect(full.returnStock && full.accessAfter == .revoked)
            #expect(try await store.stockLevel(sku: "MUG") == 3)
            #expect(try await store.applyAfterPayment(change(refunded: 3000)).isNoChange)
            #expect(try await store.applyAfterPayment(change(refunded: 1000)).isNoChange, "an older fact changes nothing")
            #expect(try await store.stockLevel(sku: "MUG") == 3, "stock went back once")

            let record = try #require(try await store.afterPayment(subjectID: "cs_test_1"))
            #expect(record.state == AfterPaymentState(refundedAmount: 3000, dispute: .none, stockReturned: true))
            #expect(record.chargeID == "ch_1" && record.chargeAmount == 3000 && record.updatedAt == t0)
            #expect(try await store.emails(dedupeKeyPrefix: "refund:").map(\.email.dedupeKey) == ["refund:cs_test_1:1000", "refund:cs_test_1:3000"])
            #expect(try await store.dispatches(status: nil, subjectID: "cs_test_1", limit: 10).map(\.dispatch.type) == ["checkout.refunded", "checkout.refunded"])
        }
    }

    @Test(arguments: TestStores.kinds)
    func aDecidedDisputeStaysDecided(kind: String) async throws {
        try await TestStores.with(kind) { store async throws in
            #expect(try await store.applyAfterPayment(change(refunded: 0, dispute: .needsResponse)).accessAfter == .suspended)
            #expect(try await store.applyAfterPayment(change(refunded: 0, dispute: .won)).accessAfter == .active)
            #expect(try await store.applyAfterPayment(change(refunded: 0, dispute: .needsResponse)).isNoChange, "a late 'open' changes nothing")
            #expect(try await store.afterPayment(subjectID: "cs_test_1")?.state.dispute == .won)
            #expect(try await store.dispatches(status: nil, subjectID: "cs_test_1", limit: 10).map(\.dispatch.type) == ["checkout.disputed", "checkout.disputed"])
        }
    }
}
