public import Foundation
public import FulfillmentCore
import FulfillmentPostgres
import StripeAPI

/// The service's settings. The command line builds it from flags and the environment; libraries and tests
/// build it directly. Nothing here reads the environment.
public struct ServiceConfiguration: Sendable {
    /// Where events, the ledger and the outbox live.
    public enum Database: Sendable, Hashable {
        /// `synchronousNormal`: commits are not synced one by one (see `SQLiteFulfillmentStore.Synchronous`).
        case sqlite(path: String, synchronousNormal: Bool = false)
        /// A PostgreSQL database several instances share (`postgres://USER[:PASSWORD]@HOST[:PORT]/DB[?sslmode=...]`).
        case postgres(url: String)
        case memory
    }

    /// How customer emails leave.
    public enum EmailDelivery: Sendable, Hashable {
        /// One `.eml` file per email in this folder (the embedded default).
        case folder(path: String)
        /// An SMTP server: STARTTLS (required unless `tls=none`) or TLS from the start, with AUTH when a user is
        /// set. Mail is from `EMAIL_FROM` (unless the URL says `?from=`).
        case smtp(SMTPSettings)
    }

    public var stripeSecretKey: String
    public var stripeAPIBase: String
    /// Every secret a webhook may be signed with (several during a rotation).
    public var webhookSecrets: [String]
    /// The Connect endpoint's secrets (`STRIPE_CONNECT_WEBHOOK_SECRET`): a platform's connected accounts' events
    /// come through an endpoint of their own, with its own secret; the intake takes both.
    public var connectWebhookSecrets: [String] = []
    /// Connected accounts (Connect) orders may be paid on and the reconciler looks at, beside those the ledger
    /// has seen (`CONNECTED_ACCOUNTS`).
    public var connectedAccounts: [String] = []
    public var database: Database
    public var host: String
    public var port: Int
    /// How customers reach the service (landing pages, access links, emails).
    public var publicURL: String
    public var email: EmailDelivery
    public var emailFrom: String
    /// Product and price id -> action, beside the products' own metadata.
    public var catalogPath: String?
    /// Which Checkout Sessions are ours to fulfil (`FULFILL_WHEN`, default all); the others are recorded as
    /// ignored with the reason, and their customers hear nothing from us.
    public var sessionFilter: SessionFilter = .all
    /// Whether customers get our receipt email (`RECEIPTS`, default on; off when Stripe's own receipts are).
    public var sendsReceipts = true
    /// `POST /api/orders` with caller-priced items needs `Authorization: Bearer` this (`ORDER_API_KEY`; `nil`:
    /// only items by Stripe price id are taken).
    public var orderAPIKey: String?
    /// How orders are paid when the request names no `payment_flow` (`ORDER_PAYMENT_FLOW`: `payment_intents`, the
    /// default, or `sources`, the guide's legacy flow).
    public var orderPaymentFlow: OrderPaymentFlow = .paymentIntents
    /// A PaymentIntent order not paid within this is canceled, and its PaymentIntent (`ORDER_PAYMENT_WINDOW`,
    /// default 24 h).
    public var orderPaymentWindow: Duration = .seconds(24 * 3600)
    /// How often the payment window is swept for overdue orders.
    public var paymentWindowSweepInterval: Duration = .seconds(60)
    /// How long a subscription whose renewal failed keeps access before it is suspended (`SUBSCRIPTION_GRACE`,
    /// default 3 days).
    public var subscriptionGrace: Duration = .seconds(3 * 24 * 3600)
    /// How long an instance that begins to stop answers `/health/ready` with `503 draining` before its server
    /// stops (a load balancer's health check interval or more; 0 in tests).
    public var unreadyBeforeStop: Duration = .zero
    /// How long, from the moment it is told to stop (SIGTERM), an instance takes at most to exit
    /// (`SHUTDOWN_GRACE`, default 20 s): the readiness drain, then its workers finish what is in flight
    /// (what they have not started is given back at once), then what is still in flight is cancelled and
    /// given back. Shorter than `claimLease`, so a claim given back is still this instance's.
    public var shutdownGrace: Duration = .seconds(20)
    /// The workers' share of the shutdown grace: what is left after the drain, less a second for the store's
    /// last commits and the process's exit (at least a second).
    public var workerHold: Duration {
        max(.seconds(1), shutdownGrace - unreadyBeforeStop - .seconds(1))
    }
    /// How often past-due subscriptions are swept for an ended grace.
    public var subscriptionSweepInterval: Duration = .seconds(60)
    /// Hosts an order's `retry_url` may point to (`ALLOWED_RETURN_HOSTS`; empty: the `PUBLIC_URL` host).
    public var allowedReturnHosts: [String] = []
    /// `GET /metrics` needs `Authorization: Bearer` this (`METRICS_TOKEN`; `nil`: open, for a private network).
    public var metricsToken: String?
    /// The operator console's password (`ADMIN_PASSWORD`; kept only as a bcrypt hash) and its JSON API's token
    /// (`ADMIN_TOKEN`); with neither, there is no console.
    public var adminPassword: String?
    public var adminToken: String?
    /// bcrypt's cost for the console password (tests lower it).
    public var adminPasswordCost: UInt8 = 12
    /// Lookups of Checkout Session ids the ledger does not know: per client, a burst and a rate per minute;
    /// per id, at most one Stripe request per interval.
    public var unknownLookupBurst = 10
    public var unknownLookupsPerMinute = 10
    public var unknownLookupInterval: Duration = .seconds(2)
    /// Budgets and limits at the guarded doors (credentials, public orders, buyers' details), and the proxies
    /// trusted to name the client.
    public var doors = DoorSettings()
    /// The language of customers whose session, order and browser name none spoken here (`DEFAULT_LOCALE`).
    public var defaultLanguage: CustomerLanguage = .en
    /// Where the merchant's notifications go (`nil`: none are queued).
    public var merchantWebhook: MerchantWebhookSetting?
    /// How failed emails, notifications and action effects are retried: backoff, then dead after the window
    /// (three days, as Stripe's own webhooks).
    public var outgoingSchedule = RetrySchedule.outgoing
    /// Webhook bodies larger than this are refused with 413.
    public var maximumWebhookBytes: Int
    /// How long the landing page waits for fulfill-checkout before showing what it has.
    public var landingWait: Duration
    /// Stripe requests per second, across everything this instance sends (the worker, the landing page, the
    /// status endpoint, the reconciler): a burst queues instead of turning into 429s. Default: 80 with a live
    /// key, 20 with a test key (Stripe allows about 100 and 25).
    public var stripeMaxRequestsPerSecond: Double
    /// Events in flight at once in the event worker. Default: enough to fill the rate limit while Stripe takes
    /// 400 ms an answer (at least 8).
    public var workerConcurrency: Int
    /// The poll interval of the workers when no doorbell rings (a safety net, not the main path).
    public var workerPollInterval: Duration
    public var eventRetryBase: Duration
    public var eventMaxAttempts: Int
    /// How long a claim hides an event; a crashed worker's events return after it.
    public var claimLease: Duration
    /// How often the order status endpoint may look at an order's source itself (per order, across instances).
    public var sourceCheckInterval: Duration
    /// How often the reconciler looks for what webhooks missed (`nil`: never in this process).
    public var reconcileInterval: Duration?
    /// The first pass after start.
    public var reconcileFirstRunAfter: Duration
    /// Handled events older than this lose their payload (`nil`: kept forever).
    public var retention: Duration?
    public var now: @Sendable () -> Date

