import Foundation
import FulfillmentCore
import GRDB

extension SQLiteFulfillmentStore {
    public func setStock(sku: String, quantity: Int) async throws {
        try await writer.write { db in
            try db.run("INSERT INTO stock (sku, quantity) VALUES (?, ?) ON CONFLICT (sku) DO UPDATE SET quantity = excluded.quantity", [sku, quantity])
        }
    }

    public func stockLevel(sku: String) async throws -> Int? {
        try await read { db in try Int.fetchOne(db.cachedStatement(sql: "SELECT quantity FROM stock WHERE sku = ?"), arguments: [sku]) }
    }
}
