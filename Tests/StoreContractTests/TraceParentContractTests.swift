import Foundation
import FulfillmentCore
import StripeAPI
import TestSupport
import Testing

/// Every store keeps the trace each queued item continues (its W3C `traceparent`): an event's from the webhook
/// that brought it, an email's and a dispatch's from the change that queued them; items queued without a trace
/// come back without one.
@Suite struct TraceParentContractTests: StoreContract {
    static let webhookTrace = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"
    static let changeTrace = "00-4bf92f3577b34da6a3ce929d0e0e4736-b7ad6b7169203331-01"

    @Test(arguments: TestStores.kinds)
    func queuedItemsKeepTheTraceTheyContinue(kind: String) async throws {
        try await TestStores.with(kind) { store async throws in
            var traced = StoreFixtures.event("evt_traced")
            traced.traceParent = Self.webhookTrace
            #expect(try await store.insertEvents([traced, StoreFixtures.event("evt_plain", at: 1)]) == [.inserted, .inserted])
            let claimed = try await store.claimEvents(limit: 2, now: t0.addingTimeInterval(2), leaseUntil: t0.addingTimeInterval(60))
            #expect(claimed.map(\.traceParent) == [Self.webhookTrace, nil])
            #expect(try await store.event(id: "evt_traced")?.traceParent == Self.webhookTrace)

            let order = StoreFixtures.order("ord_t", source: "src_t")
            try await store.insertOrder(order)
            var moved = order
            moved.version = 2
            let email = OutboundEmail(dedupeKey: "test:traced", recipient: "a@b.test", subject: "s", body: "b", traceParent: Self.changeTrace)
            let dispatch = Dispatch(
                id: "fev_t", channel: "merchant", type: "order.paid", subjectID: "ord_t", payload: Data("{}".utf8), traceParent: Self.changeTrace)
            #expect(try await store.updateOrder(moved, expectedVersion: 1, outgoing: Outgoing(emails: [email], dispatches: [dispatch]), anomaly: nil, now: t0))
            let emails = try await store.claimEmails(limit: 10, now: t0, leaseUntil: t0.addingTimeInterval(60))
            #expect(emails.map(\.email.traceParent) == [Self.changeTrace])
            let dispatches = try await store.claimDispatches(limit: 10, now: t0, leaseUntil: t0.addingTimeInterval(60))
            #expect(dispatches.map(\.dispatch.traceParent) == [Self.changeTrace])
        }
    }
}
