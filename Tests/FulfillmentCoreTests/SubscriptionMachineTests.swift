import Foundation
import FulfillmentCore
import Testing

/// The subscription state machine: Stripe's re-fetched state applied to the stored entitlement. Duplicates,
/// reordering and stale states change nothing wrong; every change is told once.
@Suite struct SubscriptionMachineTests {
    let t0 = Date(timeIntervalSince1970: 1_767_225_600)
    let month: TimeInterval = 31 * 24 * 3600
    let grace: TimeInterval = 3 * 24 * 3600

    func fact(
        _ status: String, periods: Int = 1, invoice: String? = "in_1", paid: Bool = true, reason: String = "subscription_create",
        cancelAtEnd: Bool = false, prices: [String] = ["price_basic"], endedAt: Date? = nil
    ) -> SubscriptionFact {
        SubscriptionFact(
            status: status, currentPeriodEnd: t0.addingTimeInterval(Double(periods) * month), cancelAtPeriodEnd: cancelAtEnd, endedAt: endedAt,
            priceIDs: prices,
            latestInvoice: invoice.map { SubscriptionFact.Invoice(id: $0, paid: paid, billingReason: reason, hostedURL: "https://pay.example/\($0)") })
    }

    func apply(_ fact: SubscriptionFact, to current: SubscriptionEntitlement?, at now: Date? = nil) -> SubscriptionDecision {
        SubscriptionMachine.decide(fact, current: current, subscriptionID: "sub_1", now: now ?? t0, grace: grace)
    }

    @Test func aPaidSubscriptionIsGrantedOnceAndEachRenewalToldOnceInAnyOrder() throws {
        let started = apply(fact("active"), to: nil)
        #expect(started.changes == [.started])
        let granted = try #require(started.entitlement)
        #expect(granted.access == .active && granted.grantsAccess(at: t0, grace: grace))
        #expect(apply(fact("active"), to: granted).isNoChange, "the same state again")

        let second = apply(fact("active", periods: 2, invoice: "in_2", reason: "subscription_cycle"), to: granted)
        #expect(second.changes == [.renewed(invoice: "in_2")])
        let renewed = try #require(second.entitlement)
        #expect(renewed.validUntil == t0.addingTimeInterval(2 * month) && renewed.version == granted.version + 1)
        #expect(apply(fact("active", periods: 2, invoice: "in_2", reason: "subscription_cycle"), to: renewed).isNoChange)
        // An older state, applied after (a slower fetch): nothing goes back.
        let older = apply(fact("active", periods: 1, invoice: "in_1"), to: renewed)
        #expect(older.isNoChange && older.entitlement?.validUntil == renewed.validUntil)
    }

    @Test func aFailedRenewalIsPastDueThenSuspendedAfterTheGraceThenRestoredWhenPaid() throws {
        let active = try #require(apply(fact("active"), to: nil).entitlement)
        let failing = fact("past_due", periods: 2, invoice: "in_2", paid: false, reason: "subscription_cycle")
        let pastDue = apply(failing, to: active, at: t0.addingTimeInterval(month))
        #expect(pastDue.changes == [.pastDue(invoice: "in_2", payURL: "https://pay.example/in_2")])
        let due = try #require(pastDue.entitlement)
        #expect(due.access == .pastDue && due.grantsAccess(at: t0.addingTimeInterval(month + 3600), grace: grace))
        #expect(apply(failing, to: due, at: t0.addingTimeInterval(month + 3600)).isNoChange, "told once per invoice")
        #expect(SubscriptionMachine.sweep(due, now: t0.addingTimeInterval(month + grace - 1), grace: grace).isNoChange)
        let swept = SubscriptionMachine.sweep(due, now: t0.addingTimeInterval(month + grace), grace: grace)
        #expect(swept.changes == [.suspended])
        let suspended = try #require(swept.entitlement)
        #expect(!suspended.grantsAccess(at: t0.addingTimeInterval(month + grace), grace: grace))
        let paid = apply(fact("active", periods: 2, invoice: "in_2", reason: "subscription_cycle"), to: suspended)
        #expect(paid.changes == [.renewed(invoice: "in_2"), .restored])
        let restored = try #require(paid.entitlement)
        #expect(restored.access == .active && restored.pastDueSince == nil)
        // The failure, fetched late after the payment: stale, not applied.
        #expect(apply(failing, to: restored, at: t0.addingTimeInterval(month + grace + 60)).isNoChange)
    }

