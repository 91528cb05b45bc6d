package import AsyncHTTPClient
import Foundation
package import FulfillmentCore
package import FulfillmentServer
import FulfillmentSQLite
import Hummingbird
package import Logging
import NIOCore
import NIOHTTP1
import ServiceLifecycle
package import StripeAPI
import StripeEmulator
import Synchronization

/// Captures emails instead of sending them, and can fail the first N sends.
package final class CapturingEmailTransport: EmailTransport {
    private let state = Mutex<(sent: [QueuedEmail], failures: Int)>(([], 0))
    package init() {}
    package var sent: [QueuedEmail] { state.withLock { $0.sent } }
    package func failNext(_ count: Int) { state.withLock { $0.failures = count } }

    package func send(_ email: QueuedEmail) async throws {
        try state.withLock { state in
            if state.failures > 0 {
                state.failures -= 1
                throw ConfigurationError("injected SMTP failure")
            }
            state.sent.append(email)
        }
    }
}

/// The emulator and the service, running on loopback, wired to each other as in production.
package struct ServiceHarness: Sendable {
    package static let webhookSecret = "whsec_service_harness_secret"
    package static let merchantSecret = "whsec_merchant_harness_secret"
    /// The Connect endpoint's secret (the harness's `connect: true`).
    package static let connectSecret = "whsec_connect_harness_secret"
    /// The merchant backend's key for orders it prices itself.
    package static let orderAPIKey = "ok_harness_order_api_key_0123"

    package let emulatorURL: String
    package let serviceURL: String
    package let service: FulfillmentService
    package let stripe: StripeClient
    package let emails: CapturingEmailTransport
    package let clock: TestClock
    package let databasePath: String
    /// The merchant's endpoint for the service's notifications, when the harness was asked for one.
    package let merchant: WebhookReceiver?
    /// The connected accounts made at start (`connectedAccounts:`), in the order their names were given.
    package var accounts: [String] = []
    /// Begins the service's graceful shutdown (as SIGTERM would); the emulator keeps running.
    package let beginShutdown: @Sendable () async -> Void

    package var store: any FulfillmentStore { service.store }
    package var servicePort: Int { Int(serviceURL.split(separator: ":").last ?? "") ?? 0 }

    package static func logger() -> Logger {
        var logger = Logger(label: "test.service")
        logger.logLevel = .critical
        return logger
    }

    package static func configuration(emulatorURL: String, databasePath: String, clock: TestClock) -> ServiceConfiguration {
        var configuration = ServiceConfiguration(
            stripeSecretKey: "sk_test_service", stripeAPIBase: emulatorURL, webhookSecrets: [webhookSecret],
            database: .sqlite(path: databasePath), port: 0, publicURL: "http://shop.test", landingWait: .seconds(10),
            workerPollInterval: .milliseconds(100), eventRetryBase: .milliseconds(50), reconcileInterval: nil, now: { clock.now })
        configuration.orderAPIKey = orderAPIKey
        // Notifications and effects retried within the test's patience (the three-day window is kept).
        configuration.outgoingSchedule = RetrySchedule(base: .milliseconds(50), cap: .milliseconds(200), window: .seconds(3 * 24 * 3600))
        return configuration
    }

    /// Runs `body` with a fresh emulator and service. `runWorkers: false` serves HTTP without workers
    /// (events stay stored, as if every worker had died). `emulatorSharesClock`: the emulator's wall clock is the
    /// service's test clock, so that days passed on it (a subscription's grace, an outage) pass at Stripe too, and
    /// webhooks signed after it moved are fresh.
    package static func run<T: Sendable>(
        runWorkers: Bool = true, databasePath: String? = nil, clock: TestClock = TestClock(),
        emailTransport: (any EmailTransport)? = nil, merchantEndpoint: Bool = false, actions: ActionRegistry = .builtIn,
        stripeTransport: (any StripeTransport)? = nil, delivery: HarnessDelivery = .snapshot, connectedAccounts: [String] = [],
        webhookAPIVersion: String? = nil, emulatorSharesClock: Bool = false,
        configure: @Sendable (inout ServiceConfiguration) -> Void = { _ in }, _ body: @Sendable (ServiceHarness) async throws -> T
    ) async throws -> T {
        let logger = logger()
        let path = databasePath ?? FileManager.default.temporaryDirectory
            .appendingPathComponent("service-\(UUID().uuidString).sqlite").path
        let sharedClock = emulatorSharesClock ? clock : nil
        let wallClock: @Sendable () -> Date = { sharedClock?.now ?? Date() }
        let emulator = await Emulator(
            configuration: EmulatorConfiguration(
                webhookRetryBase: .milliseconds(50), webhookMaxAttempts: 6, delayedSettlementSeconds: 3 * 24 * 3600,
                tickInterval: .milliseconds(10), wallClock: wallClock, randomSeed: 7),
            logger: logger)
        let (emulatorPorts, emulatorPortSink) = AsyncStream<Int>.makeStream()
        let emulatorApp = emulator.application(port: 0) { emulatorPortSink.yield($0.localAddress?.port ?? 0) }
        return try await withThrowingTaskGroup(of: Void.self) { group in
            let emulatorGroup = ServiceGroup(services: [emulatorApp], gracefulShutdownSignals: [], logger: logger)
            group.addTask { try await emulatorGroup.run() }
            let emulatorURL = "http://127.0.0.1:\(await emulatorPorts.first { _ in true } ?? 0)"
            let emails = CapturingEmailTransport()
            var configuration = configuration(emulatorURL: emulatorURL, databasePath: path, clock: clock)
            var merchant: WebhookReceiver?
            var stopMerchant: @Sendable () async -> Void = {}
            if merchantEndpoint {
                let receiver = WebhookReceiver(signatureHeader: "Fulfillment-Signature")
                let (ports, portSink) = AsyncStream<Int>.makeStream()
                let receiverApp = Application(
                    router: receiver.router(), configuration: .init(address: .hostname("127.0.0.1", port: 0)),
                    onServerRunning: { portSink.yield($0.localAddress?.port ?? 0) }, logger: logger)
                let receiverGroup = ServiceGroup(services: [receiverApp], gracefulShutdownSignals: [], logger: logger)
                group.addTask { try await receiverGroup.run() }
                let port = await ports.first { _ in true } ?? 0
                configuration.merchantWebhook = try MerchantWebhookSetting(
                    url: "http://127.0.0.1:\(port)/webhook", secret: merchantSecret)
                merchant = receiver
                stopMerchant = { await receiverGroup.triggerGracefulShutdown() }
            }
            // Connect: the platform's accounts are made first, so that the service can be told of them; their
            // events come through a Connect endpoint with a secret of its own.
            var accounts: [String] = []
            for name in connectedAccounts { accounts.append(await emulator.state.makeAccount(businessName: name)) }
            if !accounts.isEmpty {
                configuration.connectWebhookSecrets = [connectSecret]
                configuration.connectedAccounts = accounts
            }
            configure(&configuration)
            let service = try await FulfillmentService(
                configuration: configuration, logger: logger, actions: actions, emailTransport: emailTransport ?? emails,
                stripeTransport: stripeTransport)
            let (servicePorts, servicePortSink) = AsyncStream<Int>.makeStream()
            let app = try service.application(workers: runWorkers, onServerRunning: { servicePortSink.yield($0.localAddress?.port ?? 0) })
            let serviceGroup = ServiceGroup(services: [app, service.drainSignal], gracefulShutdownSignals: [], logger: logger)
            // The service stops first and the emulator after it, as Stripe outlives any deployment: work the
            // service finishes during its graceful shutdown still reaches Stripe.
            let (serviceEnded, serviceEndedSink) = AsyncStream<Void>.makeStream()
            group.addTask {
                defer { serviceEndedSink.finish() }
                try await serviceGroup.run()
            }
            let stopMerchantAfterService = stopMerchant
            let stopBoth: @Sendable () async -> Void = {
                await serviceGroup.triggerGracefulShutdown()
                for await _ in serviceEnded {}
                await emulatorGroup.triggerGracefulShutdown()
                await stopMerchantAfterService()
            }
            let serviceURL = "http://127.0.0.1:\(await servicePorts.first { _ in true } ?? 0)"
            if delivery != .thin {
                await emulator.state.registerEndpoint(
                    url: serviceURL + "/webhook", enabledEvents: ["*"], secret: webhookSecret, apiVersion: webhookAPIVersion)
            }
            if !accounts.isEmpty {
                await emulator.state.registerEndpoint(url: serviceURL + "/webhook", enabledEvents: ["*"], secret: connectSecret, connect: true)
            }
            if delivery != .snapshot {
                await emulator.state.registerEventDestination(url: serviceURL + "/webhook", enabledEvents: ["*"], thin: true, secret: webhookSecret)
            }
            var harness = ServiceHarness(
                emulatorURL: emulatorURL, serviceURL: serviceURL, service: service,
                stripe: StripeClient(
                    configuration: StripeClientConfiguration(apiKey: "sk_test_harness", apiBase: emulatorURL), logger: logger),
                emails: emails, clock: clock, databasePath: path, merchant: merchant, beginShutdown: { await serviceGroup.triggerGracefulShutdown() })
            harness.accounts = accounts
            do {
                let result = try await body(harness)
                await stopBoth()
                try await group.waitForAll()
                return result
            } catch {
                await stopBoth()
                try? await group.waitForAll()
                throw error
            }
        }
    }

    // MARK: HTTP

    package static let httpClient = HTTPClient(
        eventLoopGroupProvider: .singleton, configuration: HTTPClient.Configuration(redirectConfiguration: .disallow))

    package struct Reply: Sendable {
        package var status: Int
        package var text: String
        /// Response headers by lowercased name (the first value of each).
        package var headers: [String: String] = [:]
        package func header(_ name: String) -> String? { headers[name.lowercased()] }
        package var json: JSONValue { (try? JSONValue.parse(Data(text.utf8))) ?? .null }
        /// The `name=value` of the (first) cookie the answer sets, to send back in a `Cookie` header.
        package var cookie: String? {
            header("Set-Cookie")?.split(separator: ";").first.map { String($0) }
        }
    }

    package func get(_ path: String, base: String? = nil, headers: [(String, String)] = []) async throws -> Reply {
        var request = HTTPClientRequest(url: (base ?? serviceURL) + path)
        for (name, value) in headers { request.headers.add(name: name, value: value) }
        return try await send(request)
    }

    package func post(_ path: String, body: String, headers: [(String, String)] = [], base: String? = nil) async throws -> Reply {
        var request = HTTPClientRequest(url: (base ?? serviceURL) + path)
        request.method = .POST
        for (name, value) in headers { request.headers.add(name: name, value: value) }
        request.body = .bytes(ByteBuffer(string: body))
        return try await send(request)
    }

    private func send(_ request: HTTPClientRequest) async throws -> Reply {
        let response = try await Self.httpClient.execute(request, timeout: .seconds(30))
        let buffer = try await response.body.collect(upTo: 8 << 20)
        var headers: [String: String] = [:]
        for (name, value) in response.headers where headers[name.lowercased()] == nil { headers[name.lowercased()] = value }
        return Reply(status: Int(response.status.code), text: String(buffer: buffer), headers: headers)
    }

    /// Test control on the emulator.
    @discardableResult
    package func control(_ path: String, _ form: FormValue = .empty) async throws -> Reply {
        try await post(
            "/_emulator" + path, body: FormEncoder.encode(form),
            headers: [("Content-Type", "application/x-www-form-urlencoded")], base: emulatorURL)
    }

    /// Posts a webhook signed with the service's secret (or as told), as Stripe would.
    package func postWebhook(_ body: String, signature: String? = nil, timestamp: Int? = nil) async throws -> Reply {
        let header = signature ?? WebhookSignature.header(
            payload: Data(body.utf8), secrets: [Self.webhookSecret], timestamp: timestamp ?? Int(Date().timeIntervalSince1970))
        return try await post("/webhook", body: body, headers: [("Stripe-Signature", header), ("Content-Type", "application/json")])
    }

    // MARK: Waiting

    /// Polls `condition` until it holds, or fails with `description` after `timeout`.
    package func eventually(_ description: String, timeout: Duration = .seconds(20), _ condition: @Sendable () async throws -> Bool) async throws {
        let deadline = ContinuousClock.now + timeout
        while ContinuousClock.now < deadline {
            if try await condition() { return }
            try await Task.sleep(for: .milliseconds(20))
        }
        throw TimedOut(description: description)
    }

    package struct TimedOut: Error, CustomStringConvertible {
        package var description: String
        package init(description: String) { self.description = description }
    }

    package func waitForStatus(_ sessionID: String, _ status: PurchaseStatus) async throws {
        try await eventually("\(sessionID) \(status)") { try await store.purchase(subjectID: sessionID)?.status == status }
    }

    // MARK: Shop fixtures

    /// A product and price with fulfillment metadata.
    package func price(_ name: String, amount: Int, metadata: [String: String]) async throws -> Price {
        let product = try await stripe.createProduct(["name": .string(name), "metadata": .map(metadata)])
        return try await stripe.createPrice(["product": .string(product.id), "currency": "eur", "unit_amount": .int(amount)])
    }

    package func session(
        _ lines: [(price: String, quantity: Int)], email: String = "jenny@example.com", shipping: Bool = true, locale: String? = nil
    ) async throws -> CheckoutSession {
        var fields: [FormField] = [
            FormField("mode", "payment"),
            FormField("success_url", .string("\(serviceURL)/checkout/complete?session_id={CHECKOUT_SESSION_ID}")),
            FormField("customer_email", .string(email)),
            FormField("line_items", .array(lines.map { ["price": .string($0.price), "quantity": .int($0.quantity)] })),
        ]
        if shipping { fields.append(FormField("shipping_address_collection", ["allowed_countries": ["DE", "FR"]])) }
        if let locale { fields.append(FormField("locale", .string(locale))) }
        return try await stripe.createCheckoutSession(.object(fields))
    }

    // MARK: After the payment (refunds, disputes)

    /// A Stripe API call as the merchant's dashboard or another tool would make it (not the service).
    @discardableResult
    package func stripeAPI(_ method: String, _ path: String, _ form: FormValue = .empty, account: String? = nil) async throws -> Reply {
        var headers = [("Authorization", "Bearer sk_test_harness"), ("Content-Type", "application/x-www-form-urlencoded")]
        if let account { headers.append(("Stripe-Account", account)) }
        switch method {
        case "GET": return try await get(path + "?" + FormEncoder.encode(form), base: emulatorURL, headers: headers)
        case "DELETE":
            var request = HTTPClientRequest(url: emulatorURL + path)
            request.method = .DELETE
            for (name, value) in headers { request.headers.add(name: name, value: value) }
            return try await send(request)
        default: return try await post(path, body: FormEncoder.encode(form), headers: headers, base: emulatorURL)
        }
    }

    /// The charge that paid a Checkout Session.
    package func chargeID(paying session: CheckoutSession) async throws -> String {
        let intent = try await stripeAPI("GET", "/v1/checkout/sessions/\(session.id)", ["expand": ["payment_intent"]]).json["payment_intent"]
        guard let charge = intent?["latest_charge"]?.stringValue else { throw TimedOut(description: "\(session.id) has no charge") }
        return charge
    }

    /// Refunds a charge in full or in part, as the merchant would in the Dashboard.
    package func refund(charge: String, amount: Int? = nil) async throws {
        var form: [FormField] = [FormField("charge", .string(charge))]
        if let amount { form.append(FormField("amount", .int(amount))) }
        let reply = try await stripeAPI("POST", "/v1/refunds", .object(form))
        guard reply.status == 200 else { throw TimedOut(description: "refund failed: \(reply.text)") }
    }

    /// Opens a dispute on a charge (the customer's bank); returns its id.
    package func dispute(charge: String) async throws -> String {
        let reply = try await control("/charges/\(charge)/dispute", ["reason": "fraudulent"])
        guard let id = reply.json["id"]?.stringValue else { throw TimedOut(description: "dispute failed: \(reply.text)") }
        return id
    }

    package func closeDispute(_ id: String, outcome: String) async throws {
        let reply = try await control("/disputes/\(id)/close", ["outcome": .string(outcome)])
        guard reply.status == 200 else { throw TimedOut(description: "close failed: \(reply.text)") }
    }

    /// Waits until the purchase's after-payment record satisfies `condition`.
    package func waitForAfterPayment(
        _ subjectID: String, _ description: String, _ condition: @escaping @Sendable (AfterPaymentRecord) -> Bool
    ) async throws {
        try await eventually("\(subjectID): \(description)") {
            try await store.afterPayment(subjectID: subjectID).map(condition) ?? false
        }
    }

    // MARK: Orders (Sources and Charges)

    /// `POST /api/orders` with a JSON body, as the merchant's backend (with the order API key) or, with
    /// `key: nil`, as anyone.
    package func createOrder(_ fields: JSONValue, key: String? = ServiceHarness.orderAPIKey) async throws -> Reply {
        var headers = [("Content-Type", "application/json")]
        if let key { headers.append(("Authorization", "Bearer \(key)")) }
        return try await post("/api/orders", body: fields.serialized(), headers: headers)
    }

    /// Creates an order that must succeed and returns its id and source id.
    package func order(_ method: String, amount: Int = 2500, extra: [String: JSONValue] = [:]) async throws -> (id: String, sourceID: String) {
        var fields: [String: JSONValue] = [
            "items": [["name": "Tulip bulbs", "quantity": 2, "unit_amount": .int(amount / 2)]], "currency": "eur",
            "email": "sam@example.com", "name": "Sam", "payment_method": .string(method), "payment_flow": "sources",
        ]
        if method == "sofort" { fields["sofort_country"] = "DE" }
        fields.merge(extra) { _, new in new }
        let reply = try await createOrder(.object(fields))
        guard reply.status == 201, let id = reply.json["id"]?.stringValue,
            let order = try await store.order(id: id)
        else { throw TimedOut(description: "order creation failed: \(reply.status) \(reply.text)") }
        return (id, order.sourceID ?? "")
    }

    /// Creates a PaymentIntent order (the default flow) that must be accepted; its answer.
    package func paymentIntentOrder(
        _ method: String, amount: Int = 2500, extra: [String: JSONValue] = [:], key: String? = ServiceHarness.orderAPIKey
    ) async throws -> Reply {
        var fields: [String: JSONValue] = [
            "items": [["name": "Tulip bulbs", "quantity": 2, "unit_amount": .int(amount / 2)]], "currency": "eur",
            "email": "sam@example.com", "name": "Sam", "payment_method": .string(method),
        ]
        fields.merge(extra) { _, new in new }
        let reply = try await createOrder(.object(fields), key: key)
        guard reply.status == 201, reply.json["id"]?.stringValue != nil else {
            throw TimedOut(description: "order creation failed: \(reply.status) \(reply.text)")
        }
        return reply
    }

    /// The customer's answer on the bank's (or 3-D Secure's) page for a PaymentIntent: `succeed` or `fail`.
    package func authorizeIntent(_ intentID: String, _ outcome: String) async throws {
        let reply = try await control("/payment_intents/\(intentID)/authorize", ["outcome": .string(outcome)])
        guard reply.status == 200 else { throw TimedOut(description: "authorize failed: \(reply.text)") }
    }

    package func authorize(_ sourceID: String, _ outcome: String, chargeOutcome: String? = nil) async throws {
        var form: [FormField] = [FormField("outcome", .string(outcome))]
        if let chargeOutcome { form.append(FormField("charge_outcome", .string(chargeOutcome))) }
        let reply = try await control("/sources/\(sourceID)/authorize", .object(form))
        guard reply.status == 200 else { throw TimedOut(description: "authorize failed: \(reply.text)") }
    }

    package func advanceEmulatorClock(seconds: Int) async throws {
        try await control("/clock/advance", ["seconds": .int(seconds)])
    }

    /// Waits for an order to reach `status`; on timeout, says where the order, the inbox and Stripe stand.
    package func waitForOrder(_ id: String, _ status: OrderStatus) async throws {
        do {
            try await eventually("order \(id) \(status)") { try await store.order(id: id)?.status == status }
        } catch {
            let order = try await store.order(id: id)
            let events = try await store.listEvents(status: nil, limit: 200)
            let source = try? await get(
                order?.paymentIntentID.map { "/v1/payment_intents/\($0)" } ?? "/v1/sources/\(order?.sourceID ?? "-")", base: emulatorURL,
                headers: [("Authorization", "Bearer sk_test_harness")])
            let charges = try await charges(forOrder: id).map { "\($0["id"]?.stringValue ?? "-") \($0["status"]?.stringValue ?? "-")" }
            throw TimedOut(
                description: "order \(id) not \(status): it is \(order.map { "\($0.status) source \($0.sourceID ?? "-") intent \($0.paymentIntentID ?? "-") charge \($0.chargeID ?? "-")" } ?? "missing"); "
                    + "source or intent at Stripe: \(source?.json["status"]?.stringValue ?? "?"); charges: \(charges); inbox: "
                    + events.map { "\($0.type) \($0.objectID ?? "-") \($0.status) x\($0.attempts) \($0.lastError ?? "")" }.joined(separator: "; "))
        }
    }

    /// The charges the emulator holds for an order (by the order id in their metadata).
    package func charges(forOrder id: String) async throws -> [JSONValue] {
        let reply = try await get("/v1/charges?limit=100", base: emulatorURL, headers: [("Authorization", "Bearer sk_test_harness")])
        return (reply.json["data"]?.arrayValue ?? []).filter { $0["metadata"]?["order_id"]?.stringValue == id }
    }

    /// Waits until no stored event is pending; on timeout, says which are and why.
    package func waitForInboxDrained(timeout: Duration = .seconds(20)) async throws {
        do {
            try await eventually("inbox drained", timeout: timeout) { try await store.eventCounts()[.pending] ?? 0 == 0 }
        } catch {
            let pending = try await store.listEvents(status: .pending, limit: 20)
            throw TimedOut(description: "still pending: " + pending.map { "\($0.type) \($0.objectID ?? "-") attempts \($0.attempts): \($0.lastError ?? "-")" }.joined(separator: "; "))
        }
    }

    /// Emails the capturing transport has sent under a dedupe key.
    package func sentEmails(_ key: String) -> [QueuedEmail] { emails.sent.filter { $0.email.dedupeKey == key } }

    package func pay(_ session: CheckoutSession, outcome: String = "paid") async throws {
        let reply = try await control("/checkout/sessions/\(session.id)/complete", ["outcome": .string(outcome)])
        guard reply.status == 200 else { throw TimedOut(description: "complete failed: \(reply.text)") }
    }
}

/// How the harness's emulator tells the service: a webhook endpoint (snapshot events), an event destination
/// of thin events, or both at once (a merchant migrating from one to the other).
package enum HarnessDelivery: String, Sendable, CaseIterable {
    case snapshot, thin, both
}
