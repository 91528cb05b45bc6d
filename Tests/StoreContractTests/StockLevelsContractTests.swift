import Foundation
import FulfillmentCore
import StripeAPI
import TestSupport
import Testing

/// Stock, on every store: never below zero, what is missing recorded as a backorder.
@Suite struct StockLevelsContractTests: StoreContract {
    @Test(arguments: TestStores.kinds)
    func neverTakesStockBelowZeroAndRecordsTheBackorder(kind: String) async throws {
        try await TestStores.with(kind) { store async throws in
            try await store.setStock(sku: "MUG", quantity: 2)
            try await store.setStock(sku: "SEAT", quantity: 0)
            let result = try await store.commitFulfillment(plan(lines: [line("li_1", .ship(sku: "MUG"), quantity: 5), line("li_2", .takeStock(sku: "SEAT"), quantity: 1)]))
            guard case .committed(let record) = result else { Issue.record("commit"); return }
            #expect(record.lines[0].outcome == .shipped(shipmentID: { if case .shipped(let id, _, _) = record.lines[0].outcome { id } else { "" } }(), quantity: 2, backordered: 3))
            #expect(record.lines[1].outcome == .stockTaken(quantity: 0, backordered: 1))
            #expect(try await store.stockLevel(sku: "MUG") == 0)
            #expect(try await store.stockLevel(sku: "SEAT") == 0)
        }
    }
}
