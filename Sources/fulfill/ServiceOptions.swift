import ArgumentParser
import Foundation
import FulfillmentCore
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

    @Option(name: .customLong("email-url"), help: "folder:PATH, smtp://[USER:PASSWORD@]HOST[:PORT][?tls=none] (STARTTLS) or smtps://... (env EMAIL_URL, default folder:outbox).")
    var emailURL: String?

    @Option(name: .customLong("email-from"), help: "Sender of customer emails (env EMAIL_FROM).")
    var emailFrom: String?

    @Option(help: "Catalog file: product or price id -> fulfillment (env CATALOG_PATH).")
    var catalog: String?

    @Option(name: .customLong("fulfill-when"), help: "Which Checkout Sessions are ours, e.g. metadata.shop=demo (env FULFILL_WHEN, default all).")
    var fulfillWhen: String?

    @Option(help: "Send our receipt email: on, or off when Stripe's own receipts are on (env RECEIPTS, default on).")
    var receipts: String?

    @Option(name: .customLong("merchant-webhook-url"), help: "Where the merchant's notifications go (env MERCHANT_WEBHOOK_URL, default none).")
    var merchantWebhookURL: String?

    @Option(name: .customLong("merchant-webhook-secret"), help: "Signs the merchant's notifications (env MERCHANT_WEBHOOK_SECRET).")
    var merchantWebhookSecret: String?

    @Option(name: .customLong("order-api-key"), help: "Lets the merchant's backend price order items itself (env ORDER_API_KEY).")
    var orderAPIKey: String?

    @Option(name: .customLong("allowed-return-hosts"), help: "Origins an order's retry_url may use: host (https), host:port, or http(s)://host[:port], comma-separated (env ALLOWED_RETURN_HOSTS, default the PUBLIC_URL's origin).")
    var allowedReturnHosts: String?

    @Option(name: .customLong("trusted-proxies"), help: "Proxies allowed to name the client with X-Forwarded-For and X-Forwarded-Proto: addresses or networks, comma-separated (env TRUSTED_PROXIES, default none).")
    var trustedProxies: String?

    @Option(name: .customLong("order-rate-limit"), help: "Orders per minute without the order API key: CLIENT,TOTAL (env ORDER_RATE_LIMIT, default 10,600).")
    var orderRateLimit: String?

    @Option(name: .customLong("order-payment-flow"), help: "How orders are paid unless they say: payment_intents or sources, the legacy flow (env ORDER_PAYMENT_FLOW, default payment_intents).")
    var orderPaymentFlow: String?

    @Option(name: .customLong("order-payment-window"), help: "A PaymentIntent order not paid within this is canceled, e.g. 24h (env ORDER_PAYMENT_WINDOW, default 24h).")
    var orderPaymentWindow: String?

    @Option(name: .customLong("shutdown-drain"), help: "How long a stopping instance answers /health/ready with 503 before its server stops, e.g. 5s, or off (env SHUTDOWN_DRAIN, default 5s).")
    var shutdownDrain: String?

    @Option(name: .customLong("shutdown-grace"), help: "How long a stopping instance takes at most to exit, drain included: work in flight finishes, the rest is given back, e.g. 20s (env SHUTDOWN_GRACE, default 20s).")
    var shutdownGrace: String?

    @Option(name: .customLong("subscription-grace"), help: "How long a subscription whose renewal failed keeps access before it is suspended, e.g. 3d (env SUBSCRIPTION_GRACE, default 3d).")
    var subscriptionGrace: String?

    @Option(name: .customLong("connect-webhook-secret"), help: "The Connect endpoint's signing secret(s), comma-separated (env STRIPE_CONNECT_WEBHOOK_SECRET).")
    var connectWebhookSecret: String?

    @Option(name: .customLong("connected-accounts"), help: "Connected accounts orders may be paid on and the reconciler looks at, comma-separated acct_ ids (env CONNECTED_ACCOUNTS).")
    var connectedAccounts: String?

    @Option(name: .customLong("admin-password"), help: "Opens the operator console at /admin (env ADMIN_PASSWORD).")
    var adminPassword: String?

    @Option(name: .customLong("admin-token"), help: "Bearer token of the console's JSON API (env ADMIN_TOKEN).")
    var adminToken: String?

    @Option(name: .customLong("metrics-token"), help: "GET /metrics needs Authorization: Bearer this (env METRICS_TOKEN).")
    var metricsToken: String?

    @Option(name: .customLong("default-locale"), help: "Customers' language when nothing else says: en or es (env DEFAULT_LOCALE, default en).")
    var defaultLocale: String?

    @Option(name: .customLong("stripe-max-rps"), help: "Stripe requests per second for this instance (env STRIPE_MAX_RPS, default 80 live, 20 test).")
    var stripeMaxRPS: Double?

    @Option(name: .customLong("worker-concurrency"), help: "Events in flight at once (env WORKER_CONCURRENCY, default fills STRIPE_MAX_RPS).")
    var workerConcurrency: Int?

    @Option(name: .customLong("reconcile-interval"), help: "How often to look for missed events, e.g. 10m, or off (env RECONCILE_INTERVAL, default 10m).")
    var reconcileInterval: String?

    @Option(help: "Drop handled events' payloads after this long, e.g. 30d, or off (env RETENTION, default 30d).")
    var retention: String?

    @Option(name: .customLong("log-level"), help: "trace, debug, info, notice, warning, error (env LOG_LEVEL, default info).")
    var logLevel: String?

    @Option(name: .customLong("log-format"), help: "text, or json: one JSON object per line with the trace and span ids (env LOG_FORMAT, default text).")
    var logFormat: String?

    @Option(name: .customLong("config-file"), help: "A JSON file of settings by lower-case name, read after flags and the environment (env CONFIG_FILE).")
    var configFile: String?

    /// The flags given, by setting name.
    var flags: [String: String] {
        let given: [(String, String?)] = [
            ("STRIPE_SECRET_KEY", stripeSecretKey), ("STRIPE_API_BASE", stripeAPIBase), ("STRIPE_WEBHOOK_SECRET", webhookSecret),
            ("DATABASE_URL", databaseURL), ("PORT", port.map(String.init)), ("HOST", host), ("PUBLIC_URL", publicURL),
            ("EMAIL_URL", emailURL), ("EMAIL_FROM", emailFrom), ("CATALOG_PATH", catalog), ("FULFILL_WHEN", fulfillWhen),
            ("RECEIPTS", receipts), ("MERCHANT_WEBHOOK_URL", merchantWebhookURL), ("MERCHANT_WEBHOOK_SECRET", merchantWebhookSecret),
            ("DEFAULT_LOCALE", defaultLocale), ("ORDER_API_KEY", orderAPIKey), ("ALLOWED_RETURN_HOSTS", allowedReturnHosts),
            ("METRICS_TOKEN", metricsToken), ("ADMIN_PASSWORD", adminPassword), ("ADMIN_TOKEN", adminToken), ("STRIPE_MAX_RPS", stripeMaxRPS.map { "\($0)" }),
            ("WORKER_CONCURRENCY", workerConcurrency.map(String.init)), ("RECONCILE_INTERVAL", reconcileInterval),
            ("RETENTION", retention), ("TRUSTED_PROXIES", trustedProxies), ("ORDER_RATE_LIMIT", orderRateLimit),
            ("ORDER_PAYMENT_FLOW", orderPaymentFlow), ("ORDER_PAYMENT_WINDOW", orderPaymentWindow),
            ("SUBSCRIPTION_GRACE", subscriptionGrace), ("SHUTDOWN_DRAIN", shutdownDrain),
            ("SHUTDOWN_GRACE", shutdownGrace),
            ("STRIPE_CONNECT_WEBHOOK_SECRET", connectWebhookSecret), ("CONNECTED_ACCOUNTS", connectedAccounts),
        ]
        return Dictionary(uniqueKeysWithValues: given.compactMap { name, value in value.map { (name, $0) } })
    }

    /// The configuration, from flags, then `environment`, then the config file, then defaults (read through
    /// swift-configuration, `SettingsSource`). Tools that serve no webhooks (`fulfill reconcile`) need no
    /// webhook secret. A value that cannot work fails here, naming its setting and what it accepts.
    func configuration(
        environment: [String: String], defaults: ServiceConfiguration? = nil, requiresWebhookSecret: Bool = true
    ) async throws -> ServiceConfiguration {
        let source = try await SettingsSource(
            flags: flags, environment: environment, configFile: configFile ?? environment["CONFIG_FILE"].flatMap { $0.isEmpty ? nil : $0 })
        func setting(_ name: String) -> String? { source.string(name) }
        /// A key, token or password: refused when shorter than `minimum` (a short one is guessable).
        func secret(_ name: String, minimum: Int) throws -> String? {
            try setting(name).map { value in
                guard value.count >= minimum else { throw ValidationError("\(name) must be at least \(minimum) characters.") }
                return value
            }
        }
        guard let key = setting("STRIPE_SECRET_KEY") ?? defaults?.stripeSecretKey else {
            throw ValidationError("Set STRIPE_SECRET_KEY (or --stripe-secret-key).")
        }
        let secrets = setting("STRIPE_WEBHOOK_SECRET").map(Self.list) ?? defaults?.webhookSecrets ?? []
        guard !secrets.isEmpty || !requiresWebhookSecret else { throw ValidationError("Set STRIPE_WEBHOOK_SECRET (or --webhook-secret).") }
        let host = setting("HOST") ?? defaults?.host ?? "127.0.0.1"
        let portText = source.string("PORT")
        guard let port = portText.map({ Int($0) }) ?? defaults?.port ?? 4242, (0...65535).contains(port) else {
            throw ValidationError("PORT must be a number between 0 and 65535 (got \(portText?.prefix(20) ?? "")).")
        }
        let database = try setting("DATABASE_URL").map { try ServiceConfiguration.Database(url: $0) }
            ?? defaults?.database ?? .sqlite(path: "fulfillment.sqlite")
        let email = try setting("EMAIL_URL").map(Self.email(url:)) ?? defaults?.email ?? .folder(path: "outbox")
        let maxRPS = try setting("STRIPE_MAX_RPS").map { text in
            guard let value = Double(text), value > 0, value <= 10_000 else {
                throw ValidationError("STRIPE_MAX_RPS must be a number of requests per second above 0 (got \(text.prefix(20))).")
            }
            return value
        }
        let concurrency = try setting("WORKER_CONCURRENCY").map { text in
            guard let value = Int(text), (1...1024).contains(value) else {
                throw ValidationError("WORKER_CONCURRENCY must be a whole number from 1 to 1024 (got \(text.prefix(20))).")
            }
            return value
        }
        let reconcile = try setting("RECONCILE_INTERVAL").map {
            try DurationSetting.parse($0, setting: "RECONCILE_INTERVAL", allowsOff: true)
        }
        let keep = try setting("RETENTION").map { try DurationSetting.parse($0, setting: "RETENTION", allowsOff: true) }
        let filter = try setting("FULFILL_WHEN").map { text in
            do { return try SessionFilter(parsing: text) } catch { throw ValidationError("\(error)") }
        }
        let sendsReceipts = try setting("RECEIPTS").map { try SwitchSetting.parse($0, setting: "RECEIPTS") }
        var configuration = ServiceConfiguration(
            stripeSecretKey: key,
            stripeAPIBase: setting("STRIPE_API_BASE") ?? defaults?.stripeAPIBase ?? "https://api.stripe.com",
            webhookSecrets: secrets, database: database, host: host, port: port,
            publicURL: setting("PUBLIC_URL") ?? defaults?.publicURL, email: email,
            emailFrom: setting("EMAIL_FROM") ?? defaults?.emailFrom ?? "shop@example.com",
            catalogPath: setting("CATALOG_PATH") ?? defaults?.catalogPath,
            stripeMaxRequestsPerSecond: maxRPS ?? defaults?.stripeMaxRequestsPerSecond,
            workerConcurrency: concurrency ?? defaults?.workerConcurrency,
            reconcileInterval: reconcile ?? defaults?.reconcileInterval ?? .seconds(600),
            retention: keep ?? defaults?.retention ?? .seconds(30 * 24 * 3600))
        configuration.sessionFilter = filter ?? defaults?.sessionFilter ?? .all
        configuration.sendsReceipts = sendsReceipts ?? defaults?.sendsReceipts ?? true
        configuration.merchantWebhook = try setting("MERCHANT_WEBHOOK_URL").map { url in
            do {
                return try MerchantWebhookSetting(url: url, secret: setting("MERCHANT_WEBHOOK_SECRET"))
            } catch { throw ValidationError("\(error)") }
        } ?? defaults?.merchantWebhook
        configuration.defaultLanguage = try setting("DEFAULT_LOCALE").map { text in
            guard let language = CustomerLanguage(rawValue: text.lowercased()) else {
                throw ValidationError("DEFAULT_LOCALE must be en or es (got \(text.prefix(20))).")
            }
            return language
        } ?? defaults?.defaultLanguage ?? .en
        configuration.orderAPIKey = try secret("ORDER_API_KEY", minimum: 16) ?? defaults?.orderAPIKey
        configuration.adminPassword = try secret("ADMIN_PASSWORD", minimum: 12) ?? defaults?.adminPassword
        configuration.adminToken = try secret("ADMIN_TOKEN", minimum: 16) ?? defaults?.adminToken
        configuration.metricsToken = try secret("METRICS_TOKEN", minimum: 16) ?? defaults?.metricsToken
        configuration.allowedReturnHosts = try setting("ALLOWED_RETURN_HOSTS").map { list in
            let entries = Self.list(list)
            guard !entries.isEmpty else { throw ValidationError("ALLOWED_RETURN_HOSTS must list at least one origin.") }
            for entry in entries {
                do {
                    _ = try WebOrigin(setting: entry)
                } catch {
                    throw ValidationError(
                        "ALLOWED_RETURN_HOSTS: \(entry.prefix(80)) \(error); write host (https), host:port or http(s)://host[:port].")
                }
            }
            return entries
        } ?? defaults?.allowedReturnHosts ?? []
        configuration.doors = defaults?.doors ?? DoorSettings()
        if let text = setting("TRUSTED_PROXIES") {
            do { configuration.doors.trustedProxies = try DoorSettings.trustedProxies(parsing: text) } catch { throw ValidationError("\(error)") }
        }
        if let text = setting("ORDER_RATE_LIMIT") {
            do {
                (configuration.doors.ordersPerClientPerMinute, configuration.doors.ordersPerMinute) = try DoorSettings.orderRateLimit(parsing: text)
            } catch { throw ValidationError("\(error)") }
        }
        configuration.orderPaymentFlow = defaults?.orderPaymentFlow ?? .paymentIntents
        if let text = setting("ORDER_PAYMENT_FLOW") {
            guard text == OrderPaymentFlow.paymentIntents.rawValue || text == OrderPaymentFlow.sources.rawValue else {
                throw ValidationError("ORDER_PAYMENT_FLOW must be payment_intents or sources (got \(text.prefix(40))).")
            }
            configuration.orderPaymentFlow = OrderPaymentFlow(rawValue: text)
        }
        configuration.orderPaymentWindow = try setting("ORDER_PAYMENT_WINDOW").map {
            try DurationSetting.parse($0, setting: "ORDER_PAYMENT_WINDOW", allowsOff: false)
        }.flatMap { $0 } ?? defaults?.orderPaymentWindow ?? .seconds(24 * 3600)
        if let text = setting("SHUTDOWN_DRAIN") {
            configuration.unreadyBeforeStop = try DurationSetting.parse(text, setting: "SHUTDOWN_DRAIN", allowsOff: true) ?? .zero
        } else {
            configuration.unreadyBeforeStop = defaults?.unreadyBeforeStop ?? .seconds(5)
        }
        configuration.shutdownGrace = try setting("SHUTDOWN_GRACE").map {
            try DurationSetting.parse($0, setting: "SHUTDOWN_GRACE", allowsOff: false)
        }.flatMap { $0 } ?? defaults?.shutdownGrace ?? .seconds(20)
        guard configuration.shutdownGrace >= configuration.unreadyBeforeStop + .seconds(2) else {
            throw ValidationError("SHUTDOWN_GRACE must be at least SHUTDOWN_DRAIN plus 2s (the workers' share), got \(configuration.shutdownGrace) with a drain of \(configuration.unreadyBeforeStop).")
        }
        guard configuration.shutdownGrace < configuration.claimLease else {
            throw ValidationError("SHUTDOWN_GRACE must be shorter than the claims' lease (\(configuration.claimLease)): a claim given back must still be this instance's.")
        }
        configuration.subscriptionGrace = try setting("SUBSCRIPTION_GRACE").map {
            try DurationSetting.parse($0, setting: "SUBSCRIPTION_GRACE", allowsOff: false)
        }.flatMap { $0 } ?? defaults?.subscriptionGrace ?? .seconds(3 * 24 * 3600)
        configuration.connectWebhookSecrets = setting("STRIPE_CONNECT_WEBHOOK_SECRET").map(Self.list) ?? defaults?.connectWebhookSecrets ?? []
        configuration.connectedAccounts = try setting("CONNECTED_ACCOUNTS").map { text in
            let accounts = Self.list(text)
            for account in accounts where !(account.hasPrefix("acct_") && account.count > 5 && account.count <= 64) {
                throw ValidationError("CONNECTED_ACCOUNTS must list acct_ ids, comma-separated (got \(account.prefix(40))).")
            }
            return accounts
        } ?? defaults?.connectedAccounts ?? []
        return configuration
    }

    /// A comma-separated list, trimmed, without empty entries.
    static func list(_ text: String) -> [String] {
        text.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
    }

    func logFormat(environment: [String: String]) throws -> Telemetry.LogFormat {
        let name = logFormat ?? environment["LOG_FORMAT"] ?? "text"
        guard let format = Telemetry.LogFormat(rawValue: name) else { throw ValidationError("LOG_FORMAT must be text or json (got \(name.prefix(40))).") }
        return format
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
        do {
            return .smtp(try SMTPSettings(url: url))
        } catch {
            throw ValidationError("\(error)")
        }
    }
}