    public init(
        stripeSecretKey: String, stripeAPIBase: String = "https://api.stripe.com", webhookSecrets: [String],
        database: Database = .sqlite(path: "fulfillment.sqlite"), host: String = "127.0.0.1", port: Int = 4242,
        publicURL: String? = nil, email: EmailDelivery = .folder(path: "outbox"), emailFrom: String = "shop@example.com",
        catalogPath: String? = nil, maximumWebhookBytes: Int = 512 * 1024, landingWait: Duration = .seconds(8),
        stripeMaxRequestsPerSecond: Double? = nil, workerConcurrency: Int? = nil, workerPollInterval: Duration = .seconds(1), eventRetryBase: Duration = .seconds(2),
        eventMaxAttempts: Int = 10, claimLease: Duration = .seconds(60),
        sourceCheckInterval: Duration = .seconds(2), reconcileInterval: Duration? = .seconds(600),
        reconcileFirstRunAfter: Duration = .seconds(5), retention: Duration? = .seconds(30 * 24 * 3600),
        now: @escaping @Sendable () -> Date = { Date() }
    ) {
        self.stripeSecretKey = stripeSecretKey
        self.stripeAPIBase = stripeAPIBase
        self.webhookSecrets = webhookSecrets
        self.database = database
        self.host = host
        self.port = port
        self.publicURL = publicURL ?? "http://\(host):\(port)"
        self.email = email
        self.emailFrom = emailFrom
        self.catalogPath = catalogPath
        self.maximumWebhookBytes = maximumWebhookBytes
        self.landingWait = landingWait
        let maxRPS = stripeMaxRequestsPerSecond ?? StripeClientConfiguration.defaultMaxRequestsPerSecond(apiKey: stripeSecretKey)
        self.stripeMaxRequestsPerSecond = maxRPS
        self.workerConcurrency = workerConcurrency ?? Self.defaultWorkerConcurrency(maxRequestsPerSecond: maxRPS)
        self.workerPollInterval = workerPollInterval
        self.eventRetryBase = eventRetryBase
        self.eventMaxAttempts = eventMaxAttempts
        self.claimLease = claimLease
        self.sourceCheckInterval = sourceCheckInterval
        self.reconcileInterval = reconcileInterval
        self.reconcileFirstRunAfter = reconcileFirstRunAfter
        self.retention = retention
        self.now = now
    }
}

