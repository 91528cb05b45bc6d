import Foundation
import FulfillmentCore
import StripeAPI
import TestSupport
import Testing

/// The reconciler's state, on every store: one holder at a time, its watermark and summary kept.
@Suite struct ReconcilerLeaseContractTests: StoreContract {
    @Test(arguments: TestStores.kinds)
    func oneHolderAtATimeHoldsTheReconcilerUntilItFinishesOrTheLeaseEnds(kind: String) async throws {
        try await TestStores.with(kind) { store async throws in
            #expect(try await store.reconcilerState() == ReconcilerState(), "nothing yet")
            #expect(try await store.claimReconciler(holder: "a", now: t0, leaseUntil: t0.addingTimeInterval(600)))
            #expect(try await !store.claimReconciler(holder: "b", now: t0.addingTimeInterval(1), leaseUntil: t0.addingTimeInterval(601)))
            // The holder renews; its start time stays.
            #expect(try await store.claimReconciler(holder: "a", now: t0.addingTimeInterval(5), leaseUntil: t0.addingTimeInterval(605)))
            var state = try await store.reconcilerState()
            #expect(state.leaseHolder == "a" && state.leaseUntil == t0.addingTimeInterval(605) && state.lastStartedAt == t0)
            // Only the holder finishes; the watermark moves and the lease is free.
            try await store.finishReconciliation(holder: "b", watermark: t0.addingTimeInterval(9), summary: "not mine", now: t0)
            #expect(try await store.reconcilerState().watermark == nil)
            try await store.finishReconciliation(holder: "a", watermark: t0, summary: "recovered 2", now: t0.addingTimeInterval(10))
            state = try await store.reconcilerState()
            #expect(state.watermark == t0 && state.leaseHolder == nil && state.lastSummary == "recovered 2")
            #expect(state.lastFinishedAt == t0.addingTimeInterval(10))
            // A dry run leaves the watermark; a holder that died loses the lease when it ends.
            #expect(try await store.claimReconciler(holder: "b", now: t0.addingTimeInterval(20), leaseUntil: t0.addingTimeInterval(30)))
            try await store.finishReconciliation(holder: "b", watermark: nil, summary: "dry run", now: t0.addingTimeInterval(21))
            #expect(try await store.reconcilerState().watermark == t0)
            #expect(try await store.claimReconciler(holder: "c", now: t0.addingTimeInterval(40), leaseUntil: t0.addingTimeInterval(50)))
            #expect(try await store.claimReconciler(holder: "d", now: t0.addingTimeInterval(50), leaseUntil: t0.addingTimeInterval(60)))
        }
    }
}
