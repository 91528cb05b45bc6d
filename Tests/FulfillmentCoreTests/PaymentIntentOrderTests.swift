import Foundation
import FulfillmentCore
import StripeAPI
import Testing

/// A PaymentIntent order's state machine (every status, duplicated and stale facts) and what a request must
/// hold before anything reaches Stripe on the PaymentIntent flow.
@Suite struct PaymentIntentOrderTests {
    let t0 = Date(timeIntervalSince1970: 1_800_000_000)

    var fresh: Order {
        Order(
            id: "ord_1", amount: 1000, currency: "eur", customerEmail: "a@b.co", items: [OrderItem(name: "X", quantity: 1, unitAmount: 1000)],
            paymentMethod: .ideal, usage: .singleUse, paymentFlow: .paymentIntents, paymentIntentID: "pi_1",
            paymentIntentStatus: .requiresPaymentMethod, retryURL: "https://shop", createdAt: t0)
    }

    func intent(
        _ status: PaymentIntentStatus, charge: String? = nil, failure: String? = nil, redirect: String? = nil, id: String = "pi_1"
    ) -> OrderFact {
        .paymentIntent(id: id, status: status, latestCharge: charge, failure: failure, redirectURL: redirect)
    }

    @Test func aFailedAttemptLeavesTheOrderOpenAndIsToldOnceThenAnotherMethodPays() {
        let action = fresh.applying(intent(.requiresAction, redirect: "https://bank/1"), now: t0)
        #expect(action.order.status == .awaitingPayment && action.order.redirectURL == "https://bank/1" && action.notice == nil)
        #expect(OrderMessage(for: action.order).detail == CustomerLanguage.en.texts("order_action_detail"))

        let failed = action.order.applying(intent(.requiresPaymentMethod, charge: "ch_1", failure: "not authorised"), now: t0)
        #expect(failed.order.status == .awaitingPayment && failed.order.canPayAgain && failed.order.failedAttempt == "ch_1")
        #expect(failed.notice == .paymentFailed(reason: "the payment did not go through: not authorised", attempt: "ch_1"))
        #expect(failed.order.redirectURL == nil && failed.order.chargeStatus == .failed)
        #expect(OrderMessage(for: failed.order).title == CustomerLanguage.en.texts("order_retry_title"))

        let duplicate = failed.order.applying(intent(.requiresPaymentMethod, charge: "ch_1", failure: "not authorised"), now: t0)
        #expect(!duplicate.changed && duplicate.notice == nil, "the same failed attempt is told once")

        let second = failed.order.applying(intent(.requiresAction, redirect: "https://bank/2"), now: t0)
        #expect(!second.order.canPayAgain && second.order.status == .awaitingPayment)
        let paid = second.order.applying(intent(.succeeded, charge: "ch_2"), now: t0)
        #expect(paid.order.status == .paid && paid.notice == .confirmed && paid.order.chargeID == "ch_2")
        #expect(paid.order.failureReason == nil && paid.order.chargeStatus == .succeeded)

        let again = paid.order.applying(intent(.succeeded, charge: "ch_2"), now: t0)
        #expect(!again.changed && again.notice == nil && again.anomaly == nil)
    }

    @Test func processingIsOnItsWayAndStaleStatusesNeverUndoIt() {
        let processing = fresh.applying(intent(.processing, charge: "ch_1"), now: t0)
        #expect(processing.order.status == .chargePending && processing.order.chargeID == "ch_1" && processing.notice == nil)
        let stale = processing.order.applying(intent(.requiresConfirmation), now: t0)
        #expect(!stale.changed && stale.order.status == .chargePending)
        // The debit failed after processing (the failing IBAN): open again, told once.
        let failed = processing.order.applying(intent(.requiresPaymentMethod, charge: "ch_1", failure: "insufficient funds"), now: t0)
        #expect(failed.order.status == .awaitingPayment && failed.notice != nil && failed.order.canPayAgain)
        let settled = processing.order.applying(intent(.succeeded, charge: "ch_1"), now: t0)
        #expect(settled.order.status == .paid && settled.notice == .confirmed)
    }