extension ServiceConfiguration {
    /// Enough events in flight to fill `maxRequestsPerSecond` while each waits about 400 ms for Stripe (the
    /// slow end of its usual 100-500 ms), and never fewer than 8.
    public static func defaultWorkerConcurrency(maxRequestsPerSecond: Double) -> Int {
        max(8, Int((maxRequestsPerSecond * 0.4).rounded(.up)))
    }
}

extension ServiceConfiguration.Database {
    /// Parses `DATABASE_URL`: `sqlite:PATH` (with an optional `?synchronous=normal`), `postgres://...` (or
    /// `postgresql://`), or `memory:`.
    public init(url: String) throws {
        if url == "memory:" || url == "sqlite::memory:" {
            self = .memory
        } else if url.hasPrefix("sqlite:") {
            var path = String(url.dropFirst("sqlite:".count))
            var normal = false
            if let query = path.firstIndex(of: "?") {
                let option = path[path.index(after: query)...]
                guard option == "synchronous=normal" || option == "synchronous=full" else {
                    throw ConfigurationError("DATABASE_URL: the only sqlite option is ?synchronous=normal or ?synchronous=full")
                }
                normal = option == "synchronous=normal"
                path = String(path[..<query])
            }
            guard !path.isEmpty else { throw ConfigurationError("DATABASE_URL sqlite: needs a path, as in sqlite:fulfillment.sqlite") }
            self = .sqlite(path: path.hasPrefix("//") ? String(path.dropFirst(2)) : path, synchronousNormal: normal)
        } else if url.hasPrefix("postgres://") || url.hasPrefix("postgresql://") {
            do {
                _ = try PostgresStoreConfiguration(url: url)
            } catch {
                throw ConfigurationError(error.description)
            }
            self = .postgres(url: url)
        } else {
            throw ConfigurationError("DATABASE_URL must be sqlite:PATH or postgres://USER[:PASSWORD]@HOST[:PORT]/DATABASE")
        }
    }
}

/// A setting that cannot work, with a message for the operator.
public struct ConfigurationError: Error, CustomStringConvertible, Sendable {
    public var description: String

    public init(_ description: String) {
        self.description = description
    }
}
