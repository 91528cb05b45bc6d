import ArgumentParser
import FulfillmentCore

/// `fulfill migrate`: brings the database's schema up to date and exits. `fulfill serve` does the same at
/// start (on PostgreSQL under an advisory lock, so instances starting together take turns); this lets a
/// deployment migrate once, before it starts or replaces instances.
struct MigrateCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "migrate", abstract: "Create or update the database schema, then exit.")

    @OptionGroup var database: DatabaseOption

    func run() async throws {
        try await database.withStore(creating: true) { store in
            let counts = try await store.eventCounts()
            say("schema up to date; \(counts.values.reduce(0, +)) events stored")
        }
    }
}
