public import FulfillmentCore
import Foundation
import Prometheus
public import Hummingbird
import HummingbirdCore
public import NIOCore
public import Logging
import ServiceLifecycle
public import StripeAPI

/// The service's parts, wired once from a configuration: store, Stripe client, fulfiller, event router,
/// workers and routes. `fulfill serve`, `fulfill demo` and the tests all build it here.
public struct FulfillmentService: Sendable {
    public let configuration: ServiceConfiguration
    public let store: any FulfillmentStore
    public let stripe: StripeClient
    public let fulfiller: CheckoutFulfiller
    public let subscriptions: SubscriptionKeeper
    public let payments: OrderPayments
    /// Creates orders (their sources); `payments` applies what Stripe says about them.
    public let orderDesk: OrderDesk
    public let router: EventRouter
    /// The reconciler over the types `router` handles (its holder named per use).
    let passes: Reconciler
    public let metrics: ServiceMetrics
    public let emailTransport: any EmailTransport
    /// Who delivers each channel of dispatches (the merchant's endpoint; registered actions' effects).
    let dispatchers: DispatchRegistry
    /// The event worker's slots, shared with the webhook intake (which claims new events as it stores them).
    let workerSlots: WorkerSlots
    /// Unready from the moment the instance begins to stop.
    let readiness = Readiness()
    /// The longest the outbox waits, woken with receipts to send, for the event worker to be idle.
    static let receiptsGiveWayAtMost = Duration.seconds(1)
    /// The console's credentials (the password as a hash) and signed-in sessions (in the store).
    let adminCredentials: AdminCredentials
    let adminSessions: AdminSessions
    /// Verifies the console password off the event loops, at low priority, a few at a time.
    let passwordVerifier: PasswordVerifier
    /// Who the client is, and the throttles and budgets of the guarded doors.
    let doors: Doors
    /// Where an order's `retry_url` may point.
    let allowedReturnOrigins: Set<WebOrigin>
    /// Lookups of session ids the ledger does not know (landing page, status JSON), shared by both routes.
    let lookups: LookupGuard<CheckoutView>
    let pages: PageRenderer
    let logger: Logger

