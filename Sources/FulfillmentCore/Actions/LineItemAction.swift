/// What fulfilling one line item means: the name of an action in the `ActionRegistry` (as metadata, the
/// catalog and every store keep it) and the sku whose stock it takes. Names are data: the built-ins
/// (`digital`, `physical`, `stock`, `none`, `notify`) and whatever an embedding program registers.
public struct LineItemAction: Sendable, Hashable, Codable {
    public var name: String
    public var sku: String?

    public init(name: String, sku: String? = nil) {
        self.name = name
        self.sku = sku
    }

    /// Grant digital access: an entitlement with an access link.
    public static let grantAccess = LineItemAction(name: BuiltInActions.digital)
    /// Ship a physical good; with a tracked sku, stock is taken (what cannot be served is backordered).
    public static func ship(sku: String?) -> LineItemAction { LineItemAction(name: BuiltInActions.physical, sku: sku) }
    /// Take stock only (a ticket, a seat): what cannot be served is backordered.
    public static func takeStock(sku: String) -> LineItemAction { LineItemAction(name: BuiltInActions.stock, sku: sku) }
    /// Record the payment only.
    public static let recordOnly = LineItemAction(name: BuiltInActions.none)
    /// Record the payment; the merchant's notification (`checkout.fulfilled`) is the whole fulfilment.
    public static let notify = LineItemAction(name: BuiltInActions.notify)
}

/// What was done for one line item.
public enum LineOutcome: Sendable, Hashable {
    /// Access granted; the customer's link.
    case accessGranted(accessURL: String)
    /// Shipped `quantity`; `backordered` could not be served from stock.
    case shipped(shipmentID: String, quantity: Int, backordered: Int)
    /// Stock taken for `quantity`; `backordered` could not be served.
    case stockTaken(quantity: Int, backordered: Int)
    /// Nothing to perform beyond recording the payment (and notifying the merchant).
    case recorded
    /// Handed to a registered action's effect handler, under this idempotency key (delivered at least once by
    /// the dispatch worker).
    case queued(effectID: String)

    /// An outcome's kind, as every store keeps it (`checkout_lines.outcome`).
    public enum Kind: String, Sendable, Hashable, Codable, CaseIterable {
        case accessGranted = "access_granted"
        case shipped
        case stockTaken = "stock_taken"
        case recorded
        case queued
    }

    public var kind: Kind {
        switch self {
        case .accessGranted: .accessGranted
        case .shipped: .shipped
        case .stockTaken: .stockTaken
        case .recorded: .recorded
        case .queued: .queued
        }
    }

    /// Units that could not be served (reported to the customer and to operators).
    public var backordered: Int {
        switch self {
        case .shipped(_, _, let backordered), .stockTaken(_, let backordered): backordered
        case .accessGranted, .recorded, .queued: 0
        }
    }

    /// Units served from stock (what a full refund gives back).
    public var servedFromStock: Int {
        switch self {
        case .shipped(_, let quantity, _), .stockTaken(let quantity, _): quantity
        case .accessGranted, .recorded, .queued: 0
        }
    }
}
