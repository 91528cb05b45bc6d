import Crypto
public import Foundation
public import StripeAPI

/// The effect of a registered action for one paid line, as its handler gets it: queued with the ledger when
/// the purchase was fulfilled, delivered at least once (again after a failure, or after a crash between the
/// ledger's commit and the effect), always with the same `idempotencyKey`. A handler that keys its effect on
/// it (an idempotency key at a carrier, a unique constraint in its own database) takes effect once.
public struct ActionEffect: Sendable, Hashable, Codable {
    public var idempotencyKey: String
    public var action: String
    /// The Checkout Session or order.
    public var subjectID: String
    public var lineItemID: String
    public var description: String
    public var quantity: Int
    public var amountTotal: Int
    public var currency: String
    public var productID: String?
    public var sku: String?
    public var customerEmail: String?
    public var customerName: String?
    public var shipping: ShippingDetails?
    /// What the action's planning step decided, for its handler.
    public var plan: JSONValue
    /// For a subscription's renewal: the invoice whose period this effect delivers (one effect per period).
    public var invoice: String?

    enum CodingKeys: String, CodingKey {
        case idempotencyKey = "idempotency_key"
        case action
        case subjectID = "subject_id"
        case lineItemID = "line_item_id"
        case description, quantity
        case amountTotal = "amount_total"
        case currency
        case productID = "product_id"
        case sku
        case customerEmail = "customer_email"
        case customerName = "customer_name"
        case shipping, plan, invoice
    }

    /// The stable key of `action`'s effect for one line of one purchase.
    public static func key(action: String, subjectID: String, lineItemID: String, period: String? = nil) -> String {
        guard let period else { return FactID.make(prefix: "act_", action, subjectID, lineItemID) }
        return FactID.make(prefix: "act_", action, subjectID, lineItemID, period)
    }

    /// The dispatch channel of `action`'s effects.
    public static func channel(action: String) -> String { "action.\(action)" }
}

/// Performs a registered action's effects (ships with the merchant's carrier, provisions an account, ...).
/// Throwing retries the effect later with the same key; after the dispatch retry window it is parked dead.
public protocol ActionEffectHandler: Sendable {
    func perform(_ effect: ActionEffect, attempt: Int) async throws
}

/// An action an embedding program registers: its planning step runs in the ledger transaction (pure: it sees
/// the line and the purchase and returns what the effect needs), and its effect is queued with the ledger and
/// handed to `ActionEffectHandler` by the dispatch worker.
public struct RegisteredAction: FulfillmentAction {
    public let name: String
    public let needsSKU: Bool
    let plan: @Sendable (_ line: PlannedLine, _ context: ActionContext) -> JSONValue

    public init(
        name: String, needsSKU: Bool = false,
        plan: @escaping @Sendable (_ line: PlannedLine, _ context: ActionContext) -> JSONValue = { _, _ in .null }
    ) {
        self.name = name.lowercased()
        self.needsSKU = needsSKU
        self.plan = plan
    }

    public func perform(_ line: PlannedLine, in context: ActionContext) -> ActionResult {
        let purchase = context.plan
        let key = ActionEffect.key(action: name, subjectID: purchase.subjectID, lineItemID: line.lineItemID, period: context.period)
        var effect = ActionEffect(
            idempotencyKey: key, action: name, subjectID: purchase.subjectID, lineItemID: line.lineItemID,
            description: line.description, quantity: line.quantity, amountTotal: line.amountTotal, currency: line.currency,
            productID: line.productID, sku: line.action.sku, customerEmail: purchase.customerEmail,
            customerName: purchase.customerName, shipping: purchase.shipping, plan: plan(line, context))
        effect.invoice = context.period
        let payload = (try? JSONEncoder().encode(effect)) ?? Data()
        return ActionResult(
            outcome: .queued(effectID: key),
            effects: [
                Dispatch(
                    id: key, channel: ActionEffect.channel(action: name), type: name, subjectID: purchase.subjectID,
                    payload: payload)
            ])
    }
}

/// Hands a dispatched effect to its action's handler.
struct ActionEffectDispatcher: DispatchHandler {
    let handler: any ActionEffectHandler

    func deliver(_ dispatch: QueuedDispatch) async throws {
        let effect = try JSONDecoder().decode(ActionEffect.self, from: dispatch.dispatch.payload)
        try await handler.perform(effect, attempt: dispatch.attempts)
    }
}
