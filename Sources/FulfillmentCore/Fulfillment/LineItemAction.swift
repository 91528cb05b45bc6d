/// What fulfilling one line item means, chosen per product (price metadata, then product metadata, then the
/// catalog file).
public enum LineItemAction: Sendable, Hashable {
    /// Grant digital access: an entitlement for the customer with an access link.
    case grantAccess
    /// Ship a physical good to the session's shipping address; with a `sku` that has stock, stock is taken
    /// (never below zero: what cannot be served is backordered).
    case ship(sku: String?)
    /// Take stock only (a ticket, a seat): what cannot be served is backordered.
    case takeStock(sku: String)
    /// Record the payment only.
    case recordOnly

    /// An action's kind, as metadata names it and as every store keeps it (`checkout_lines.action`).
    public enum Kind: String, Sendable, Hashable, Codable, CaseIterable {
        case digital, physical, stock, none
    }

    public var kind: Kind {
        switch self {
        case .grantAccess: .digital
        case .ship: .physical
        case .takeStock: .stock
        case .recordOnly: .none
        }
    }

    public var sku: String? {
        switch self {
        case .ship(let sku): sku
        case .takeStock(let sku): sku
        case .grantAccess, .recordOnly: nil
        }
    }

    /// Rebuilds an action from its kind and sku (a `stock` action without a sku only records the payment).
    public init(kind: Kind, sku: String?) {
        switch kind {
        case .digital: self = .grantAccess
        case .physical: self = .ship(sku: sku)
        case .stock: self = sku.map { .takeStock(sku: $0) } ?? .recordOnly
        case .none: self = .recordOnly
        }
    }
}

/// What was done for one line item.
public enum LineOutcome: Sendable, Hashable {
    /// Access granted; the customer's link.
    case accessGranted(accessURL: String)
    /// Shipped `quantity`; `backordered` could not be served from stock.
    case shipped(shipmentID: String, quantity: Int, backordered: Int)
    /// Stock taken for `quantity`; `backordered` could not be served.
    case stockTaken(quantity: Int, backordered: Int)
    /// Nothing to perform beyond recording the payment.
    case recorded

    /// An outcome's kind, as every store keeps it (`checkout_lines.outcome`).
    public enum Kind: String, Sendable, Hashable, Codable, CaseIterable {
        case accessGranted = "access_granted"
        case shipped
        case stockTaken = "stock_taken"
        case recorded
    }

    public var kind: Kind {
        switch self {
        case .accessGranted: .accessGranted
        case .shipped: .shipped
        case .stockTaken: .stockTaken
        case .recorded: .recorded
        }
    }

    /// Units that could not be served (reported to the customer and to operators).
    public var backordered: Int {
        switch self {
        case .shipped(_, _, let backordered), .stockTaken(_, let backordered): backordered
        case .accessGranted, .recorded: 0
        }
    }
}
