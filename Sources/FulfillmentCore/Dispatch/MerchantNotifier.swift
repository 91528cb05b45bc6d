import Crypto
public import Foundation
public import StripeAPI

/// Builds the notifications the merchant's endpoint gets (`MERCHANT_WEBHOOK_URL`): JSON events about the
/// service's own objects, shaped like Stripe's (`id`, `object`, `type`, `created`, `data.object`), queued as
/// dispatches on the `merchant` channel in the transaction of the change they report. Each id is derived
/// from the fact (`fev_` and a hash of the type and what identifies the fact), so the fact is queued and
/// sent under one id however many events bring it. Disabled (no URL), it builds nothing.
public struct MerchantNotifier: Sendable {
    public static let channel = "merchant"

    /// Whether notifications are queued at all.
    public var isEnabled: Bool

    public init(isEnabled: Bool) {
        self.isEnabled = isEnabled
    }

    public static let disabled = MerchantNotifier(isEnabled: false)

    /// The notification types, as the merchant's endpoint sees them.
    public enum EventType: String, Sendable, CaseIterable {
        case checkoutFulfilled = "checkout.fulfilled"
        case checkoutPaymentFailed = "checkout.payment_failed"
        case checkoutExpired = "checkout.expired"
        case checkoutRefunded = "checkout.refunded"
        case checkoutDisputed = "checkout.disputed"
        case orderPaid = "order.paid"
        case orderCanceled = "order.canceled"
        case orderRefunded = "order.refunded"
        case orderDisputed = "order.disputed"
    }

    /// The stable id of a fact: the same `type` and `fact` always give the same id.
    public static func eventID(_ type: EventType, fact: String) -> String {
        FactID.make(prefix: "fev_", type.rawValue, fact)
    }

    /// A notification about `subjectID`; `fact` tells this fact apart from others of its type about the same
    /// subject (empty when there is only one, as a session is fulfilled once). `object` is built only when
    /// notifications are on: without a merchant endpoint, a fulfilment pays nothing for them.
    public func notification(
        _ type: EventType, subjectID: String, fact: String = "", object: @autoclosure () -> JSONValue, now: Date
    ) -> [Dispatch] {
        guard isEnabled else { return [] }
        let object = object()
        let id = Self.eventID(type, fact: fact.isEmpty ? subjectID : "\(subjectID)\u{0}\(fact)")
        let event: JSONValue = [
            "id": .string(id), "object": "event", "type": .string(type.rawValue),
            "created": .int(Int(now.timeIntervalSince1970)), "data": ["object": object],
        ]
        return [Dispatch(id: id, channel: Self.channel, type: type.rawValue, subjectID: subjectID, payload: event.serializedData())]
    }

    // MARK: Checkout Sessions

    /// `checkout.fulfilled`: the session, its customer and shipping, each line with its action, quantity and
    /// outcome.
    public func fulfilled(_ record: Purchase, now: Date) -> [Dispatch] {
        notification(.checkoutFulfilled, subjectID: record.subjectID, object: Self.object(record), now: now)
    }

    public func checkoutChanged(_ type: EventType, row: PurchaseRow, now: Date) -> [Dispatch] {
        notification(type, subjectID: row.subjectID, object: Self.object(row, lines: []), now: now)
    }

    static func object(_ record: Purchase) -> JSONValue {
        object(PurchaseRow(record), lines: record.lines)
    }

    static func object(_ row: PurchaseRow, lines: [FulfilledLine]) -> JSONValue {
        var object: [String: JSONValue] = [
            "object": "checkout_session", "id": .string(row.subjectID), "status": .string(row.status.rawValue),
            "customer": ["email": row.customerEmail.map(JSONValue.string) ?? .null, "name": row.customerName.map(JSONValue.string) ?? .null],
            "amount_total": row.amountTotal.map(JSONValue.int) ?? .null, "currency": row.currency.map(JSONValue.string) ?? .null,
            "shipping": row.shipping.flatMap(Self.json) ?? .null,
            "lines": .array(lines.map(Self.object)),
        ]
        if let fulfilledAt = row.fulfilledAt { object["fulfilled_at"] = .int(Int(fulfilledAt.timeIntervalSince1970)) }
        return .object(object)
    }

