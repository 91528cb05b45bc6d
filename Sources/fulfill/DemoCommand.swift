import ArgumentParser
import Foundation
import FulfillmentServer
import Hummingbird
import Logging
import ServiceLifecycle
import UnixSignals
import StripeEmulator

/// `fulfill demo`: the emulator, the service (SQLite file, email folder) and a small store, in one process.
struct DemoCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "demo", abstract: "Run a demo store: emulator + service + store page, all on this machine.")

    @Option(help: "Port of the store and the service.")
    var port = 4242

    @Option(name: .customLong("emulator-port"), help: "Port of the Stripe emulator.")
    var emulatorPort = 12111

    @Option(help: "Folder for the demo's SQLite database and emails (emptied at start).")
    var data = "demo-data"

    @Option(name: .customLong("settlement-seconds"), help: "Seconds before a bank debit settles in the demo.")
    var settlementSeconds = 20

    @Option(name: .customLong("log-level"), help: "trace, debug, info, notice, warning, error.")
    var logLevel = "notice"

    @Option(name: .customLong("admin-password"), help: "Opens the operator console at /admin with this password (env ADMIN_PASSWORD).")
    var adminPassword: String?

    func run() async throws {
        guard let level = Logger.Level(rawValue: logLevel) else { throw ValidationError("Unknown log level \(logLevel).") }
        var logger = Logger(label: "demo")
        logger.logLevel = level
        let folder = URL(fileURLWithPath: data)
        try? FileManager.default.removeItem(at: folder)
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)

        let secret = "whsec_demo_" + UUID().uuidString.replacingOccurrences(of: "-", with: "").lowercased()
        let serviceURL = "http://127.0.0.1:\(port)"
        let emulator = await Emulator(
            configuration: EmulatorConfiguration(
                forwardTo: serviceURL + "/webhook", webhookSecret: secret, webhookRetryBase: .seconds(5),
                delayedSettlementSeconds: settlementSeconds),
            logger: logger)
        var configuration = ServiceConfiguration(
            stripeSecretKey: "sk_test_demo", stripeAPIBase: "http://127.0.0.1:\(emulatorPort)", webhookSecrets: [secret],
            database: .sqlite(path: folder.appendingPathComponent("fulfillment.sqlite").path), port: port,
            email: .folder(path: folder.appendingPathComponent("emails").path), workerPollInterval: .seconds(1))
        configuration.adminPassword = adminPassword ?? ProcessInfo.processInfo.environment["ADMIN_PASSWORD"].flatMap { $0.isEmpty ? nil : $0 }
        let service = try await FulfillmentService(configuration: configuration, logger: logger)
        let emulatorApp = emulator.application(port: emulatorPort)
        let store = DemoStore(service: service)
        let (ready, readySink) = AsyncStream<Void>.makeStream()
        let serviceApp = try service.application(
            extraRoutes: { store.register(on: $0) }, onServerRunning: { _ in readySink.yield() })
        try await withThrowingTaskGroup(of: Void.self) { group in
            let services = ServiceGroup(
                services: [emulatorApp, serviceApp], gracefulShutdownSignals: [.sigterm, .sigint], logger: logger)
            group.addTask { try await services.run() }
            for await _ in ready { break }
            _ = try await store.products()
            say("Demo store:      \(serviceURL)/")
            say("Stripe emulator: http://127.0.0.1:\(emulatorPort) (its hosted pages open from the store)")
            say("Data:            \(folder.path) (SQLite database, emails as .eml files)")
            if configuration.adminPassword != nil { say("Operator console: \(serviceURL)/admin") }
            say("Press Ctrl-C to stop.")
            try await group.waitForAll()
        }
    }
}

