public import Foundation
public import StripeAPI

/// Chooses what fulfilling a line item means. In order: the price's metadata, the product's metadata,
/// then the catalog file's entry for the price or product id; otherwise the payment is only recorded.
///
/// Metadata keys: `fulfillment` = `digital` | `physical` | `stock` | `none`, and `sku` (the stock-keeping
/// unit whose stock a physical or stock item takes).
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

    public init(entries: [String: Entry] = [:]) {
        self.entries = entries
    }

    /// Reads a catalog file: `{"prod_...": {"fulfillment": "physical", "sku": "MUG-1"}, "price_...": {...}}`.
    public init(contentsOf url: URL) throws {
        entries = try JSONDecoder().decode([String: Entry].self, from: Data(contentsOf: url))
    }

    /// The action for a line item whose price (and product) are known.
    public func action(for item: LineItem) -> LineItemAction {
        let price = item.price
        let product = price?.product.expanded
        let sources: [[String: String]?] = [
            price?.metadata, product?.metadata,
            price.flatMap { entries[$0.id] }.map(Self.metadata), price.flatMap { entries[$0.product.id] }.map(Self.metadata),
        ]
        for case let metadata? in sources {
            if let name = metadata["fulfillment"]?.lowercased() {
                return LineItemAction(kind: LineItemAction.Kind(rawValue: name) ?? .none, sku: metadata["sku"])
            }
        }
        return .recordOnly
    }

    private static func metadata(_ entry: Entry) -> [String: String] {
        var metadata = ["fulfillment": entry.fulfillment]
        if let sku = entry.sku { metadata["sku"] = sku }
        return metadata
    }
}