    /// Builds the service. `actions` are the fulfilment actions line items may name: the built-ins plus any the
    /// embedding program registers, each with its effect handler. `store`, `emailTransport` and
    /// `stripeTransport` replace the configured ones (tests pass an in-memory store or a capturing transport).
    public init(
        configuration: ServiceConfiguration, logger: Logger, actions: ActionRegistry = .builtIn,
        store: (any FulfillmentStore)? = nil, emailTransport: (any EmailTransport)? = nil,
        stripeTransport: (any StripeTransport)? = nil
    ) async throws {
        guard configuration.stripeSecretKey.hasPrefix("sk_") || configuration.stripeSecretKey.hasPrefix("rk_") else {
            throw ConfigurationError("STRIPE_SECRET_KEY must be a secret key (sk_... or rk_...)")
        }
        allowedReturnOrigins = try Self.allowedReturnOrigins(configuration)
        self.configuration = configuration
        self.logger = logger
        self.workerSlots = WorkerSlots(capacity: configuration.workerConcurrency)
        self.store = try store ?? configuration.database.openStore(logger: logger)
        switch (emailTransport, configuration.email) {
        case (let transport?, _): self.emailTransport = transport
        case (nil, .folder(let path)):
            self.emailTransport = EMLFolderTransport(folder: URL(fileURLWithPath: path), from: configuration.emailFrom)
        case (nil, .smtp(let settings)):
            self.emailTransport = SMTPTransport(settings: settings, from: configuration.emailFrom, logger: logger)
        }
        var stripeLogger = logger
        stripeLogger[metadataKey: "component"] = "stripe"
        stripe = StripeClient(
            configuration: StripeClientConfiguration(
                apiKey: configuration.stripeSecretKey, apiBase: configuration.stripeAPIBase,
                pacer: RequestPacer(rate: configuration.stripeMaxRequestsPerSecond)),
            transport: stripeTransport ?? AsyncHTTPClientTransport(), logger: stripeLogger)
        let catalog = try configuration.catalogPath.map { try Catalog(contentsOf: URL(fileURLWithPath: $0), actions: actions) }
            ?? Catalog(actions: actions)
        let metrics = ServiceMetrics()
        let notifier = MerchantNotifier(isEnabled: configuration.merchantWebhook != nil)
        subscriptions = SubscriptionKeeper(
            stripe: stripe, store: self.store, catalog: catalog, filter: configuration.sessionFilter, notifier: notifier,
            sendsReceipts: configuration.sendsReceipts,
            defaultLanguage: configuration.defaultLanguage, publicURL: configuration.publicURL,
            grace: configuration.subscriptionGrace.seconds, now: configuration.now, logger: logger)
        fulfiller = CheckoutFulfiller(
            stripe: stripe, store: self.store, catalog: catalog, sessionFilter: configuration.sessionFilter,
            sendsReceipts: configuration.sendsReceipts, notifier: notifier, defaultLanguage: configuration.defaultLanguage,
            publicURL: configuration.publicURL,
            now: configuration.now,
            onFulfilled: { duration in metrics.fulfillmentLatency.record(duration) },
            logger: logger
        ).keepingSubscriptions(subscriptions)
        payments = OrderPayments(
            stripe: stripe, store: self.store, publicURL: configuration.publicURL,
            sourceCheckInterval: configuration.sourceCheckInterval, notifier: notifier, catalog: catalog,
            defaultLanguage: configuration.defaultLanguage, now: configuration.now, logger: logger)
        orderDesk = OrderDesk(
            stripe: stripe, store: self.store, payments: payments, defaultFlow: configuration.orderPaymentFlow,
            publicURL: configuration.publicURL, catalog: catalog,
            defaultLanguage: configuration.defaultLanguage, connectedAccounts: Set(configuration.connectedAccounts),
            now: configuration.now, logger: logger)
        let afterPayment = AfterPaymentHandler(
            stripe: stripe, store: self.store, fulfiller: fulfiller, notifier: notifier,
            defaultLanguage: configuration.defaultLanguage, publicURL: configuration.publicURL,
            now: configuration.now, logger: logger)
        let handled = EventRouter.checkout(fulfiller).merging(.orders(payments)).merging(.paymentIntentOrders(payments))
            .merging(.afterPayment(afterPayment)).merging(.subscriptions(subscriptions)).merging(.thinEvents)
        // After an event generation failure a pass runs at once (the same pass as `serve`'s and `fulfill
        // reconcile`'s, under the same lease), asking for the types above.
        passes = Reconciler(
            stripe: stripe, store: self.store, fulfiller: fulfiller, orders: payments, eventTypes: handled.types,
            connectedAccounts: configuration.connectedAccounts, holder: "event-generation-failure@" + ReconcilerService.holderName(),
            now: configuration.now, logger: logger)
        router = handled.merging(.health(reconciler: passes))
        var dispatchers = DispatchRegistry()
        for (channel, handler) in actions.effectDispatchers { dispatchers.register(handler, for: channel) }
        if let merchant = configuration.merchantWebhook {
            dispatchers.register(
                MerchantWebhookSender(url: merchant.url, secret: merchant.secret, now: configuration.now),
                for: MerchantNotifier.channel)
        }
        self.dispatchers = dispatchers
        self.metrics = metrics
        pages = try await PageRenderer.load()
        adminCredentials = AdminCredentials(
            password: configuration.adminPassword, token: configuration.adminToken, cost: configuration.adminPasswordCost)
        adminSessions = AdminSessions(store: self.store)
        passwordVerifier = PasswordVerifier(onVerification: { metrics.passwordVerified() })
        doors = try Self.doors(configuration, store: self.store, metrics: metrics, logger: logger)
        lookups = LookupGuard(
            burst: configuration.unknownLookupBurst, perMinute: configuration.unknownLookupsPerMinute,
            interval: configuration.unknownLookupInterval)
    }

    static func doors(_ configuration: ServiceConfiguration, store: any FulfillmentStore, metrics: ServiceMetrics, logger: Logger) throws -> Doors {
        let settings = configuration.doors
        let proxies: TrustedProxies
        do {
            proxies = try TrustedProxies(
                setting: settings.trustedProxies.joined(separator: ","), publicURLIsHTTPS: configuration.publicURL.lowercased().hasPrefix("https://"))
        } catch {
            throw ConfigurationError("TRUSTED_PROXIES: \(error.description)")
        }
        let policy = CredentialThrottle.Policy(
            attemptsPerClient: settings.attemptsPerClient, lockout: settings.lockout, longestLockout: settings.longestLockout,
            total: TokenBucket.Rate(burst: settings.attemptsBurst, perMinute: settings.attemptsPerMinute))
        let now = configuration.now()
        return Doors(
            proxies: proxies,
            consolePassword: CredentialThrottle(policy: policy, now: now), consoleToken: CredentialThrottle(policy: policy, now: now),
            metricsToken: CredentialThrottle(policy: policy, now: now), orderKey: CredentialThrottle(policy: policy, now: now),
            publicOrders: RequestBudget(
                perClient: TokenBucket.Rate(burst: settings.ordersPerClientPerMinute, perMinute: Double(settings.ordersPerClientPerMinute)),
                total: TokenBucket.Rate(burst: settings.ordersPerMinute, perMinute: Double(settings.ordersPerMinute)), now: now),
            pause: RefusalPause(duration: settings.refusalPause),
            audit: RefusalAudit(store: store, now: configuration.now, logger: logger), metrics: metrics, logger: logger)
    }

