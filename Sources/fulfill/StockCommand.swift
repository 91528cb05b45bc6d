import ArgumentParser
import FulfillmentCore

/// `fulfill stock set|show`: the stock a `physical` or `stock` line takes from (units that cannot be served
/// are backordered, never taken below zero).
struct StockCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "stock", abstract: "Set or show the stock of a sku.", subcommands: [Set.self, Show.self])

    struct Set: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Set a sku's stock (creating the sku if needed).")
        @OptionGroup var database: DatabaseOption
        @Argument(help: "The sku (as in the product's fulfillment metadata).") var sku: String
        @Argument(help: "Units in stock.") var quantity: Int

        func validate() throws {
            guard quantity >= 0 else { throw ValidationError("Stock is never negative.") }
            guard !sku.isEmpty, sku.count <= 200 else { throw ValidationError("A sku has 1 to 200 characters.") }
        }

        func run() async throws {
            try await database.withStore(creating: true) { try await $0.setStock(sku: sku, quantity: quantity) }
            say("\(sku): \(quantity) in stock")
        }
    }

    struct Show: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Show a sku's stock.")
        @OptionGroup var database: DatabaseOption
        @Argument(help: "The sku.") var sku: String

        func run() async throws {
            guard let level = try await database.withStore({ try await $0.stockLevel(sku: sku) }) else {
                throw ValidationError("No stock is tracked for \(sku).")
            }
            say("\(sku): \(level) in stock")
        }
    }
}
