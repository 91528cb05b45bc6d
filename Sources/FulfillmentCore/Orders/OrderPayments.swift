public import Foundation
public import Logging
public import StripeAPI

/// What Stripe says about orders, applied: the Sources and Charges flow's source and charge (a chargeable
/// source is charged once, the order id the charge's idempotency key) and the PaymentIntent flow's intent
/// (`OrderPayments+PaymentIntents`). Every handler re-fetches the object from Stripe and applies it through the order's state
/// machine with a compare-and-set, so duplicated, reordered and concurrent callers agree.
public struct OrderPayments: Sendable {
    private(set) var stripe: StripeClient
    let store: any FulfillmentStore
    let publicURL: String
    /// How often the status endpoint may look at one order's source itself (across every instance).
    let sourceCheckInterval: Duration
    let now: @Sendable () -> Date
    /// The merchant's notifications (`order.paid`, `order.canceled`).
    let notifier: MerchantNotifier
    /// What fulfils an item that refers to a Stripe price (its metadata, or the catalog), and the actions.
    let catalog: Catalog
    /// The language of customers whose order and browser name none we speak (`DEFAULT_LOCALE`).
    let defaultLanguage: CustomerLanguage
    let logger: Logger
    /// The connected account (Connect) these payments are on; nil: the platform's.
    public private(set) var account: String?

    public init(
        stripe: StripeClient, store: any FulfillmentStore, publicURL: String, sourceCheckInterval: Duration,
        notifier: MerchantNotifier = .disabled, catalog: Catalog = Catalog(), defaultLanguage: CustomerLanguage = .en,
        now: @escaping @Sendable () -> Date, logger: Logger
    ) {
        self.notifier = notifier
        self.catalog = catalog
        self.defaultLanguage = defaultLanguage
        self.stripe = stripe
        self.store = store
        self.publicURL = publicURL
        self.sourceCheckInterval = sourceCheckInterval
        self.now = now
        self.logger = logger
    }

    /// These payments on a connected account (an event's, an order's): every Stripe request goes there, and
    /// an order of another account is not touched.
    public func onAccount(_ account: String?) -> OrderPayments {
        var payments = self
        payments.account = account
        payments.stripe = stripe.onAccount(account)
        return payments
    }

    /// The order found for an event on this account, or nil when it is paid on another (ids are Stripe's,
    /// unique across accounts: a mismatch is a forged or misrouted event).
    func onThisAccount(_ order: Order?) throws -> Order? {
        guard let order, order.account != account else { return order }
        throw IgnoredEvent(reason: "order \(order.id) is paid on \(order.account ?? "the platform"), not on \(account ?? "the platform")")
    }

    /// The confirmation page of an order (the source's return URL).
    public func pageURL(orderID: String) -> String { "\(publicURL)/orders/\(orderID)" }

    // MARK: Webhook handlers

    /// `source.chargeable`, `source.failed`, `source.canceled`: re-fetches the source, applies it to its
    /// order, and charges the order if the source is chargeable and the order still awaits payment.
    public func sourceChanged(sourceID: String) async throws -> String {
        let source = try await stripe.retrieveSource(sourceID)
        guard let order = try onThisAccount(try await findOrder(sourceID: source.id, metadata: source.metadata)) else {
            throw OrphanEventError("no order for source \(source.id)")
        }
        let (decision, charged) = try await apply(source, to: order)
        return charged.map { "charged: order \($0.status.rawValue)" } ?? decision.note
    }

    /// `charge.pending`, `charge.succeeded`, `charge.failed`: re-fetches the charge and applies it to its
    /// order, found by charge id, by the order id in the charge's metadata, or by the charged source. The
    /// charge of a Checkout payment (a PaymentIntent's) is no order's: noted and left alone.
    public func chargeChanged(chargeID: String) async throws -> String {
        let charge = try await stripe.retrieveCharge(chargeID)
        var order = try await store.order(chargeID: charge.id)
        if order == nil, let orderID = charge.metadata["order_id"] { order = try await store.order(id: orderID) }
        if order == nil, let sourceID = charge.source { order = try await store.order(sourceID: sourceID) }
        // A Checkout payment's charge (it names a PaymentIntent and no order): the session's own events fulfil.
        if order == nil, let intent = charge.paymentIntent { return Self.checkoutChargeNote(intent) }
        guard let order = try onThisAccount(order) else { throw OrphanEventError("no order for charge \(charge.id)") }
        if order.paymentFlow == .paymentIntents, let intentID = order.paymentIntentID {
            // An attempt's charge: the PaymentIntent decides (a failed attempt leaves the order open).
            return try await apply(try await stripe.retrievePaymentIntent(intentID), to: order).note
        }
        return try await apply(Self.fact(charge), to: order).note
    }

