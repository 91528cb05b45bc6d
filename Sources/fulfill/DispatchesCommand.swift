import ArgumentParser
import Foundation
import FulfillmentCore
import FulfillmentServer

/// `fulfill dispatches list|replay`: the merchant's notifications (and action effects) the service queued, and
/// putting a dead one back in the queue.
struct DispatchesCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "dispatches", abstract: "Inspect and replay merchant notifications and action effects.",
        subcommands: [List.self, Replay.self])

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List queued dispatches, oldest first.")
        @OptionGroup var database: DatabaseOption
        @Option(help: "pending, delivered or dead.") var status: String?
        @Option(help: "Only those about this Checkout Session or order id.") var subject: String?
        @Option(help: "How many.") var limit = 50

        func run() async throws {
            let filter = try parseStatus(status, of: DispatchStatus.self)
            let entries = try await database.withStore { store in
                try await store.dispatches(status: filter, subjectID: subject, limit: limit)
            }
            let formatter = ISO8601DateFormatter()
            for entry in entries {
                var line = "\(entry.dispatch.id)  \(entry.dispatch.channel)  \(entry.dispatch.type)  \(entry.dispatch.subjectID)"
                line += "  \(entry.status.rawValue)  attempts=\(entry.attempts)  queued=\(formatter.string(from: entry.createdAt))"
                if let error = entry.lastError { line += "  error=\(error.prefix(160))" }
                say(line)
            }
        }
    }

    struct Replay: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Queue a dispatch again, due at once (a running service sends it; the same id is sent again).")
        @OptionGroup var database: DatabaseOption
        @Argument(help: "The dispatch id (fev_... for a notification).") var dispatchID: String

        func run() async throws {
            guard try await database.withStore({ try await $0.replayDispatch(id: dispatchID, now: Date()) }) else {
                throw ValidationError("No dispatch \(dispatchID).")
            }
            say("\(dispatchID) queued for delivery")
        }
    }
}
