import Foundation
import FulfillmentCore
import StripeAPI
import TestSupport
import Testing

/// A stopping instance gives back what it claimed and will not finish, on every store: the events, emails and
/// dispatches are due at once for another worker, the claim's attempt uncounted; what was finished meanwhile,
/// and a claim whose lease ran out (another worker's now, perhaps), stay as they are.
@Suite struct ClaimReleaseContractTests: StoreContract {
    @Test(arguments: TestStores.kinds)
    func releasedEventsAreDueAtOnceWithTheirAttemptUncounted(kind: String) async throws {
        try await TestStores.with(kind) { store async throws in
            for id in ["evt_a", "evt_b", "evt_c"] { _ = try await store.insertEvent(StoreFixtures.event(id)) }
            let claimed = try await store.claimEvents(limit: 3, now: t0, leaseUntil: t0.addingTimeInterval(60))
            #expect(claimed.map(\.attempts) == [1, 1, 1])
            try await store.completeEvent(id: "evt_c", status: .processed, note: nil, now: t0.addingTimeInterval(1))
            #expect(try await store.claimEvents(limit: 3, now: t0.addingTimeInterval(2), leaseUntil: t0.addingTimeInterval(62)).isEmpty)

            try await store.releaseEvents(ids: ["evt_a", "evt_b", "evt_c", "evt_unknown"], now: t0.addingTimeInterval(2))
            let taken = try await store.claimEvents(limit: 3, now: t0.addingTimeInterval(2), leaseUntil: t0.addingTimeInterval(62))
            #expect(taken.map(\.id).sorted() == ["evt_a", "evt_b"], "another worker takes them now, not after the lease")
            #expect(taken.map(\.attempts) == [1, 1], "the given-back claim counted no attempt")
            #expect(try await store.event(id: "evt_c")?.status == .processed, "a finished event stays finished")

            // A claim whose lease has run out may be another worker's: a late release leaves it alone.
            try await store.releaseEvents(ids: ["evt_a"], now: t0.addingTimeInterval(100))
            let again = try await store.claimEvents(limit: 3, now: t0.addingTimeInterval(100), leaseUntil: t0.addingTimeInterval(160))
            #expect(again.map(\.attempts).sorted() == [2, 2], "its lease had ended: claimed again with both attempts counted")
        }
    }

    @Test(arguments: TestStores.kinds)
    func releasedEmailsAndDispatchesAreDueAtOnce(kind: String) async throws {
        try await TestStores.with(kind) { store async throws in
            let order = StoreFixtures.order("ord_r", source: "src_r")
            try await store.insertOrder(order)
            var moved = order
            moved.version = 2
            #expect(try await store.updateOrder(
                moved, expectedVersion: 1, outgoing: Outgoing(dispatches: [dispatch("fev_r", subject: "ord_r")]), anomaly: nil, now: t0))
            _ = try await store.commitFulfillment(plan(lines: [line("li_1", .recordOnly)]))

            let emails = try await store.claimEmails(limit: 10, now: t0, leaseUntil: t0.addingTimeInterval(60))
            let dispatches = try await store.claimDispatches(limit: 10, now: t0, leaseUntil: t0.addingTimeInterval(60))
            #expect(emails.count == 1 && dispatches.map(\.dispatch.id).contains("fev_r"))
            #expect(try await store.claimEmails(limit: 10, now: t0.addingTimeInterval(1), leaseUntil: t0.addingTimeInterval(61)).isEmpty)

            try await store.releaseEmails(ids: emails.map(\.id), now: t0.addingTimeInterval(1))
            try await store.releaseDispatches(ids: dispatches.map(\.dispatch.id), now: t0.addingTimeInterval(1))
            let email = try await store.claimEmails(limit: 10, now: t0.addingTimeInterval(1), leaseUntil: t0.addingTimeInterval(61))
            let delivery = try await store.claimDispatches(limit: 10, now: t0.addingTimeInterval(1), leaseUntil: t0.addingTimeInterval(61))
            #expect(email.map(\.id) == emails.map(\.id) && email.first?.attempts == 1)
            #expect(Set(delivery.map(\.dispatch.id)) == Set(dispatches.map(\.dispatch.id)) && delivery.allSatisfy { $0.attempts == 1 })

            // A sent email and a delivered dispatch are never put back.
            try await store.markEmailSent(id: email[0].id, now: t0.addingTimeInterval(2))
            try await store.markDispatchDelivered(id: "fev_r", now: t0.addingTimeInterval(2))
            try await store.releaseEmails(ids: emails.map(\.id), now: t0.addingTimeInterval(2))
            try await store.releaseDispatches(ids: ["fev_r"], now: t0.addingTimeInterval(2))
            #expect(try await store.emailCounts() == [.sent: 1])
            #expect(try await store.dispatch(id: "fev_r")?.status == .delivered)
        }
    }
}
