public import Foundation

/// An action a line item's `fulfillment` names. `perform` is the planning step: pure, run inside the ledger
/// transaction with the stock the store read, it decides the line's outcome, the stock it takes and the
/// effects to queue with the ledger (delivered afterwards, at least once, by the dispatch worker).
public protocol FulfillmentAction: Sendable {
    /// The name metadata and catalog entries use (lowercase).
    var name: String { get }
    /// Whether the action needs a `sku` (it takes stock): a name without one is refused like an unknown name.
    var needsSKU: Bool { get }
    func perform(_ line: PlannedLine, in context: ActionContext) -> ActionResult
}

/// What an action's planning step sees besides its line.
public struct ActionContext: Sendable {
    /// The purchase being fulfilled (its customer, shipping, currency).
    public var plan: FulfillmentPlan
    /// Units in stock for the line's sku (`nil`: the sku is not tracked, or there is none).
    public var available: Int?
    /// A fresh random token (entitlements, shipment ids).
    public var token: String
    /// The period a subscription's renewal delivers, by its invoice (`in_...`): an effect per period. Nil for a
    /// purchase's one fulfilment.
    public var period: String?

    public init(plan: FulfillmentPlan, available: Int?, token: String, period: String? = nil) {
        self.plan = plan
        self.available = available
        self.token = token
        self.period = period
    }
}

/// What performing a line comes to.
public struct ActionResult: Sendable {
    public var outcome: LineOutcome
    /// Units taken from the sku's stock (only when it is tracked).
    public var stockTaken: Int
    /// Dispatches to queue in the ledger transaction (a registered action's effect).
    public var effects: [Dispatch]

    public init(outcome: LineOutcome, stockTaken: Int = 0, effects: [Dispatch] = []) {
        self.outcome = outcome
        self.stockTaken = stockTaken
        self.effects = effects
    }
}