    static func object(_ line: FulfilledLine) -> JSONValue {
        var object: [String: JSONValue] = [
            "line_item": .string(line.lineItemID), "description": .string(line.description), "quantity": .int(line.quantity),
            "amount_total": .int(line.amountTotal), "currency": .string(line.currency),
            "product": line.productID.map(JSONValue.string) ?? .null, "action": .string(line.action.name),
            "outcome": .string(line.outcome.kind.rawValue), "backordered": .int(line.outcome.backordered),
        ]
        if let sku = line.action.sku { object["sku"] = .string(sku) }
        switch line.outcome {
        case .accessGranted(let url): object["access_url"] = .string(url)
        case .shipped(let shipmentID, let quantity, _):
            object["shipment"] = .string(shipmentID)
            object["served"] = .int(quantity)
        case .stockTaken(let quantity, _): object["served"] = .int(quantity)
        case .queued(let effectID): object["effect"] = .string(effectID)
        case .recorded: break
        }
        return .object(object)
    }

    static func json(_ value: some Encodable) -> JSONValue? {
        (try? JSONEncoder().encode(value)).flatMap { try? JSONValue.parse($0) }
    }

    // MARK: Orders

    /// The notification an order's move calls for: `order.canceled` when it enters that status (`order.paid`
    /// comes with its fulfilment, which knows what each item came to).
    public func orderMoved(from previous: Order, to next: Order, now: Date) -> [Dispatch] {
        guard previous.status != next.status, next.status == .canceled else { return [] }
        return notification(.orderCanceled, subjectID: next.id, object: Self.object(next), now: now)
    }

    /// `order.paid`: the order and each item with its action, quantity and outcome.
    public func orderPaid(_ order: Order, record: Purchase, now: Date) -> [Dispatch] {
        guard isEnabled else { return [] }
        var object = Self.object(order).objectValue ?? [:]
        object["status"] = "paid"
        object["lines"] = .array(record.lines.map(Self.object))
        return notification(.orderPaid, subjectID: order.id, object: .object(object), now: now)
    }

    static func object(_ order: Order) -> JSONValue {
        [
            "object": "order", "id": .string(order.id), "status": .string(order.status.rawValue), "amount": .int(order.amount),
            "currency": .string(order.currency),
            "customer": ["email": .string(order.customerEmail), "name": order.customerName.map(JSONValue.string) ?? .null],
            "items": .array(
                order.items.map { ["name": .string($0.name), "quantity": .int($0.quantity), "unit_amount": .int($0.unitAmount)] }),
            "payment_method": .string(order.paymentMethod), "source": .string(order.sourceID),
            "charge": order.chargeID.map(JSONValue.string) ?? .null,
            "failure_reason": order.failureReason.map(JSONValue.string) ?? .null,
        ]
    }

    // MARK: After the payment

    /// The notifications an after-payment decision calls for: `refunded` for money newly refunded (one per
    /// refunded total), `disputed` for each new dispute status. `object` is the purchase; the change is added
    /// under `after_payment`.
    public func afterPayment(
        _ decision: AfterPaymentDecision, subjectID: String, chargeID: String, refunded: EventType, disputed: EventType,
        object: JSONValue, now: Date
    ) -> [Dispatch] {
        guard isEnabled else { return [] }
        var purchase = object.objectValue ?? [:]
        purchase["after_payment"] = [
            "charge": .string(chargeID), "charge_amount": .int(decision.chargeAmount),
            "amount_refunded": .int(decision.next.refundedAmount), "newly_refunded": .int(decision.newlyRefunded),
            "fully_refunded": .bool(decision.next.isFullyRefunded(chargeAmount: decision.chargeAmount)),
            "dispute": .string(decision.next.dispute.rawValue), "access": .string(decision.accessAfter.rawValue),
            "stock_returned": .bool(decision.next.stockReturned),
        ]
        var dispatches: [Dispatch] = []
        if decision.newlyRefunded > 0 {
            dispatches += notification(
                refunded, subjectID: subjectID, fact: "refunded:\(decision.next.refundedAmount)", object: .object(purchase), now: now)
        }
        if decision.next.dispute != decision.previous.dispute {
            dispatches += notification(
                disputed, subjectID: subjectID, fact: "dispute:\(decision.next.dispute.rawValue)", object: .object(purchase), now: now)
        }
        return dispatches
    }
}
