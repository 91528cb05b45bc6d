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
            #expect(entries.count == 1 && entries[0].sentAt != nil && entries[0].status == .sent)
            #expect(try await store.emailCounts() == [.sent: 1])
            #expect(try await !store.replayEmail(id: entries[0].id, now: t0.addingTimeInterval(2000)), "a sent email is never sent again")
            #expect(try await store.claimEmails(limit: 10, now: t0.addingTimeInterval(2000), leaseUntil: t0.addingTimeInterval(2060)).isEmpty)
        }
    }

    @Test(arguments: TestStores.kinds)
    func anEmailPastItsWindowIsParkedDeadListedAndReplayedOnce(kind: String) async throws {
        try await TestStores.with(kind) { store async throws in
            _ = try await store.commitFulfillment(plan("cs_dead", lines: [line("li_1", .recordOnly)]))
            _ = try await store.commitFulfillment(plan("cs_fine", lines: [line("li_1", .recordOnly)]))
            let schedule = RetrySchedule.outgoing
            var now = t0
            var attempts = 0
            // The mail server refuses one address for three days: backoff, then dead.
            while true {
                let claimed = try await store.claimEmails(limit: 10, now: now, leaseUntil: now.addingTimeInterval(60))
                    .filter { $0.email.dedupeKey == "receipt:cs_dead" }
                guard let email = claimed.first else { break }
                attempts += 1
                #expect(email.attempts == attempts && email.createdAt == t0)
                let retryAt = schedule.retryAt(afterAttempts: email.attempts, queuedAt: email.createdAt, now: now)
                try await store.markEmailFailed(id: email.id, error: "550 mailbox unavailable", retryAt: retryAt, now: now)
                guard let retryAt else { break }
                now = retryAt
            }
            #expect(attempts > 10 && now <= t0.addingTimeInterval(3 * 24 * 3600), "retried for the window, then parked")
            let dead = try await store.emails(status: .dead, limit: 10)
            #expect(dead.map(\.email.dedupeKey) == ["receipt:cs_dead"])
            #expect(dead[0].lastError == "550 mailbox unavailable" && dead[0].attempts == attempts && dead[0].sentAt == nil)
            #expect(try await store.emails(status: .pending, limit: 10).map(\.email.dedupeKey) == ["receipt:cs_fine"])
            #expect(try await store.emailCounts() == [.dead: 1, .pending: 1])
            #expect(try await store.outboxBacklog() == 1, "the dead email is no backlog")
            let later = t0.addingTimeInterval(4 * 24 * 3600)
            #expect(try await store.claimEmails(limit: 10, now: later, leaseUntil: later.addingTimeInterval(60))
                .map(\.email.dedupeKey) == ["receipt:cs_fine"], "a dead email is never claimed")

            #expect(try await store.replayEmail(id: dead[0].id, now: later))
            #expect(try await !store.replayEmail(id: dead[0].id, now: later), "replayed once: it is pending now")
            #expect(try await !store.replayEmail(id: 999_999, now: later))
            let replayed = try await store.claimEmails(limit: 10, now: later, leaseUntil: later.addingTimeInterval(60))
            #expect(replayed.map(\.email.dedupeKey) == ["receipt:cs_dead"] && replayed[0].attempts == attempts + 1)
            try await store.markEmailSent(id: replayed[0].id, now: later)
            #expect(try await store.emailCounts() == [.sent: 1, .pending: 1], "sent after the replay; the other one still waits")
        }
    }
}
