import Foundation
import FulfillmentCore
import StripeAPI
import TestSupport
import Testing

/// The operators' log, on every store: what operators did is kept, newest first, beside the events they looked for.
@Suite struct OperatorLogContractTests: StoreContract {
    @Test(arguments: TestStores.kinds)
    func eventsAreFoundByStatusTypeAndObjectAndOperatorActionsAreKept(kind: String) async throws {
        try await TestStores.with(kind) { store async throws in
            _ = try await store.insertEvents([
                StoreFixtures.event("evt_1", type: "checkout.session.completed", objectID: "cs_a", at: 0),
                StoreFixtures.event("evt_2", type: "checkout.session.expired", objectID: "cs_a", at: 1),
                StoreFixtures.event("evt_3", type: "checkout.session.completed", objectID: "cs_b", at: 2),
            ])
            try await store.failEvent(id: "evt_3", error: "boom", retryAt: nil, parkAs: .dead, now: t0)
            #expect(try await store.listEvents(matching: EventFilter(objectID: "cs_a"), limit: 10).map(\.id) == ["evt_2", "evt_1"])
            #expect(try await store.listEvents(matching: EventFilter(type: "checkout.session.completed"), limit: 10).map(\.id) == ["evt_3", "evt_1"])
            #expect(try await store.listEvents(matching: EventFilter(status: .dead, type: "checkout.session.completed"), limit: 10).map(\.id) == ["evt_3"])
            #expect(try await store.listEvents(matching: EventFilter(status: .dead, objectID: "cs_a"), limit: 10).isEmpty)

            try await store.recordOperatorAction(OperatorAction(at: t0, actor: "127.0.0.1", action: "sign-in refused", detail: "wrong password"))
            try await store.recordOperatorAction(OperatorAction(at: t0.addingTimeInterval(5), actor: "operator", action: "replay event", detail: "evt_3"))
            let log = try await store.operatorActions(limit: 10)
            #expect(log.map(\.action) == ["replay event", "sign-in refused"])
            #expect(log.first == OperatorAction(at: t0.addingTimeInterval(5), actor: "operator", action: "replay event", detail: "evt_3"))
        }
    }
}