    /// The origins an order's `retry_url` may point to: `ALLOWED_RETURN_HOSTS` (an entry that is not an origin
    /// stops the service at start), else the `PUBLIC_URL`'s.
    static func allowedReturnOrigins(_ configuration: ServiceConfiguration) throws -> Set<WebOrigin> {
        if configuration.allowedReturnHosts.isEmpty {
            return Set([try? ReturnURL(parsing: configuration.publicURL)].compactMap { $0?.origin })
        }
        var origins: Set<WebOrigin> = []
        for entry in configuration.allowedReturnHosts {
            do {
                origins.insert(try WebOrigin(setting: entry))
            } catch {
                throw ConfigurationError("ALLOWED_RETURN_HOSTS: \(entry.prefix(80)) \(error.description)")
            }
        }
        return origins
    }

    /// Adds the service's routes to `router`: everything but `POST /webhook`, which the server's pipeline serves.
    public func addRoutes<Context: RequestContext>(to router: Router<Context>) {
        router.add(middleware: SecurityHeadersMiddleware())
        CheckoutController<Context>(
            fulfiller: fulfiller, store: store, pages: pages, wait: configuration.landingWait, lookups: lookups, doors: doors,
            buyerCookie: BuyerCookie(secret: configuration.stripeSecretKey, lifetime: configuration.doors.buyerCookieLifetime),
            buyerClaimWindow: configuration.doors.buyerClaimWindow.seconds, claimed: ClaimedPurchases(),
            defaultLanguage: configuration.defaultLanguage, now: configuration.now, logger: logger
        ).register(on: router)
        OrderController<Context>(
            payments: payments, desk: orderDesk, door: OrderDoor(apiKey: configuration.orderAPIKey, allowedOrigins: allowedReturnOrigins),
            store: store, pages: pages, defaultLanguage: configuration.defaultLanguage,
            unknownLookups: LookupGuard(
                burst: configuration.unknownLookupBurst, perMinute: configuration.unknownLookupsPerMinute,
                interval: configuration.unknownLookupInterval),
            doors: doors, now: configuration.now, logger: logger
        ).register(on: router)
        OperationsController<Context>(
            store: store, readiness: readinessCheck, metrics: metrics, metricsToken: configuration.metricsToken, doors: doors, pages: pages,
            defaultLanguage: configuration.defaultLanguage, now: configuration.now, logger: logger
        ).register(on: router)
        AccessController<Context>(
            store: store, subscriptions: subscriptions, pages: pages, publicURL: configuration.publicURL,
            defaultLanguage: configuration.defaultLanguage, now: configuration.now, logger: logger
        ).register(on: router)
        AssetsController<Context>().register(on: router)
        AdminController<Context>(
            store: store, credentials: adminCredentials, sessions: adminSessions, verifier: passwordVerifier, doors: doors, pages: pages,
            now: configuration.now, logger: logger
        ).register(on: router)
    }

    /// The event processor, as the worker runs it (tests drive it directly to simulate crashes).
    public var eventProcessor: EventProcessor {
        EventProcessor(
            store: store, router: router,
            schedule: RetrySchedule(base: configuration.eventRetryBase, cap: RetrySchedule.events.cap, maxAttempts: configuration.eventMaxAttempts),
            orphanSchedule: RetrySchedule(
                base: configuration.eventRetryBase, cap: RetrySchedule.orphanedEvents.cap,
                maxAttempts: min(RetrySchedule.orphanedEvents.maxAttempts ?? 6, configuration.eventMaxAttempts)),
            lease: configuration.claimLease, now: configuration.now, logger: logger)
    }

    /// The dispatch processor, as the dispatch worker runs it (tests drive it directly).
    public var dispatchProcessor: DispatchProcessor {
        DispatchProcessor(
            store: store, registry: dispatchers, schedule: configuration.outgoingSchedule, lease: configuration.claimLease,
            now: configuration.now, logger: logger)
    }

    /// The HTTP/1 server: `POST /webhook` is served in each connection's pipeline (`WebhookChannelHandler`),
    /// everything else by the router. Each call makes a new inbox writer: call it once per application. With
    /// `claimAtIntake` (this instance runs the event worker), new events are stored claimed for its free slots.
    private func makeServer(claimAtIntake: Bool) -> HTTPServerBuilder {
        let intake = WebhookIntake(
            router: router, secrets: configuration.webhookSecrets + configuration.connectWebhookSecrets, maximumBytes: configuration.maximumWebhookBytes,
            metrics: metrics, now: configuration.now, logger: logger)
        let writer = InboxWriter(
            store: store, slots: claimAtIntake ? workerSlots : nil, lease: configuration.claimLease, now: configuration.now)
        return HTTPServerBuilder { responder in
            WebhookHTTP1Channel(responder: responder, makeWebhookHandler: { WebhookChannelHandler(intake: intake, writer: writer) })
        }
    }

