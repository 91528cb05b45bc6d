public import Foundation

/// Units in stock per sku (never below zero; fulfilments take from it in their own transaction).
public protocol StockLevels: Sendable {
    func setStock(sku: String, quantity: Int) async throws
    func stockLevel(sku: String) async throws -> Int?
}
