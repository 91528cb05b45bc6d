import ArgumentParser
import Foundation
import FulfillmentCore
import FulfillmentServer

/// `fulfill emails list|replay`: the customers' emails the service queued, and putting a dead one (its retry
/// window passed, the mail server still refusing) back in the queue. The same shape as `fulfill dispatches`.
struct EmailsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "emails", abstract: "Inspect and replay customers' emails.", subcommands: [List.self, Replay.self])

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List queued emails, oldest first.")
        @OptionGroup var database: DatabaseOption
        @Option(help: "pending, sent or dead.") var status: String?
        @Option(help: "How many.") var limit = 50

        func run() async throws {
            let filter = try parseStatus(status, of: EmailStatus.self)
            let entries = try await database.withStore { store in try await store.emails(status: filter, limit: limit) }
            let formatter = ISO8601DateFormatter()
            for entry in entries {
                var line = "\(entry.id)  \(entry.email.dedupeKey)  \(entry.email.recipient)  \(entry.status.rawValue)"
                line += "  attempts=\(entry.attempts)  queued=\(formatter.string(from: entry.createdAt))"
                if let sentAt = entry.sentAt { line += "  sent=\(formatter.string(from: sentAt))" }
                if let error = entry.lastError { line += "  error=\(error.prefix(160))" }
                say(line)
            }
        }
    }

    struct Replay: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Queue a dead email again, due at once (a running service sends it; a sent email is never sent again).")
        @OptionGroup var database: DatabaseOption
        @Argument(help: "The email's id (the first column of `fulfill emails list`).") var emailID: Int64

        func run() async throws {
            guard try await database.withStore({ try await $0.replayEmail(id: emailID, now: Date()) }) else {
                throw ValidationError("No dead email \(emailID).")
            }
            say("email \(emailID) queued for sending")
        }
    }
}