    /// What a Checkout payment's charge event records: it is no order's.
    static func checkoutChargeNote(_ paymentIntent: String) -> String {
        "charge of \(paymentIntent) (a Checkout payment): nothing for orders"
    }

    // MARK: Charging

    /// Charges the order once: a reusable source is first attached to a customer; the order id is the
    /// idempotency key, so every caller (webhook, status page, order creation) gets the same charge. The
    /// charge's answer is applied at once (a card settles synchronously; webhooks then agree).
    func charge(_ order: Order) async throws -> Order {
        var order = order
        if order.usage == .reusable, order.customerID == nil {
            let customer = try await stripe.createCustomer(
                ["email": .string(order.customerEmail), "metadata": ["order_id": .string(order.id)]],
                idempotencyKey: "order-customer-\(order.id)")
            _ = try await stripe.attachSource(customerID: customer.id, sourceID: order.sourceID ?? "", idempotencyKey: "order-attach-\(order.id)")
            order = try await apply(.customer(id: customer.id), to: order).order
        }
        var parameters: [FormField] = [
            FormField("amount", .int(order.amount)),
            FormField("currency", .string(order.currency)),
            FormField("source", .string(order.sourceID ?? "")),
            FormField("description", .string("Order \(order.id)")),
            FormField("metadata", ["order_id": .string(order.id)]),
        ]
        if let customerID = order.customerID { parameters.append(FormField("customer", .string(customerID))) }
        let fact: OrderFact
        do {
            let charge = try await stripe.createCharge(.object(parameters), idempotencyKey: order.id)
            fact = Self.fact(charge)
        } catch let error as StripeError where error.kind == .card {
            // A decline: Stripe answers 402 and names the failed charge.
            fact = error.details.charge.map { .charge(id: $0, status: .failed, failureMessage: error.details.message) }
                ?? .chargeRefused(message: error.details.message ?? "declined")
        } catch let error as StripeError where error.details.code == "source_unavailable" {
            // The source moved on (failed, canceled, or consumed by this very charge): apply what it is now.
            return try await apply(Self.fact(try await stripe.retrieveSource(order.sourceID ?? "")), to: order).order
        }
        return try await apply(fact, to: order).order
    }

    static func fact(_ source: Source) -> OrderFact {
        .source(id: source.id, status: source.status, failureReason: source.redirect?.failureReason)
    }

    static func fact(_ charge: Charge) -> OrderFact {
        .charge(id: charge.id, status: charge.status, failureMessage: charge.failureMessage)
    }

    // MARK: Applying facts

    /// Applies the source's state to its order and, if the source is chargeable and the order still awaits
    /// payment, charges it (the one path for the webhook and the status endpoint). `charged` is the order
    /// after the charge, when there was one.
    func apply(_ source: Source, to order: Order) async throws -> (decision: OrderDecision, charged: Order?) {
        let decision = try await apply(Self.fact(source), to: order)
        guard source.status == .chargeable, decision.order.awaitsCharge else { return (decision, nil) }
        return (decision, try await charge(decision.order))
    }

