import Foundation
import FulfillmentCore
import StripeAPI
import TestSupport
import Testing

/// Connect on every store: a purchase and an order keep the connected account they were paid on (a later
/// transition never loses it), and the store lists every account it has seen, for the reconciler.
@Suite struct ConnectedAccountContractTests: StoreContract {
    @Test(arguments: TestStores.kinds)
    func purchasesAndOrdersKeepTheirAccountAndTheAccountsAreListed(kind: String) async throws {
        try await TestStores.with(kind) { store async throws in
            #expect(try await store.connectedAccounts().isEmpty)
            var onB = StoreFixtures.plan("cs_on_b", lines: [StoreFixtures.line("li_1", .recordOnly)])
            onB.account = "acct_B"
            _ = try await store.commitFulfillment(onB)
            _ = try await store.commitFulfillment(StoreFixtures.plan("cs_platform", lines: [StoreFixtures.line("li_1", .recordOnly)]))
            // A session on A awaits its payment, then fails: the row the transition made keeps its account.
            let awaiting = PurchaseTransition(
                subjectID: "cs_on_a", kind: .checkoutSession, to: .awaitingPayment, customerEmail: "a@example.com", customerName: nil,
                amountTotal: 1000, currency: "eur", email: nil, account: "acct_A", now: StoreFixtures.t0)
            #expect(try await store.transitionPurchase(awaiting) == .applied)
            var expiry = awaiting
            expiry.to = .paymentFailed
            expiry.account = nil
            #expect(try await store.transitionPurchase(expiry) == .applied)
            #expect(try await store.purchase(subjectID: "cs_on_a")?.account == "acct_A")
            #expect(try await store.purchase(subjectID: "cs_on_b")?.account == "acct_B")
            #expect(try await store.purchase(subjectID: "cs_platform")?.account == nil)

            var order = StoreFixtures.order("ord_on_c", source: "src_c")
            order.account = "acct_C"
            try await store.insertOrder(order)
            #expect(try await store.order(id: "ord_on_c")?.account == "acct_C")
            var paid = try #require(try await store.order(id: "ord_on_c"))
            paid.version += 1
            paid.status = .canceled
            paid.canceledAt = StoreFixtures.t0
            #expect(try await store.updateOrder(paid, expectedVersion: 1, outgoing: Outgoing(), anomaly: nil, now: StoreFixtures.t0))
            #expect(try await store.order(id: "ord_on_c")?.account == "acct_C")
            #expect(try await store.connectedAccounts() == ["acct_A", "acct_B", "acct_C"])
        }
    }
}
