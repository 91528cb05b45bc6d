import ArgumentParser
import Foundation
import Hummingbird
import Logging
import StripeEmulator

/// `fulfill emulator`: a stateful Stripe on this machine, as `stripe listen` and stripe-mock would be together.
struct EmulatorCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "emulator",
        abstract: "Run the Stripe emulator (API under /v1, hosted pages, signed webhooks, test control under /_emulator)."
    )

    @Option(help: "Port to listen on.")
    var port = 12111

    @Option(help: "Address to bind.")
    var host = "127.0.0.1"

    @Option(name: .customLong("forward-to"), help: "Register this URL for all events and print its signing secret.")
    var forwardTo: String?

    @Option(name: .customLong("webhook-secret"), help: "Fix the forwarded endpoint's signing secret (whsec_...).")
    var webhookSecret: String?

    @Flag(name: .customLong("forward-thin"), help: "Forward as an event destination of thin events (v2.core.event), not a webhook endpoint.")
    var forwardThin = false

    @Option(name: .customLong("public-url"), help: "Base URL of hosted pages (default: the Host each client used).")
    var publicURL: String?

    @Option(name: .customLong("webhook-retry-base"), help: "Seconds before the first webhook retry (doubling after).")
    var webhookRetryBase: Double = 30

    @Option(name: .customLong("settlement-seconds"), help: "Virtual seconds before delayed payments settle.")
    var settlementSeconds = 20

    @Option(name: .customLong("log-level"), help: "trace, debug, info, notice, warning, error or critical.")
    var logLevel = "info"

    func validate() throws {
        if let webhookSecret, !webhookSecret.hasPrefix("whsec_") {
            throw ValidationError("--webhook-secret must start with whsec_.")
        }
        if forwardThin && forwardTo == nil {
            throw ValidationError("--forward-thin needs --forward-to.")
        }
        if webhookSecret != nil && forwardTo == nil {
            throw ValidationError("--webhook-secret needs --forward-to (it is the forwarded endpoint's secret).")
        }
        if let forwardTo, !(forwardTo.hasPrefix("http://") || forwardTo.hasPrefix("https://")) {
            throw ValidationError("--forward-to must be an http:// or https:// URL.")
        }
        guard (0...65535).contains(port) else { throw ValidationError("--port must be between 0 and 65535.") }
        guard webhookRetryBase > 0 else { throw ValidationError("--webhook-retry-base must be positive.") }
        guard Logger.Level(rawValue: logLevel) != nil else { throw ValidationError("Unknown --log-level \(logLevel).") }
    }

    func run() async throws {
        var logger = Logger(label: "stripe.emulator")
        logger.logLevel = Logger.Level(rawValue: logLevel) ?? .info
        let configuration = EmulatorConfiguration(
            publicBaseURL: publicURL, forwardTo: forwardTo, forwardThin: forwardThin, webhookSecret: webhookSecret,
            webhookRetryBase: .milliseconds(Int64(webhookRetryBase * 1000)), delayedSettlementSeconds: settlementSeconds)
        let emulator = await Emulator(configuration: configuration, logger: logger)
        let host = self.host
        let forwarding = emulator.forwarding
        let app = emulator.application(host: host, port: port) { channel in
            let port = channel.localAddress?.port ?? 0
            say("Stripe emulator listening on http://\(host):\(port) (use any sk_test_ key)")
            if let forwarding {
                say("Ready! Forwarding all events to \(forwarding.url)")
                say("Your webhook signing secret is \(forwarding.secret)")
            }
        }
        try await app.runService()
    }
}