    @Test func aFailureSeenLateAfterTheGraceSuspendsAtOnce() throws {
        let active = try #require(apply(fact("active"), to: nil).entitlement)
        var late = try #require(
            apply(fact("past_due", periods: 2, invoice: "in_2", paid: false, reason: "subscription_cycle"), to: active, at: t0).entitlement)
        late.pastDueSince = t0
        let swept = apply(fact("past_due", periods: 2, invoice: "in_2", paid: false, reason: "subscription_cycle"), to: late, at: t0.addingTimeInterval(grace))
        #expect(swept.changes == [.suspended])
    }

    @Test func aCancelAtPeriodEndKeepsAccessUntilTheEndAndAnEndIsFinal() throws {
        let active = try #require(apply(fact("active"), to: nil).entitlement)
        let scheduled = apply(fact("active", cancelAtEnd: true), to: active)
        #expect(scheduled.changes == [.cancelScheduled(endsAt: t0.addingTimeInterval(month))])
        let leaving = try #require(scheduled.entitlement)
        #expect(leaving.grantsAccess(at: t0.addingTimeInterval(month - 1), grace: grace))
        #expect(!leaving.grantsAccess(at: t0.addingTimeInterval(month), grace: grace), "no grace after a scheduled end")
        let withdrawn = apply(fact("active"), to: leaving)
        #expect(withdrawn.changes == [.cancelWithdrawn])
        let ended = apply(fact("canceled", endedAt: t0.addingTimeInterval(10)), to: leaving, at: t0.addingTimeInterval(10))
        #expect(ended.changes == [.ended])
        let over = try #require(ended.entitlement)
        #expect(over.access == .ended && !over.grantsAccess(at: t0.addingTimeInterval(11), grace: grace))
        #expect(apply(fact("active", periods: 3, invoice: "in_9", reason: "subscription_cycle"), to: over).isNoChange, "ended stays ended")
    }

    @Test func aPlanChangeIsToldOnceAndWhatWasNeverPaidIsNeverGranted() throws {
        let active = try #require(apply(fact("active"), to: nil).entitlement)
        let changed = apply(fact("active", prices: ["price_premium"]), to: active)
        #expect(changed.changes == [.planChanged(from: ["price_basic"], to: ["price_premium"])])
        #expect(apply(fact("active", prices: ["price_premium"]), to: try #require(changed.entitlement)).isNoChange)
        #expect(apply(fact("incomplete", paid: false), to: nil).entitlement == nil)
        let missed = apply(fact("canceled", endedAt: t0), to: nil)
        #expect(missed.changes.isEmpty && missed.entitlement?.access == .ended)
        let trial = apply(fact("trialing", invoice: "in_0"), to: nil)
        #expect(trial.changes == [.started] && trial.entitlement?.access == .active)
    }

    @Test func aFetchCaughtBetweenTwoStatesIsMendedByTheNextAndARenewalPaidBeforeAnEndIsStillTold() throws {
        let granted = try #require(apply(fact("active"), to: nil).entitlement)
        let due = try #require(apply(fact("past_due", periods: 2, invoice: "in_2", paid: false, reason: "subscription_cycle"), to: granted, at: t0.addingTimeInterval(month)).entitlement)
        // The subscription read before the payment, its invoices after: the renewal is settled, the status old.
        var caught = fact("past_due", periods: 2, invoice: "in_2", paid: true, reason: "subscription_cycle")
        caught.invoices.append(SubscriptionFact.Invoice(id: "in_1", paid: true, billingReason: "subscription_create"))
        let halfway = apply(caught, to: due, at: t0.addingTimeInterval(month + 60))
        #expect(halfway.changes == [.renewed(invoice: "in_2")])
        let settled = try #require(halfway.entitlement)
        #expect(settled.access == .pastDue)
        // The next fetch sees it active: nothing left to tell, but the access is kept as Stripe says.
        let mended = apply(fact("active", periods: 2, invoice: "in_2", reason: "subscription_cycle"), to: settled)
        #expect(mended.changes.isEmpty && !mended.isNoChange)
        let active = try #require(mended.entitlement)
        #expect(active.access == .active && active.pastDueSince == nil && active.version == settled.version + 1)
        #expect(apply(fact("active", periods: 2, invoice: "in_2", reason: "subscription_cycle"), to: active).isNoChange)

        // Renewed and then canceled while no event got through: the paid period is still told, then the end.
        var renewedThenCanceled = fact("canceled", periods: 2, invoice: "in_2", reason: "subscription_cycle", endedAt: t0.addingTimeInterval(month + 7200))
        renewedThenCanceled.invoices[0].periodEnd = t0.addingTimeInterval(2 * month)
        let ended = apply(renewedThenCanceled, to: granted, at: t0.addingTimeInterval(month + 4 * 24 * 3600))
        #expect(ended.changes == [.renewed(invoice: "in_2"), .ended])
        #expect(ended.entitlement?.access == .ended && ended.entitlement?.validUntil == t0.addingTimeInterval(month + 7200))
    }

    @Test func heardOfFirstAfterARenewalTheGrantAndTheRenewalAreEachToldOnce() throws {
        var late = fact("active", periods: 2, invoice: "in_2", reason: "subscription_cycle")
        late.invoices.append(SubscriptionFact.Invoice(id: "in_1", paid: true, billingReason: "subscription_create"))
        let decision = apply(late, to: nil, at: t0.addingTimeInterval(month + 7200))
        #expect(decision.changes == [.started, .renewed(invoice: "in_2")])
        let granted = try #require(decision.entitlement)
        #expect(granted.settledInvoices == ["in_1", "in_2"] && granted.version == 1)
        #expect(apply(late, to: granted).isNoChange)
    }
}
