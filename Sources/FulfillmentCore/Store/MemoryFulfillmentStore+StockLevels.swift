public import Foundation

extension MemoryFulfillmentStore {
    public func setStock(sku: String, quantity: Int) async throws {
        precondition(quantity >= 0, "stock is never negative")
        stock[sku] = quantity
    }

    public func stockLevel(sku: String) async throws -> Int? { stock[sku] }
}
