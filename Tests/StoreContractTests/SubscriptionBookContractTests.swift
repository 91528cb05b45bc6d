import Foundation
import FulfillmentCore
import StripeAPI
import TestSupport
import Testing

/// The subscriptions on every store: an entitlement saved once, then only over the version it was decided on,
/// with what its change sends queued in the same transaction; past-due ones found for the sweep.
@Suite struct SubscriptionBookContractTests: StoreContract {
    func stored(_ id: String, access: SubscriptionEntitlement.Access = .active, pastDueSince: Date? = nil, version: Int = 1) -> StoredSubscription {
        StoredSubscription(
            entitlement: SubscriptionEntitlement(
                subscriptionID: id, access: access, validUntil: StoreFixtures.t0.addingTimeInterval(31 * 24 * 3600), pastDueSince: pastDueSince,
                priceIDs: ["price_basic"], settledInvoices: ["in_1"], version: version),
            account: "acct_B", customerID: "cus_1", customerEmail: "member@example.com", language: .es, createdAt: StoreFixtures.t0,
            updatedAt: StoreFixtures.t0)
    }

    @Test(arguments: TestStores.kinds)
    func anEntitlementIsSavedOnceThenOnlyOverTheVersionItWasDecidedOn(kind: String) async throws {
        try await TestStores.with(kind) { store async throws in
            let welcome = OutboundEmail(dedupeKey: "subscription_started:sub_1", recipient: "member@example.com", subject: "Welcome", body: "hi")
            #expect(try await store.saveSubscription(stored("sub_1"), expectedVersion: nil, outgoing: Outgoing(emails: [welcome]), now: StoreFixtures.t0))
            #expect(try await !store.saveSubscription(stored("sub_1"), expectedVersion: nil, outgoing: Outgoing(), now: StoreFixtures.t0), "once")
            let read = try #require(try await store.subscription(id: "sub_1"))
            #expect(read == stored("sub_1"))
            #expect(try await store.emails(dedupeKeyPrefix: "subscription_started:sub_1").count == 1)

            var pastDue = stored("sub_1", access: .pastDue, pastDueSince: StoreFixtures.t0.addingTimeInterval(60), version: 2)
            pastDue.entitlement.noticedFailures = ["in_2"]
            pastDue.updatedAt = StoreFixtures.t0.addingTimeInterval(60)
            #expect(try await !store.saveSubscription(pastDue, expectedVersion: 5, outgoing: Outgoing(), now: StoreFixtures.t0), "a stale decision")
            #expect(try await store.saveSubscription(pastDue, expectedVersion: 1, outgoing: Outgoing(), now: StoreFixtures.t0))
            #expect(try await store.subscription(id: "sub_1") == pastDue)
            #expect(try await store.subscription(id: "sub_missing") == nil)

            _ = try await store.saveSubscription(stored("sub_2"), expectedVersion: nil, outgoing: Outgoing(), now: StoreFixtures.t0)
            _ = try await store.saveSubscription(
                stored("sub_3", access: .pastDue, pastDueSince: StoreFixtures.t0), expectedVersion: nil, outgoing: Outgoing(), now: StoreFixtures.t0)
            let due = try await store.pastDueSubscriptions(since: StoreFixtures.t0.addingTimeInterval(61), limit: 10).map(\.id)
            #expect(due == ["sub_3", "sub_1"])
            #expect(try await store.pastDueSubscriptions(since: StoreFixtures.t0.addingTimeInterval(30), limit: 10).map(\.id) == ["sub_3"])

            // Past their paid period (31 days on), those not ended: the one ended is not asked about.
            var ended = stored("sub_4", access: .ended)
            ended.entitlement.validUntil = StoreFixtures.t0
            _ = try await store.saveSubscription(ended, expectedVersion: nil, outgoing: Outgoing(), now: StoreFixtures.t0)
            var older = stored("sub_5")
            older.entitlement.validUntil = StoreFixtures.t0.addingTimeInterval(24 * 3600)
            _ = try await store.saveSubscription(older, expectedVersion: nil, outgoing: Outgoing(), now: StoreFixtures.t0)
            let month = StoreFixtures.t0.addingTimeInterval(31 * 24 * 3600 + 1)
            #expect(try await store.subscriptionsPastTheirPeriod(before: month, limit: 10).map(\.id) == ["sub_5", "sub_1", "sub_2", "sub_3"])
            #expect(try await store.subscriptionsPastTheirPeriod(before: month, limit: 1).map(\.id) == ["sub_5"])
            #expect(try await store.subscriptionsPastTheirPeriod(before: StoreFixtures.t0.addingTimeInterval(3600), limit: 10).isEmpty)
        }
    }
}