    @Test func finalStatesHoldAndContradictionsAreAnomalies() {
        let canceled = fresh.applying(intent(.canceled), now: t0)
        #expect(canceled.order.status == .canceled && canceled.notice == .failed(reason: "the payment was canceled or not completed in time"))
        let lateSuccess = canceled.order.applying(intent(.succeeded, charge: "ch_9"), now: t0)
        #expect(lateSuccess.order.status == .canceled && lateSuccess.anomaly?.contains("canceled order") == true)

        let paid = fresh.applying(intent(.succeeded, charge: "ch_1"), now: t0).order
        let lateFailure = paid.applying(intent(.requiresPaymentMethod, charge: "ch_0", failure: "declined"), now: t0)
        #expect(lateFailure.order == paid && lateFailure.anomaly != nil && lateFailure.notice == nil)
        let lateCancel = paid.applying(intent(.canceled), now: t0)
        #expect(lateCancel.order.status == .paid)

        let other = fresh.applying(intent(.succeeded, charge: "ch_1", id: "pi_other"), now: t0)
        #expect(other.order.status == .awaitingPayment && other.anomaly?.contains("pi_other") == true)
    }

    @Test func theChoiceIsCheckedBeforeAnythingReachesStripe() throws {
        #expect(try OrderPaymentChoice(paymentMethod: "ideal").checkedForPaymentIntent() == .ideal)
        #expect(
            try OrderPaymentChoice(paymentMethod: "sepa_debit", iban: "DE89 3704 0044 0532 0130 00", mandateAccepted: true)
                .checkedForPaymentIntent() == .sepaDebit)
        #expect(try OrderPaymentChoice(paymentMethod: "card", paymentMethodID: "pm_card_visa").checkedForPaymentIntent() == .card)
        let refused: [(OrderPaymentChoice, String)] = [
            (OrderPaymentChoice(paymentMethod: "sofort"), "SOFORT"),
            (OrderPaymentChoice(paymentMethod: "bitcoin"), "payment_method"),
            (OrderPaymentChoice(paymentMethod: "card"), "payment_method_id"),
            (OrderPaymentChoice(paymentMethod: "card", paymentMethodID: "tok_visa"), "pm_"),
            (OrderPaymentChoice(paymentMethod: "sepa_debit", iban: "DE89370400440532013001", mandateAccepted: true), "IBAN"),
            (OrderPaymentChoice(paymentMethod: "sepa_debit", iban: "not an iban", mandateAccepted: true), "IBAN"),
            (OrderPaymentChoice(paymentMethod: "sepa_debit", iban: "DE89370400440532013000"), "mandate"),
        ]
        for (choice, reason) in refused {
            #expect(throws: OrderRequestError.self, "\(choice)") { try choice.checkedForPaymentIntent() }
            do {
                _ = try choice.checkedForPaymentIntent()
            } catch {
                #expect(error.description.contains(reason), "\(error.description)")
            }
        }
    }

    @Test func ibansAreCheckedByTheirDigits() {
        #expect(IBAN("DE89370400440532013000")?.normalized == "DE89370400440532013000")
        #expect(IBAN("de62 3704 0044 0532 0130 01")?.country == "DE")
        #expect(IBAN("NL91ABNA0417164300") != nil && IBAN("BE68539007547034") != nil)
        #expect(IBAN("NL91ABNA0417164301") == nil && IBAN("DE8937040044053201300") == nil && IBAN("XX") == nil)
    }

    @Test func anOrderStoredBeforePaymentIntentsDecodesAsTheSourcesFlow() throws {
        var legacy = try JSONSerialization.jsonObject(with: JSONEncoder().encode(fresh)) as! [String: Any]
        for key in ["payment_flow", "payment_intent_id", "payment_intent_status", "failed_attempt"] { legacy[key] = nil }
        legacy["source_id"] = "src_1"
        legacy["source_status"] = "consumed"
        let decoded = try JSONDecoder().decode(Order.self, from: JSONSerialization.data(withJSONObject: legacy))
        #expect(decoded.paymentFlow == .sources && decoded.sourceID == "src_1" && decoded.paymentIntentID == nil)
    }
}
