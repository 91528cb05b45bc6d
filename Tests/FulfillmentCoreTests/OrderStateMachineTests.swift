import Foundation
import FulfillmentCore
import StripeAPI
import Testing

/// The order's state machine, as a pure function: every fact in every state.
@Suite struct OrderStateMachineTests {
    let t0 = Date(timeIntervalSince1970: 1_800_000_000)

    var fresh: Order {
        Order(
            id: "ord_1", amount: 1000, currency: "eur", customerEmail: "a@b.co", items: [OrderItem(name: "X", quantity: 1, unitAmount: 1000)],
            paymentMethod: .sofort, usage: .singleUse, sourceID: "src_1", sourceStatus: .pending, retryURL: "https://shop",
            createdAt: t0)
    }

    func after(_ facts: [OrderFact]) -> Order {
        facts.reduce(fresh) { $0.applying($1, now: t0.addingTimeInterval(1)).order }
    }

    @Test func theHappyPathsMoveForwardAndNotifyOnce() {
        let chargeable = fresh.applying(.source(id: "src_1", status: .chargeable, failureReason: nil), now: t0)
        #expect(chargeable.changed && chargeable.order.status == .awaitingPayment && chargeable.order.sourceStatus == .chargeable)
        #expect(chargeable.notice == nil && chargeable.order.version == 2)

        let pending = chargeable.order.applying(.charge(id: "ch_1", status: .pending, failureMessage: nil), now: t0)
        #expect(pending.order.status == .chargePending && pending.order.chargeID == "ch_1" && pending.notice == nil)

        let paid = pending.order.applying(.charge(id: "ch_1", status: .succeeded, failureMessage: nil), now: t0)
        #expect(paid.order.status == .paid && paid.notice == .confirmed && paid.order.paidAt == t0)

        let again = paid.order.applying(.charge(id: "ch_1", status: .succeeded, failureMessage: nil), now: t0)
        #expect(!again.changed && again.notice == nil && again.anomaly == nil)
    }

    @Test func lateEventsNeverMoveAnOrderBackwards() {
        let paid = after([.charge(id: "ch_1", status: .succeeded, failureMessage: nil)])
        let latePending = paid.applying(.charge(id: "ch_1", status: .pending, failureMessage: nil), now: t0)
        #expect(latePending.order.status == .paid && latePending.order.chargeStatus == .succeeded)
        let lateChargeable = after([.source(id: "src_1", status: .consumed, failureReason: nil)])
            .applying(.source(id: "src_1", status: .chargeable, failureReason: nil), now: t0)
        #expect(lateChargeable.order.sourceStatus == .consumed)
    }

    @Test func failuresCancelAndNotifyButNeverUndoAPayment() {
        let refused = fresh.applying(.source(id: "src_1", status: .failed, failureReason: "user_abort"), now: t0)
        #expect(refused.order.status == .canceled && refused.order.canceledAt == t0)
        #expect(refused.notice == .failed(reason: "the payment was not authorised (user_abort)"))

        let failedCharge = after([.charge(id: "ch_1", status: .pending, failureMessage: nil)])
            .applying(.charge(id: "ch_1", status: .failed, failureMessage: "insufficient funds"), now: t0)
        #expect(failedCharge.order.status == .canceled && failedCharge.notice != nil)

        let paid = after([.charge(id: "ch_1", status: .succeeded, failureMessage: nil)])
        let lateCancel = paid.applying(.source(id: "src_1", status: .canceled, failureReason: nil), now: t0)
        #expect(lateCancel.order.status == .paid && lateCancel.notice == nil)
        #expect(lateCancel.anomaly?.contains("after the order was paid") == true)
    }

    @Test func aSourceFailureWhileAChargeIsPendingLeavesTheDecisionToTheCharge() {
        let pending = after([.charge(id: "ch_1", status: .pending, failureMessage: nil)])
        let decision = pending.applying(.source(id: "src_1", status: .canceled, failureReason: nil), now: t0)
        #expect(decision.order.status == .chargePending && decision.notice == nil && decision.anomaly == nil)
    }

