import Foundation
import FulfillmentCore
import TestSupport
import Testing

/// The store rings its workers itself, on every store: once a transaction has committed work to a queue (a
/// new event, a fulfilment's receipt and notification, an operator's replay), and not for a change that
/// queued nothing.
@Suite struct WorkBellsContractTests: StoreContract {
    @Test(arguments: TestStores.kinds)
    func committedWorkRingsItsQueuesBellAndNothingElse(kind: String) async throws {
        try await TestStores.with(kind) { store async throws in
            let bells = store.bells
            _ = try await store.insertEvent(event("evt_1"))
            #expect(await bells.events.rings(), "a new event wakes the event worker")
            // PostgreSQL also rings on every NOTIFY its insert trigger sends, claimed or duplicate: more rings
            // than needed there, never fewer. The others ring only for work a worker may claim.
            let exact = kind != "postgres"
            var claimed = event("evt_claimed")
            claimed.leaseUntil = t0.addingTimeInterval(60)
            _ = try await store.insertEvents([claimed])
            if exact { #expect(await !bells.events.rings(within: .milliseconds(200)), "an event stored claimed is its claimer's to hand over") }
            _ = try await store.insertEvent(event("evt_1"))
            if exact { #expect(await !bells.events.rings(within: .milliseconds(200)), "a duplicate queues nothing") }

            _ = try await store.commitFulfillment(plan(lines: [line("li_1", .recordOnly)]))
            #expect(await bells.emails.rings(), "the receipt")
            #expect(await bells.dispatches.rings(), "the notification")
            _ = try await store.commitFulfillment(plan(lines: [line("li_1", .recordOnly)]))
            if exact { #expect(await !bells.emails.rings(within: .milliseconds(200)), "fulfilled already: nothing queued") }

            let emails = try await store.claimEmails(limit: 1, now: t0, leaseUntil: t0.addingTimeInterval(60))
            try await store.markEmailFailed(id: emails[0].id, error: "550", retryAt: nil, now: t0)
            #expect(try await store.replayEmail(id: emails[0].id, now: t0))
            #expect(await bells.emails.rings(), "a replayed email")
            #expect(try await store.replayEvent(id: "evt_1", now: t0))
            #expect(await bells.events.rings(), "a replayed event")
            let dispatch = try #require(try await store.dispatches(status: nil, subjectID: nil, limit: 1).first)
            #expect(try await store.replayDispatch(id: dispatch.dispatch.id, now: t0))
            #expect(await bells.dispatches.rings(), "a replayed dispatch")
        }
    }
}
