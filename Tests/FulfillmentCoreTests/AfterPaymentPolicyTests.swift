import FulfillmentCore
import StripeAPI
import Testing

/// Refunds and disputes, decided purely: whatever the order or repetition of the news, effects happen once
/// and access follows the money.
@Suite struct AfterPaymentPolicyTests {
    private func facts(refunded: Int = 0, dispute: DisputeStatus? = nil) -> PaymentFacts {
        PaymentFacts(chargeAmount: 5000, amountRefunded: refunded, dispute: dispute)
    }

    @Test func aPartialRefundIsRecordedWithoutRevocationOrStock() {
        let decision = AfterPaymentPolicy.decide(current: .untouched, facts: facts(refunded: 1000))
        #expect(decision.next.refundedAmount == 1000 && decision.newlyRefunded == 1000)
        #expect(decision.accessAfter == .active && !decision.returnStock)
        #expect(decision.note == "refunded 1000 more (1000 in all)")
    }

    @Test func aFullRefundRevokesAndReturnsStockOnce() {
        let partial = AfterPaymentPolicy.decide(current: .untouched, facts: facts(refunded: 1000)).next
        let full = AfterPaymentPolicy.decide(current: partial, facts: facts(refunded: 5000))
        #expect(full.newlyRefunded == 4000 && full.returnStock && full.accessBefore == .active && full.accessAfter == .revoked)
        let again = AfterPaymentPolicy.decide(current: full.next, facts: facts(refunded: 5000))
        #expect(again.isNoChange && !again.returnStock && again.newlyRefunded == 0, "a duplicate event changes nothing")
        #expect(again.note == "already applied")
    }

    @Test func staleNewsNeverUndoesNewerNews() {
        let full = AfterPaymentPolicy.decide(current: .untouched, facts: facts(refunded: 5000)).next
        let stale = AfterPaymentPolicy.decide(current: full, facts: facts(refunded: 1000))
        #expect(stale.isNoChange && stale.next == full, "an older charge.refunded arriving late")
        let lost = AfterPaymentPolicy.decide(current: .untouched, facts: facts(dispute: .lost)).next
        let staleOpen = AfterPaymentPolicy.decide(current: lost, facts: facts(dispute: .needsResponse))
        #expect(staleOpen.isNoChange && staleOpen.next.dispute == .lost, "a late dispute.created after its close")
    }

    @Test func aDisputeSuspendsThenWonRestoresAndLostRevokes() {
        let opened = AfterPaymentPolicy.decide(current: .untouched, facts: facts(dispute: .needsResponse))
        #expect(opened.accessAfter == .suspended && opened.next.dispute == .open && !opened.returnStock)
        let won = AfterPaymentPolicy.decide(current: opened.next, facts: facts(dispute: .won))
        #expect(won.accessAfter == .active && won.next.dispute == .won)
        let lost = AfterPaymentPolicy.decide(current: opened.next, facts: facts(dispute: .lost))
        #expect(lost.accessAfter == .revoked && !lost.returnStock, "the goods are gone with the money: no stock back")
        #expect(lost.note == "dispute lost; access suspended -> revoked")
    }

    @Test func aClosedDisputeArrivingFirstIsAppliedDirectly() {
        let won = AfterPaymentPolicy.decide(current: .untouched, facts: facts(dispute: .won))
        #expect(won.next.dispute == .won && won.accessAfter == .active)
        #expect(AfterPaymentPolicy.decide(current: .untouched, facts: facts(dispute: .warningClosed)).next.dispute == .won)
    }

    @Test func aWonDisputeDoesNotRestoreAccessTheRefundRevoked() {
        let refunded = AfterPaymentPolicy.decide(current: .untouched, facts: facts(refunded: 5000)).next
        let won = AfterPaymentPolicy.decide(current: refunded, facts: facts(refunded: 5000, dispute: .won))
        #expect(won.accessAfter == .revoked && !won.returnStock)
    }

    @Test func aRefundNeverCountsMoreThanTheCharge() {
        let decision = AfterPaymentPolicy.decide(current: .untouched, facts: PaymentFacts(chargeAmount: 5000, amountRefunded: 9000, dispute: nil))
        #expect(decision.next.refundedAmount == 5000)
        let free = AfterPaymentPolicy.decide(current: .untouched, facts: PaymentFacts(chargeAmount: 0, amountRefunded: 0, dispute: nil))
        #expect(free.accessAfter == .active && free.isNoChange, "nothing paid, nothing to refund")
    }
}
