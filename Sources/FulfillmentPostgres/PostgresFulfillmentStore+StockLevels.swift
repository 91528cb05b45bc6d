import Foundation
import FulfillmentCore
import PostgresNIO

extension PostgresFulfillmentStore {
    public func setStock(sku: String, quantity: Int) async throws {
        try await query(
            "INSERT INTO stock (sku, quantity) VALUES (\(sku), \(quantity)) ON CONFLICT (sku) DO UPDATE SET quantity = EXCLUDED.quantity")
    }

    public func stockLevel(sku: String) async throws -> Int? {
        var level: Int?
        for try await quantity in try await query("SELECT quantity FROM stock WHERE sku = \(sku)").decode(Int.self) { level = quantity }
        return level
    }
}
