public import Foundation
public import StripeAPI

/// What Stripe says about an order's source, charge, PaymentIntent or customer (always re-fetched, never an
/// event's copy).
public enum OrderFact: Sendable, Hashable {
    /// The order's PaymentIntent as it stands: its status, its latest attempt's charge, and why the last
    /// attempt failed (when it did).
    case paymentIntent(id: String, status: PaymentIntentStatus, latestCharge: String?, failure: String?, redirectURL: String?)
    case source(id: String, status: SourceStatus, failureReason: String?)
    case charge(id: String, status: ChargeStatus, failureMessage: String?)
    /// Creating the charge was refused without a charge (an API error): the payment cannot go through.
    case chargeRefused(message: String)
    /// A reusable source was attached to this customer.
    case customer(id: String)
}

/// Whom to tell what, after a change.
public enum OrderNotice: Sendable, Hashable {
    case confirmed
    case failed(reason: String)
    /// An attempt failed; the order stays open and the customer may pay again (`attempt` names it: one email each).
    case paymentFailed(reason: String, attempt: String)
}

/// The outcome of applying a fact: the order after it, whether that differs, what to tell the customer,
/// and an anomaly for operators when the fact contradicts a final state.
public struct OrderDecision: Sendable, Hashable {
    public var order: Order
    public var changed: Bool
    public var notice: OrderNotice?
    public var anomaly: String?
    /// A short account of the decision, for the event's record and the logs.
    public var note: String
}

extension Order {
    /// The order's state machine, as a pure function. Facts may arrive in any order and any number of times:
    /// statuses only move forward, `paid` and `canceled` are final, and a fact that contradicts a final
    /// state is reported as an anomaly instead of being applied.
    public func applying(_ fact: OrderFact, now: Date) -> OrderDecision {
        var next = self
        var notice: OrderNotice?
        var anomaly: String?
        var note: String

        switch fact {
        case .customer(let customerID):
            if next.customerID == nil { next.customerID = customerID }
            note = "customer \(customerID)"

        case .source(let id, let status, let failureReason):
            guard id == sourceID else {
                return decision(
                    next, now: now, anomaly: "source \(id) is not this order's source (\(sourceID ?? "none"))", note: "source mismatch")
            }
            if status.rank > (sourceStatus?.rank ?? -1) { next.sourceStatus = status }
            note = "source \(status)"
            if status == .failed || status == .canceled {
                let reason = status == .failed
                    ? "the payment was not authorised\(failureReason.map { " (\($0))" } ?? "")"
                    : "the payment was canceled or not completed in time"
                switch self.status {
                case .awaitingPayment where chargeID == nil || chargeStatus == .failed:
                    next.cancel(reason: reason, now: now)
                    notice = .failed(reason: reason)
                    note = "source \(status): order canceled"
                case .paid:
                    anomaly = "source \(id) \(status) after the order was paid; not applied"
                    note = "source \(status) ignored: order paid"
                case .canceled:
                    note = "source \(status): order already canceled"
                case .awaitingPayment, .chargePending:
                    note = "source \(status) while charge \(chargeID ?? "-") is \(chargeStatus ?? "unknown"): the charge decides"
                }
            }

        case .charge(let id, let status, let failureMessage):
            if let known = chargeID, known != id {
                return decision(
                    next, now: now, anomaly: "a second charge \(id) for this order (first \(known)); not applied", note: "second charge")
            }
            next.chargeID = id
            if status.rank >= (chargeStatus?.rank ?? -1) { next.chargeStatus = status }
            note = "charge \(status)"
            switch (status, self.status) {
            case (.pending, .awaitingPayment):
                next.status = .chargePending
            case (.succeeded, .awaitingPayment), (.succeeded, .chargePending):
                next.status = .paid
                next.paidAt = now
                next.failureReason = nil
                notice = .confirmed
                note = "charge succeeded: order confirmed"
            case (.succeeded, .canceled):
                anomaly = "charge \(id) succeeded for a canceled order: refund it or fulfil by hand"
            case (.failed, .awaitingPayment), (.failed, .chargePending):
                let reason = "the charge failed\(failureMessage.map { ": \($0)" } ?? "")"
                next.cancel(reason: reason, now: now)
                notice = .failed(reason: reason)
                note = "charge failed: order canceled"
            case (.failed, .paid):
                anomaly = "charge \(id) reported failed after the order was paid; not applied"
            default:
                break
            }

        case .paymentIntent(let id, let status, let latestCharge, let failure, let redirectURL):
            return applyingPaymentIntent(
                id: id, status: status, latestCharge: latestCharge, failure: failure, redirectURL: redirectURL, now: now)

        case .chargeRefused(let message):
            guard self.status == .awaitingPayment else {
                return decision(next, now: now, note: "charge refusal ignored: order is \(self.status.rawValue)")
            }
            let reason = "the payment was refused: \(message)"
            next.cancel(reason: reason, now: now)
            notice = .failed(reason: reason)
            note = "charge refused: order canceled"
        }
        return decision(next, now: now, notice: notice, anomaly: anomaly, note: note)
    }

