import ArgumentParser
import Foundation
import FulfillmentCore
import FulfillmentServer
import FulfillmentSQLite

/// `fulfill events list|replay`: what the inbox holds, and putting a parked event back in the queue.
struct EventsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "events", abstract: "Inspect and replay stored webhook events.", subcommands: [List.self, Replay.self])

    struct Database: ParsableArguments {
        @Option(name: .customLong("database-url"), help: "sqlite:PATH (env DATABASE_URL, default sqlite:fulfillment.sqlite).")
        var databaseURL: String?

        func open() throws -> any FulfillmentStore {
            let url = databaseURL ?? ProcessInfo.processInfo.environment["DATABASE_URL"] ?? "sqlite:fulfillment.sqlite"
            switch try ServiceConfiguration.Database(url: url) {
            case .sqlite(let path, _):
                guard FileManager.default.fileExists(atPath: path) else { throw ValidationError("No database at \(path).") }
                return try SQLiteFulfillmentStore(path: path)
            case .memory: throw ValidationError("An in-memory database cannot be inspected from another process.")
            }
        }
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List stored events, newest first.")
        @OptionGroup var database: Database
        @Option(help: "pending, processed, ignored, dead or orphaned.") var status: String?
        @Option(help: "How many.") var limit = 50

        func run() async throws {
            let filter = try status.map { name -> InboxEventStatus in
                guard let status = InboxEventStatus(rawValue: name) else { throw ValidationError("Unknown status \(name).") }
                return status
            }
            let store = try database.open()
            let events = try await store.listEvents(status: filter, limit: limit)
            let counts = try await store.eventCounts()
            say(InboxEventStatus.allCases.map { "\($0.rawValue)=\(counts[$0] ?? 0)" }.joined(separator: "  "))
            let formatter = ISO8601DateFormatter()
            for event in events {
                var line = "\(event.id)  \(event.type)  \(event.status.rawValue)  attempts=\(event.attempts)  received=\(formatter.string(from: event.receivedAt))"
                if let object = event.objectID { line += "  object=\(object)" }
                if let note = event.lastError { line += "  note=\(note.prefix(160))" }
                say(line)
            }
        }
    }

    struct Replay: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Queue a stored event again (a running service picks it up).")
        @OptionGroup var database: Database
        @Argument(help: "The event id (evt_...).") var eventID: String

        func run() async throws {
            guard try await database.open().replayEvent(id: eventID, now: Date()) else {
                throw ValidationError("No stored event \(eventID).")
            }
            say("\(eventID) queued for processing")
        }
    }
}
