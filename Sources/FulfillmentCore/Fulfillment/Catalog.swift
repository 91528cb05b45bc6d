public import Foundation
public import StripeAPI

/// Chooses what fulfilling a line item means. In order: the price's metadata, the product's metadata,
/// then the catalog file's entry for the price or product id; with none of them, the payment is only
/// recorded.
///
/// Metadata keys: `fulfillment` = the name of an action in the registry (`digital`, `physical`, `stock`,
/// `none`, `notify`, or one the embedding program registered), and `sku` (the stock-keeping unit whose stock
/// a physical or stock item takes; `stock` needs one). A name that is not an action, or `stock` without a
/// sku, is never read as `none`: the catalog file refuses to load, and a line item whose metadata says so
/// stops its session's fulfilment with the reason (the event is parked for an operator, who fixes the
/// metadata and replays it).
public struct Catalog: Sendable {
    /// An entry of the catalog file.
    public struct Entry: Codable, Sendable, Hashable {
        public var fulfillment: String
        public var sku: String?

        public init(fulfillment: String, sku: String? = nil) {
            self.fulfillment = fulfillment
            self.sku = sku
        }
    }

    /// By price or product id.
    public var entries: [String: Entry]
    /// The actions names may refer to.
    public var actions: ActionRegistry

    public init(entries: [String: Entry] = [:], actions: ActionRegistry = .builtIn) {
        self.entries = entries
        self.actions = actions
    }

    /// Reads a catalog file: `{"prod_...": {"fulfillment": "physical", "sku": "MUG-1"}, "price_...": {...}}`.
    /// Every entry must name an action (and `stock` a sku): the error names the file, the entry and the name.
    public init(contentsOf url: URL, actions: ActionRegistry = .builtIn) throws {
        let entries = try JSONDecoder().decode([String: Entry].self, from: Data(contentsOf: url))
        self.actions = actions
        self.entries = [:]
        for (id, entry) in entries.sorted(by: { $0.key < $1.key }) {
            if case .failure(let problem) = action(named: entry.fulfillment, sku: entry.sku) {
                throw CatalogError(description: "catalog \(url.path): entry \"\(id)\": \(problem)")
            }
        }
        self.entries = entries
    }

    /// The action for a line item whose price (and product) are known; throws `UnknownActionError` when the
    /// metadata that decides names no action.
    public func action(for item: LineItem) throws(UnknownActionError) -> LineItemAction {
        try action(price: item.price, describing: "line item \(item.id) (\(item.description))")
    }

    /// The action for a price (its product expanded); `what` names the line in an error.
    public func action(price: Price?, describing what: String) throws(UnknownActionError) -> LineItemAction {
        let product = price?.product.expanded
        let sources: [(place: String, metadata: [String: String]?)] = [
            ("price \(price?.id ?? "-") metadata", price?.metadata),
            ("product \(price?.product.id ?? "-") metadata", product?.metadata),
            ("catalog entry \(price?.id ?? "-")", price.flatMap { entries[$0.id] }.map(Self.metadata)),
            ("catalog entry \(price?.product.id ?? "-")", price.flatMap { entries[$0.product.id] }.map(Self.metadata)),
        ]
        for case let (place, metadata?) in sources {
            guard let name = metadata["fulfillment"] else { continue }
            switch action(named: name, sku: metadata["sku"]) {
            case .success(let action): return action
            case .failure(let problem):
                throw UnknownActionError(description: "\(what): \(place): \(problem)")
            }
        }
        return .recordOnly
    }

    /// The action a name (any case) and sku make, or what is wrong with them.
    func action(named name: String, sku: String?) -> Result<LineItemAction, ActionNameProblem> {
        guard let action = actions.action(named: name) else {
            let known = actions.names.joined(separator: ", ")
            return .failure(ActionNameProblem(description: "fulfillment \"\(name.prefix(60))\" is not an action (\(known))"))
        }
        if action.needsSKU, (sku ?? "").isEmpty {
            return .failure(ActionNameProblem(description: "fulfillment \"\(action.name)\" needs a sku"))
        }
        return .success(LineItemAction(name: action.name, sku: sku))
    }

    private static func metadata(_ entry: Entry) -> [String: String] {
        var metadata = ["fulfillment": entry.fulfillment]
        if let sku = entry.sku { metadata["sku"] = sku }
        return metadata
    }
}

/// Why a `fulfillment` name and sku make no action.
struct ActionNameProblem: Error, CustomStringConvertible {
    var description: String
}

/// A catalog file that names something other than an action: the service does not start.
public struct CatalogError: Error, Sendable, CustomStringConvertible {
    public var description: String
}

/// A line item whose metadata names no action: its session is not fulfilled until the metadata is fixed
/// (no retry can help, so the event is parked at once, with this reason).
public struct UnknownActionError: NotRetryable, CustomStringConvertible {
    public var description: String
}
