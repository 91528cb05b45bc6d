import Foundation
import FulfillmentCore
import StripeAPI
import TestSupport
import Testing

/// The email outbox, on every store: one email per dedupe key, leased, retried, sent once.
@Suite struct EmailOutboxContractTests: StoreContract {
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
