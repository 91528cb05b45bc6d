import ArgumentParser
import Foundation
import FulfillmentCore
import FulfillmentServer

/// `fulfill events list|replay`: what the inbox holds, and putting a parked event back in the queue.
struct EventsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "events", abstract: "Inspect, replay and prune stored webhook events.",
        subcommands: [List.self, Replay.self, PruneCommand.self])

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List stored events, newest first.")
        @OptionGroup var database: DatabaseOption
        @Option(help: "pending, processed, ignored, dead or orphaned.") var status: String?
        @Option(help: "How many.") var limit = 50

        func run() async throws {
            let filter = try parseStatus(status, of: InboxEventStatus.self)
            let (events, counts) = try await database.withStore { store in
                (try await store.listEvents(status: filter, limit: limit), try await store.eventCounts())
            }
            say(InboxEventStatus.allCases.map { "\($0.rawValue)=\(counts[$0] ?? 0)" }.joined(separator: "  "))
            let formatter = ISO8601DateFormatter()
            for event in events {
                var line = "\(event.id)  \(event.type)  \(event.status.rawValue)  attempts=\(event.attempts)  received=\(formatter.string(from: event.receivedAt))"
                if let object = event.objectID { line += "  object=\(object)" }
                if event.origin == .reconciler { line += "  recovered" }
                if let note = event.lastError { line += "  note=\(note.prefix(160))" }
                say(line)
            }
        }
    }

    struct Replay: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Queue a stored event again (a running service picks it up).")
        @OptionGroup var database: DatabaseOption
        @Argument(help: "The event id (evt_...).") var eventID: String

        func run() async throws {
            guard try await database.withStore({ try await $0.replayEvent(id: eventID, now: Date()) }) else {
                throw ValidationError("No stored event \(eventID).")
            }
            say("\(eventID) queued for processing")
        }
    }
}