    /// The reconciler, as `serve` runs it every `reconcileInterval` and `fulfill reconcile` runs it once.
    /// To run after the application in the process's service group: unready first when it stops
    /// (`DrainSignal`).
    public var drainSignal: DrainSignal {
        DrainSignal(readiness: readiness, delay: configuration.unreadyBeforeStop, logger: logger)
    }

    /// Whether work may be sent here now (`/health/ready`, and systemd's readiness in `fulfill serve`).
    public var readinessCheck: ReadinessCheck {
        ReadinessCheck(store: store, readiness: readiness, logger: logger)
    }

    public func reconciler(holder: String) -> Reconciler {
        passes.held(by: holder)
    }

    /// What the store runs (a pool, migrations, checkpoints): needed whether or not the workers run.
    var storeServices: [any Service] {
        store.services(logger: logger)
    }

    /// The background work: events, emails, the reconciler and retention (each optional as configured).
    var workerServices: [any Service] {
        var services: [any Service] = [
            EventWorker(
                processor: eventProcessor, doorbell: store.bells.events, slots: workerSlots,
                pollInterval: configuration.workerPollInterval, hold: configuration.workerHold, metrics: metrics, logger: logger),
            OutboxWorker(
                store: store, transport: emailTransport, doorbell: store.bells.emails, pollInterval: configuration.workerPollInterval,
                hold: configuration.workerHold, lease: configuration.claimLease, schedule: configuration.outgoingSchedule, metrics: metrics, now: configuration.now,
                logger: logger, giveWay: { [workerSlots] in await workerSlots.quiet(within: Self.receiptsGiveWayAtMost) }),
            DispatchWorker(
                processor: dispatchProcessor, doorbell: store.bells.dispatches, concurrency: 16,
                pollInterval: configuration.workerPollInterval, hold: configuration.workerHold, metrics: metrics, logger: logger),
        ]
        if let interval = configuration.reconcileInterval {
            services.append(
                ReconcilerService(
                    reconciler: reconciler(holder: ReconcilerService.holderName()), interval: interval,
                    firstRunAfter: configuration.reconcileFirstRunAfter, metrics: metrics,
                    logger: logger))
        }
        let window = OrderPaymentWindow(payments: payments, window: configuration.orderPaymentWindow)
        services.append(
            SweepService(
                name: "the payment window's sweep", every: configuration.paymentWindowSweepInterval,
                sweep: { try await window.cancelOverdue() }, logger: logger))
        services.append(
            SweepService(
                name: "the subscriptions' grace sweep", every: configuration.subscriptionSweepInterval,
                sweep: { [subscriptions] in _ = try await subscriptions.sweep() }, logger: logger))
        if let retention = configuration.retention {
            services.append(RetentionService(store: store, retention: retention, now: configuration.now, logger: logger))
        }
        return services
    }

    /// The application: the server and its routes plus the workers (`workers: false` leaves events stored and
    /// unprocessed, as if every worker had died), with graceful shutdown from `runService()`.
    public func application(
        workers: Bool = true,
        extraRoutes: @Sendable (Router<ServiceRequestContext>) -> Void = { _ in },
        onServerRunning: @escaping @Sendable (any Channel) async -> Void = { _ in }
    ) throws -> some ApplicationProtocol {
        guard !(configuration.webhookSecrets + configuration.connectWebhookSecrets).isEmpty else {
            throw ConfigurationError("no webhook signing secret: set STRIPE_WEBHOOK_SECRET (comma-separated for rotation)")
        }
        let router = Router(context: ServiceRequestContext.self)
        if logger.logLevel <= .debug { router.add(middleware: LogRequestsMiddleware(.debug)) }
        addRoutes(to: router)
        extraRoutes(router)
        var app = Application(
            router: router, server: makeServer(claimAtIntake: workers),
            configuration: .init(address: .hostname(configuration.host, port: configuration.port), serverName: "stripe-fulfillment"),
            onServerRunning: onServerRunning, logger: logger)
        // The store's services come first, so they stop after the workers' last commits (and after the doors'
        // last audit rows).
        app.addServices(storeServices)
        app.addServices(passwordVerifier, doors.audit)
        if workers { app.addServices(workerServices) }
        return app
    }
}

/// The composition root of `fulfill serve`: the service as an application.
public func buildApplication(configuration: ServiceConfiguration, logger: Logger) async throws -> some ApplicationProtocol {
    try await FulfillmentService(configuration: configuration, logger: logger).application()
}