    /// Applies `fact` with a compare-and-set, re-reading and re-deciding if another change won the race.
    @discardableResult
    func apply(_ fact: OrderFact, to order: Order) async throws -> OrderDecision {
        var current = order
        for _ in 0..<8 {
            let decision = current.applying(fact, now: now())
            guard decision.changed || decision.anomaly != nil else {
                // Already applied; a paid order whose fulfilment did not commit (a crash) is fulfilled now.
                try await fulfilIfPaid(decision.order)
                return decision
            }
            // The confirmation is the fulfilment's receipt (what was delivered); a failure is told at once.
            let email = decision.notice.flatMap { notice in
                notice == .confirmed ? nil : OrderEmails.email(for: notice, order: decision.order, pageURL: pageURL(orderID: current.id))
            }
            // Unchanged, `decision.order` is `current` as it is (an anomaly alone is still recorded).
            let outgoing = Outgoing(
                emails: email.map { [$0] } ?? [], dispatches: notifier.orderMoved(from: current, to: decision.order, now: now()))
            let stored = try await store.updateOrder(
                decision.order, expectedVersion: current.version, outgoing: outgoing, anomaly: decision.anomaly, now: now())
            if stored {
                if let anomaly = decision.anomaly {
                    logger.warning("order anomaly", metadata: ["order.id": "\(current.id)", "anomaly": "\(anomaly)"])
                }
                if decision.order.status != current.status {
                    logger.info(
                        "order moved",
                        metadata: [
                            "order.id": "\(current.id)", "order.from": "\(current.status.rawValue)",
                            "order.to": "\(decision.order.status.rawValue)",
                        ])
                }
                try await fulfilIfPaid(decision.order)
                return decision
            }
            guard let reread = try await store.order(id: current.id) else { throw OrphanEventError("order \(current.id) vanished") }
            current = reread
        }
        throw OrderContentionError(orderID: order.id)
    }

    func findOrder(sourceID: String, metadata: [String: String]?) async throws -> Order? {
        if let order = try await store.order(sourceID: sourceID) { return order }
        if let orderID = metadata?["order_id"], let order = try await store.order(id: orderID), order.sourceID == sourceID {
            return order
        }
        return nil
    }
}

/// Too many concurrent changes to one order in a row; the event is retried.
public struct OrderContentionError: Error, Sendable, CustomStringConvertible {
    public var orderID: String
    public var description: String { "order \(orderID) changed under every attempt; retrying later" }
}

extension EventRouter {
    /// The Sources and Charges handlers.
    public static func orders(_ payments: OrderPayments) -> EventRouter {
        var router = EventRouter()
        for type in [EventType.sourceChargeable, .sourceFailed, .sourceCanceled] {
            router.on(type) { event in try await payments.onAccount(event.account).sourceChanged(sourceID: try event.requireObjectID()) }
        }
        for type in [EventType.chargePending, .chargeSucceeded, .chargeFailed] {
            router.on(type) { event in
                // A Checkout payment's charge is never an order's: decided from the event's own copy (a charge's
                // PaymentIntent and the order id we set at creation never change), sparing a Stripe request,
                // under the rate limit, for every Checkout payment.
                if let intent = event.checkoutPaymentIntent { return OrderPayments.checkoutChargeNote(intent) }
                // An attempt's charge of a PaymentIntent order: the intent's own events decide, so the charge costs
                // no Stripe request (under the rate limit, one request per paid order, not three).
                if let (orderID, intent) = event.orderChargeOfPaymentIntent,
                    let note = try await payments.paymentIntentOrderChargeNote(orderID: orderID, paymentIntent: intent)
                {
                    return note
                }
                return try await payments.onAccount(event.account).chargeChanged(chargeID: try event.requireObjectID())
            }
        }
        return router
    }
}

extension InboxEvent {
    /// The order id and PaymentIntent of a charge event whose charge carries both (a PaymentIntent order's attempt).
    var orderChargeOfPaymentIntent: (orderID: String, paymentIntent: String)? {
        guard let object = (try? JSONValue.parse(payload))?["data"]?["object"], object["object"]?.stringValue == "charge",
            let orderID = object["metadata"]?["order_id"]?.stringValue,
            let intent = object["payment_intent"]?.stringValue ?? object["payment_intent"]?["id"]?.stringValue
        else { return nil }
        return (orderID, intent)
    }

    /// The PaymentIntent of a charge event's charge when the charge carries no order id: a Checkout payment.
    var checkoutPaymentIntent: String? {
        guard let object = (try? JSONValue.parse(payload))?["data"]?["object"],
            object["object"]?.stringValue == "charge", object["metadata"]?["order_id"]?.stringValue == nil
        else { return nil }
        return object["payment_intent"]?.stringValue ?? object["payment_intent"]?["id"]?.stringValue
    }
}
