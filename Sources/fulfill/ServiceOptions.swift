import ArgumentParser
import Foundation
import FulfillmentServer
import Logging

/// The service's settings as flags; each falls back to its environment variable, then to the default.
struct ServiceOptions: ParsableArguments {
    @Option(name: .customLong("stripe-secret-key"), help: "Stripe secret key (env STRIPE_SECRET_KEY).")
    var stripeSecretKey: String?

    @Option(name: .customLong("stripe-api-base"), help: "Stripe API base (env STRIPE_API_BASE, default https://api.stripe.com).")
    var stripeAPIBase: String?

    @Option(name: .customLong("webhook-secret"), help: "Webhook signing secret(s), comma-separated (env STRIPE_WEBHOOK_SECRET).")
    var webhookSecret: String?

    @Option(name: .customLong("database-url"), help: "sqlite:PATH[?synchronous=normal] (env DATABASE_URL, default sqlite:fulfillment.sqlite).")
    var databaseURL: String?

    @Option(help: "Port to listen on (env PORT, default 4242).")
    var port: Int?

    @Option(help: "Address to bind (env HOST, default 127.0.0.1).")
    var host: String?

    @Option(name: .customLong("public-url"), help: "How customers reach the service (env PUBLIC_URL, default http://HOST:PORT).")
    var publicURL: String?

    @Option(name: .customLong("email-url"), help: "folder:PATH or smtp://HOST:PORT (env EMAIL_URL, default folder:outbox).")
    var emailURL: String?

    @Option(name: .customLong("email-from"), help: "Sender of customer emails (env EMAIL_FROM).")
    var emailFrom: String?

    @Option(help: "Catalog file: product or price id -> fulfillment (env CATALOG_PATH).")
    var catalog: String?

    @Option(name: .customLong("log-level"), help: "trace, debug, info, notice, warning, error (env LOG_LEVEL, default info).")
    var logLevel: String?

    /// The configuration, from flags, then `environment`, then defaults.
    func configuration(environment: [String: String], defaults: ServiceConfiguration? = nil) throws -> ServiceConfiguration {
        func setting(_ flag: String?, _ key: String) -> String? {
            flag ?? environment[key].flatMap { $0.isEmpty ? nil : $0 }
        }
        guard let key = setting(stripeSecretKey, "STRIPE_SECRET_KEY") ?? defaults?.stripeSecretKey else {
            throw ValidationError("Set STRIPE_SECRET_KEY (or --stripe-secret-key).")
        }
        let secrets = setting(webhookSecret, "STRIPE_WEBHOOK_SECRET").map {
            $0.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
        } ?? defaults?.webhookSecrets ?? []
        guard !secrets.isEmpty else { throw ValidationError("Set STRIPE_WEBHOOK_SECRET (or --webhook-secret).") }
        let host = setting(host, "HOST") ?? defaults?.host ?? "127.0.0.1"
        let portText = port.map(String.init) ?? environment["PORT"]
        guard let port = portText.map({ Int($0) }) ?? defaults?.port ?? 4242, (0...65535).contains(port) else {
            throw ValidationError("PORT must be a number between 0 and 65535.")
        }
        let database = try setting(databaseURL, "DATABASE_URL").map { try ServiceConfiguration.Database(url: $0) }
            ?? defaults?.database ?? .sqlite(path: "fulfillment.sqlite")
        let email = try setting(emailURL, "EMAIL_URL").map(Self.email(url:)) ?? defaults?.email ?? .folder(path: "outbox")
        return ServiceConfiguration(
            stripeSecretKey: key,
            stripeAPIBase: setting(stripeAPIBase, "STRIPE_API_BASE") ?? defaults?.stripeAPIBase ?? "https://api.stripe.com",
            webhookSecrets: secrets, database: database, host: host, port: port,
            publicURL: setting(publicURL, "PUBLIC_URL") ?? defaults?.publicURL, email: email,
            emailFrom: setting(emailFrom, "EMAIL_FROM") ?? defaults?.emailFrom ?? "shop@example.com",
            catalogPath: setting(catalog, "CATALOG_PATH") ?? defaults?.catalogPath)
    }

    func logger(environment: [String: String], label: String = "fulfillment") throws -> Logger {
        let name = logLevel ?? environment["LOG_LEVEL"] ?? "info"
        guard let level = Logger.Level(rawValue: name) else { throw ValidationError("Unknown log level \(name).") }
        var logger = Logger(label: label)
        logger.logLevel = level
        return logger
    }

    static func email(url: String) throws -> ServiceConfiguration.EmailDelivery {
        if url.hasPrefix("folder:") { return .folder(path: String(url.dropFirst("folder:".count))) }
        if url.hasPrefix("smtp://"), let components = URLComponents(string: url), let host = components.host {
            return .smtp(host: host, port: components.port ?? 25, from: components.queryItems?.first { $0.name == "from" }?.value ?? "shop@example.com")
        }
        throw ValidationError("EMAIL_URL must be folder:PATH or smtp://HOST:PORT.")
    }
}
