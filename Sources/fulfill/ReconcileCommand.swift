import ArgumentParser
import Foundation
import FulfillmentCore
import FulfillmentServer
import StripeAPI

/// `fulfill reconcile`: one reconciliation pass now, with the service's settings: the events Stripe lists that
/// the inbox lacks go into it (a running service's workers handle them), and paid sessions the ledger does not
/// show fulfilled are fulfilled here. Shows its progress and says what it recovered.
struct ReconcileCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "reconcile",
        abstract: "Recover events and paid sessions that webhooks missed (Stripe keeps 30 days).",
        discussion: "Uses the same settings as serve (STRIPE_SECRET_KEY, DATABASE_URL, ...); no webhook secret is needed.")

    @OptionGroup var options: ServiceOptions

    @Option(help: "Look this far back instead of from the stored watermark, e.g. 3d (at most 30d).")
    var since: String?

    @Flag(name: .customLong("dry-run"), help: "Report what would be recovered; change nothing.")
    var dryRun = false

    func run() async throws {
        let environment = ProcessInfo.processInfo.environment
        let configuration = try await options.configuration(environment: environment, requiresWebhookSecret: false)
        let logger = try options.logger(environment: environment)
        let from = try since.map { text -> Date in
            guard let duration = try DurationSetting.parse(text, setting: "--since") else { throw ValidationError("--since needs a duration.") }
            return configuration.now().addingTimeInterval(-duration.seconds)
        }
        let service = try await FulfillmentService(configuration: configuration, logger: logger)
        let reconciler = service.reconciler(holder: "fulfill reconcile (\(ProcessInfo.processInfo.hostName):\(ProcessInfo.processInfo.processIdentifier))")
        let terminal = isatty(STDOUT_FILENO) == 1
        let summary = try await service.store.whileRunning(logger: logger) {
            try await reconciler.run(since: from, dryRun: dryRun, onProgress: { progress in
                let line = "events: \(progress.eventPages) pages, \(progress.eventsFound) found, \(progress.eventsRecovered) "
                    + "\(dryRun ? "missing" : "recovered"); paid sessions: \(progress.sessionsChecked) checked, "
                    + "\(progress.sessionsFulfilled) \(dryRun ? "unfulfilled" : "fulfilled")"
                if terminal {
                    FileHandle.standardOutput.write(Data(("\r\u{1B}[2K" + line).utf8))
                } else {
                    say(line)
                }
            })
        }
        if terminal { say("") }
        say("from \(ISO8601DateFormatter().string(from: summary.from)): \(summary.line)\(dryRun ? " (dry run: nothing changed)" : "")")
        for event in summary.recovered { say("  \(dryRun ? "missing" : "recovered") \(event.id)  \(event.type)") }
        for session in summary.fulfilledSessions { say("  \(dryRun ? "unfulfilled" : "fulfilled") \(session)") }
        if !dryRun, !summary.recovered.isEmpty {
            say("Recovered events wait in the inbox for the service's workers (fulfill events list --status pending).")
        }
    }
}

/// `fulfill events prune`: what `RETENTION` does in the service, now.
struct PruneCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "prune",
        abstract: "Drop the payloads of events handled before a given age; their ids keep deduplicating.",
        discussion: "Rows of events handled more than 35 days ago (beyond Stripe's reach) are deleted too. Dead and orphaned events are kept.")

    @OptionGroup var database: DatabaseOption

    @Option(name: .customLong("older-than"), help: "An age, e.g. 30d or 12h.")
    var olderThan: String

    func run() async throws {
        guard let age = try DurationSetting.parse(olderThan, setting: "--older-than") else { throw ValidationError("--older-than needs a duration.") }
        let now = Date()
        let result = try await database.withStore { store in
            try await store.pruneEvents(
                payloadsBefore: now.addingTimeInterval(-age.seconds),
                rowsBefore: now.addingTimeInterval(-max(age.seconds, 35 * 24 * 3600)))
        }
        say("payloads dropped: \(result.payloadsDropped); rows deleted: \(result.rowsDeleted)")
    }
}