    /// A PaymentIntent's status decides: `succeeded` pays (once), `processing` is on its way, a failed attempt
    /// (`requires_payment_method` with an error) leaves the order open for another method and is told once,
    /// `canceled` cancels. A PaymentIntent moves back and forth between attempts, so its status is taken as
    /// Stripe gives it; the order's `paid` and `canceled` stay final.
    private func applyingPaymentIntent(
        id: String, status: PaymentIntentStatus, latestCharge: String?, failure: String?, redirectURL: String?, now: Date
    ) -> OrderDecision {
        guard id == paymentIntentID else {
            return decision(
                self, now: now, anomaly: "PaymentIntent \(id) is not this order's (\(paymentIntentID ?? "none"))",
                note: "PaymentIntent mismatch")
        }
        var next = self
        next.paymentIntentStatus = status
        switch (status, self.status) {
        case (_, .paid) where status != .succeeded:
            return decision(
                self, now: now, anomaly: "PaymentIntent \(id) is \(status) after the order was paid; not applied",
                note: "PaymentIntent \(status) ignored: order paid")
        case (.succeeded, .paid):
            return decision(next, now: now, note: "PaymentIntent succeeded: order already paid")
        case (.succeeded, .canceled):
            return decision(
                next, now: now, anomaly: "PaymentIntent \(id) succeeded for a canceled order: refund it or fulfil by hand",
                note: "PaymentIntent succeeded for a canceled order")
        case (.succeeded, _):
            next.status = .paid
            next.paidAt = now
            next.chargeID = latestCharge ?? chargeID
            next.chargeStatus = .succeeded
            next.failureReason = nil
            next.redirectURL = nil
            return decision(next, now: now, notice: .confirmed, note: "PaymentIntent succeeded: order confirmed")
        case (_, .canceled):
            return decision(next, now: now, note: "PaymentIntent \(status): order already canceled")
        case (.canceled, _):
            let reason = "the payment was canceled or not completed in time"
            next.cancel(reason: reason, now: now)
            next.redirectURL = nil
            return decision(next, now: now, notice: .failed(reason: reason), note: "PaymentIntent canceled: order canceled")
        case (.processing, _):
            next.status = .chargePending
            next.chargeID = latestCharge ?? chargeID
            next.chargeStatus = .pending
            next.redirectURL = nil
            return decision(next, now: now, note: "PaymentIntent processing: payment on its way")
        case (.requiresPaymentMethod, _) where failure != nil:
            let reason = "the payment did not go through: \(failure ?? "")"
            let attempt = latestCharge ?? "\(id):\(failure ?? "")"
            next.status = .awaitingPayment
            next.failureReason = reason
            next.redirectURL = nil
            if let latestCharge {
                next.chargeID = latestCharge
                next.chargeStatus = .failed
            }
            guard failedAttempt != attempt else { return decision(next, now: now, note: "attempt \(attempt) failed: already told") }
            next.failedAttempt = attempt
            return decision(
                next, now: now, notice: .paymentFailed(reason: reason, attempt: attempt),
                note: "attempt \(attempt) failed: order open for another payment")
        default:
            // Waiting for a method, a confirmation or the customer's action: the order awaits payment.
            if self.status == .chargePending {
                return decision(self, now: now, note: "PaymentIntent \(status) while the payment is on its way: stale, not applied")
            }
            next.status = .awaitingPayment
            if let redirectURL { next.redirectURL = redirectURL }
            return decision(next, now: now, note: "PaymentIntent \(status)")
        }
    }

    private func decision(
        _ next: Order, now: Date, notice: OrderNotice? = nil, anomaly: String? = nil, note: String
    ) -> OrderDecision {
        var next = next
        let changed = next != self
        if changed {
            next.version = version + 1
            next.updatedAt = now
        }
        return OrderDecision(order: next, changed: changed, notice: notice, anomaly: anomaly, note: note)
    }

    private mutating func cancel(reason: String, now: Date) {
        status = .canceled
        failureReason = reason
        canceledAt = now
    }
}

extension SourceStatus {
    /// pending < chargeable < consumed | failed | canceled: a late `chargeable` never hides a `consumed`.
    var rank: Int {
        switch self {
        case .pending: 0
        case .chargeable: 1
        default: 2
        }
    }
}

extension ChargeStatus {
    /// pending < succeeded | failed.
    var rank: Int { self == .pending ? 0 : 1 }
}