    @Test func contradictionsAreAnomaliesNotChanges() {
        let canceled = after([.source(id: "src_1", status: .failed, failureReason: nil)])
        let success = canceled.applying(.charge(id: "ch_1", status: .succeeded, failureMessage: nil), now: t0)
        #expect(success.order.status == .canceled && success.notice == nil && success.anomaly?.contains("refund") == true)

        let charged = after([.charge(id: "ch_1", status: .pending, failureMessage: nil)])
        let second = charged.applying(.charge(id: "ch_2", status: .succeeded, failureMessage: nil), now: t0)
        #expect(!second.changed && second.anomaly?.contains("second charge") == true)

        let foreign = fresh.applying(.source(id: "src_other", status: .failed, failureReason: nil), now: t0)
        #expect(!foreign.changed && foreign.order.status == .awaitingPayment && foreign.anomaly != nil)
    }

    @Test func aRefusedChargeCancelsOnlyAnOrderStillAwaitingPayment() {
        let refused = fresh.applying(.chargeRefused(message: "Your card was declined."), now: t0)
        #expect(refused.order.status == .canceled && refused.order.failureReason?.contains("declined") == true)
        let paid = after([.charge(id: "ch_1", status: .succeeded, failureMessage: nil)])
        #expect(!paid.applying(.chargeRefused(message: "x"), now: t0).changed)
    }

    @Test func theConfirmationPageMessagesFollowTheGuide() {
        #expect(OrderMessage(for: fresh).state == "awaiting_payment")
        #expect(OrderMessage(for: fresh).title == "Order received")
        #expect(OrderMessage(for: after([.charge(id: "c", status: .pending, failureMessage: nil)])).state == "charge_pending")
        let paid = OrderMessage(for: after([.charge(id: "c", status: .succeeded, failureMessage: nil)]))
        #expect(paid.title == "Payment confirmed" && paid.isFinal)
        let failed = OrderMessage(for: after([.source(id: "src_1", status: .failed, failureReason: nil)]))
        #expect(failed.title == "Payment failed" && failed.isFinal && failed.detail.contains("not processed"))
    }

    @Test func orderRequestsAreValidatedBeforeAnythingReachesStripe() throws {
        let good = OrderRequest(
            items: [OrderItem(name: "A", quantity: 3, unitAmount: 700)], currency: "EUR", email: " a@b.co ", paymentMethod: "ideal")
        let validated = try good.validated()
        #expect(validated.total == 2100 && validated.request.currency == "eur" && validated.request.email == "a@b.co")
        #expect(validated.isRedirect && validated.usage == "single_use")
        #expect(try OrderRequest(amount: 500, currency: "usd", email: "a@b.co", paymentMethod: "card", cardToken: "tok_visa").validated().lines.count == 1)

        let bad: [OrderRequest] = [
            OrderRequest(amount: 500, currency: "usd", email: "a@b.co", paymentMethod: "bitcoin"),
            OrderRequest(amount: 500, currency: "euro", email: "a@b.co", paymentMethod: "ideal"),
            OrderRequest(amount: 500, currency: "eur", email: "not-an-email", paymentMethod: "ideal"),
            OrderRequest(amount: 500, currency: "eur", email: "a@b.co\nBcc: c@d.e", paymentMethod: "ideal"),
            OrderRequest(currency: "eur", email: "a@b.co", paymentMethod: "ideal"),
            OrderRequest(items: [], amount: 5, currency: "eur", email: "a@b.co", paymentMethod: "ideal"),
            OrderRequest(items: [OrderItem(name: "A", quantity: 0, unitAmount: 5)], currency: "eur", email: "a@b.co", paymentMethod: "ideal"),
            OrderRequest(amount: 0, currency: "eur", email: "a@b.co", paymentMethod: "ideal"),
            OrderRequest(amount: 500, currency: "eur", email: "a@b.co", paymentMethod: "ideal", usage: "forever"),
            OrderRequest(amount: 500, currency: "eur", email: "a@b.co", paymentMethod: "ideal", retryURL: "javascript:alert(1)"),
        ]
        for request in bad {
            #expect(throws: OrderRequestError.self) { try request.validated() }
        }
    }
}
