public import Foundation
public import Logging
public import StripeAPI

/// fulfill-checkout: the one idempotent step that the webhook worker, the landing page and any retry all
/// call with a Checkout Session id. It re-fetches the session from Stripe (never trusting an event's copy),
/// pages past the embedded line items, fulfils only when `payment_status` is `paid` or
/// `no_payment_required`, and lets the store claim the ledger row so the effects happen once.
public struct CheckoutFulfiller: Sendable {
    /// Expansions that give each line's price and product (where fulfillment metadata lives).
    static let sessionExpansions = ["line_items.data.price.product"]

    private(set) var stripe: StripeClient
    let store: any FulfillmentStore
    let catalog: Catalog
    /// Which sessions are ours (`FULFILL_WHEN`); the others are left alone, with the reason.
    let sessionFilter: SessionFilter
    /// Whether the customer gets our receipt (`RECEIPTS`; off when Stripe's own receipts are on).
    let sendsReceipts: Bool
    /// The merchant's notifications (`checkout.fulfilled`, `.payment_failed`, `.expired`).
    let notifier: MerchantNotifier
    /// The language of customers whose session names none we speak (`DEFAULT_LOCALE`).
    let defaultLanguage: CustomerLanguage
    let publicURL: String
    let now: @Sendable () -> Date
    /// Told how long each fulfillment took (re-fetch, plan, commit), for metrics only: the workers are woken
    /// by the store, which rings them when the fulfilment's receipt and notifications are committed.
    let onFulfilled: @Sendable (_ duration: Duration) -> Void
    let logger: Logger
    /// The connected account (Connect) this fulfiller acts on: every Stripe request goes there and the ledger
    /// keeps it. Nil: the platform's own account.
    public private(set) var account: String?
    /// Who keeps the subscriptions `mode=subscription` sessions start (nil: such sessions are not fulfilled).
    public private(set) var subscriptions: SubscriptionKeeper?

    public init(
        stripe: StripeClient, store: any FulfillmentStore, catalog: Catalog, sessionFilter: SessionFilter = .all,
        sendsReceipts: Bool = true, notifier: MerchantNotifier = .disabled, defaultLanguage: CustomerLanguage = .en,
        publicURL: String, now: @escaping @Sendable () -> Date,
        onFulfilled: @escaping @Sendable (Duration) -> Void = { _ in }, logger: Logger
    ) {
        self.stripe = stripe
        self.store = store
        self.catalog = catalog
        self.sessionFilter = sessionFilter
        self.sendsReceipts = sendsReceipts
        self.notifier = notifier
        self.defaultLanguage = defaultLanguage
        self.publicURL = publicURL
        self.now = now
        self.onFulfilled = onFulfilled
        self.logger = logger
    }

    /// This fulfiller acting on a connected account (an event's `account`, a purchase's): fetches go there
    /// (`Stripe-Account`) and the ledger records it.
    public func onAccount(_ account: String?) -> CheckoutFulfiller {
        var fulfiller = self
        fulfiller.account = account
        fulfiller.stripe = stripe.onAccount(account)
        fulfiller.subscriptions = subscriptions?.onAccount(account)
        return fulfiller
    }

    /// This fulfiller handing `mode=subscription` sessions to `keeper`.
    public func keepingSubscriptions(_ keeper: SubscriptionKeeper) -> CheckoutFulfiller {
        var fulfiller = self
        fulfiller.subscriptions = keeper.onAccount(account)
        return fulfiller
    }

    /// What a call did.
    public enum Result: Sendable {
        /// This call fulfilled the session.
        case fulfilled(Purchase)
        /// It had been fulfilled already; nothing was done twice.
        case alreadyFulfilled(Purchase)
        /// Paid by a delayed method that has not settled: recorded as awaiting payment.
        case awaitingPayment(Purchase?)
        /// Still open (the customer has not paid), or ended without payment.
        case notPaid(status: CheckoutSessionStatus?, record: Purchase?)
        /// Another integration's session (`FULFILL_WHEN`): nothing done, for this reason.
        case notOurs(reason: String)

        public var record: Purchase? {
            switch self {
            case .fulfilled(let record), .alreadyFulfilled(let record): record
            case .awaitingPayment(let record), .notPaid(_, let record): record
            case .notOurs: nil
            }
        }
    }

    /// Fulfils the session if it is paid; records that payment is pending if it is not yet.
    public func fulfill(sessionID: String) async throws -> Result {
        if let existing = try await store.purchase(subjectID: sessionID), existing.status == .fulfilled {
            return .alreadyFulfilled(existing)
        }
        let started = ContinuousClock.now
        let (session, body) = try await stripe.sendKeepingBody(
            .get, "/v1/checkout/sessions/\(StripeClient.pathSegment(sessionID))",
            parameters: ["expand": .array(Self.sessionExpansions.map { .string($0) })], as: CheckoutSession.self)
        if let reason = sessionFilter.reasonToIgnore(session, account: account) { return .notOurs(reason: reason) }
        if session.mode == .subscription { return try await startSubscription(session) }
        switch session.paymentStatus {
        case .paid, .noPaymentRequired:
            let plan = try await plan(for: session, rawSession: Data(body))
            switch try await store.commitFulfillment(plan) {
            case .committed(let record):
                onFulfilled(ContinuousClock.now - started)
                logger.info(
                    "checkout fulfilled",
                    metadata: ["checkout.session.id": "\(sessionID)", "checkout.lines": "\(record.lines.count)"])
                return .fulfilled(record)
            case .alreadyFulfilled(let record):
                return .alreadyFulfilled(record)
            }
        default:
            if session.status == .complete {
                _ = try await store.transitionPurchase(transition(for: session, to: .awaitingPayment, email: nil))
                return .awaitingPayment(try await store.purchase(subjectID: sessionID))
            }
            if session.status == .expired {
                _ = try await store.transitionPurchase(transition(for: session, to: .expired, email: nil))
            }
            return .notPaid(status: session.status, record: try await store.purchase(subjectID: sessionID))
        }
    }

    /// A `mode=subscription` session: what it bought is its subscription, granted (once) by the keeper when its
    /// first invoice is paid, with what the session knew of the buyer. The result names the subscription's
    /// purchase, so the landing page shows its lines and access links. Once it is granted, its own events keep it
    /// (a visit to the landing page or a late completion event syncs nothing again: it costs this session's one
    /// request, not the subscription's and its invoices').
    func startSubscription(_ session: CheckoutSession) async throws -> Result {
        guard let subscriptions, let subscriptionID = session.subscription else {
            return .notPaid(status: session.status, record: nil)
        }
        if let granted = try await store.purchase(subjectID: subscriptionID), granted.status == .fulfilled {
            return .alreadyFulfilled(granted)
        }
        let outcome = try await subscriptions.sync(subscriptionID: subscriptionID, buyer: SubscriptionKeeper.Buyer(session))
        if case .notOurs(let reason) = outcome { return .notOurs(reason: reason) }
        guard let record = try await store.purchase(subjectID: subscriptionID), record.status == .fulfilled else {
            return session.status == .complete ? .awaitingPayment(nil) : .notPaid(status: session.status, record: nil)
        }
        if case .changed(_, let changes) = outcome, changes.contains(.started) { return .fulfilled(record) }
        return .alreadyFulfilled(record)
    }

    /// `checkout.session.async_payment_failed`: the delayed payment did not arrive. Tells the customer once.
    public func paymentFailed(sessionID: String) async throws -> TransitionOutcome {
        let session = try await stripe.retrieveCheckoutSession(sessionID)
        if let reason = sessionFilter.reasonToIgnore(session, account: account) { throw IgnoredEvent(reason: reason) }
        guard session.paymentStatus == .unpaid else {
            // Stripe says it is paid after all: fulfil rather than trust the event.
            _ = try await fulfill(sessionID: sessionID)
            return .refused(current: .fulfilled)
        }
        let email = CheckoutEmails.paymentFailed(
            sessionID: sessionID, to: session.customerDetails?.email ?? session.customerEmail,
            name: session.customerDetails?.name, retryURL: session.cancelURL ?? publicURL,
            texts: (CustomerLanguage(stripeLocale: session.locale) ?? defaultLanguage).texts)
        return try await store.transitionPurchase(transition(for: session, to: .paymentFailed, email: email))
    }

    /// `checkout.session.expired`: the session ended unpaid (never overrides a fulfillment).
    public func expired(sessionID: String) async throws -> TransitionOutcome {
        let session = try await stripe.retrieveCheckoutSession(sessionID)
        if let reason = sessionFilter.reasonToIgnore(session, account: account) { throw IgnoredEvent(reason: reason) }
        guard session.status == .expired else {
            return .refused(current: try await store.purchase(subjectID: sessionID)?.status ?? .awaitingPayment)
        }
        return try await store.transitionPurchase(transition(for: session, to: .expired, email: nil))
    }

    func plan(for session: CheckoutSession, rawSession: Data) async throws -> FulfillmentPlan {
        // The embedded list holds the first page only (and is absent if not expanded): page through the rest.
        var items = session.lineItems?.data ?? []
        var hasMore = session.lineItems?.hasMore ?? true
        var cursor = items.last?.id
        while hasMore {
            let page = try await stripe.listCheckoutSessionLineItems(
                session.id, limit: 100, startingAfter: cursor, expand: ["data.price.product"])
            items.append(contentsOf: page.data)
            hasMore = page.hasMore && !page.data.isEmpty
            cursor = page.data.last?.id
        }
        let lines = try items.map { item in
            try PlannedLine(
                lineItemID: item.id, description: item.description, quantity: item.quantity ?? 1,
                amountTotal: item.amountTotal, currency: item.currency, productID: item.price?.product.id,
                action: catalog.action(for: item))
        }
        let email = session.customerDetails?.email ?? session.customerEmail
        let name = session.customerDetails?.name
        let landingURL = "\(publicURL)/checkout/complete?session_id=\(session.id)"
        let publicURL = self.publicURL
        let sendsReceipts = self.sendsReceipts
        let notifier = self.notifier
        let plannedAt = now()
        let language = CustomerLanguage(stripeLocale: session.locale)
        let texts = (language ?? defaultLanguage).texts
        let details = CheckoutDetails(session)
        return FulfillmentPlan(
            subjectID: session.id, kind: .checkoutSession, paymentIntentID: session.paymentIntent, customerEmail: email, customerName: name,
            amountTotal: session.amountTotal, currency: session.currency, shipping: session.shippingDetails, lines: lines,
            objectJSON: rawSession,
            receipt: { lines in
                guard sendsReceipts else { return nil }
                return CheckoutEmails.receipt(
                    sessionID: session.id, to: email, name: name, lines: lines, amountTotal: session.amountTotal,
                    currency: session.currency, landingURL: landingURL, texts: texts)
            },
            accessURL: { token in "\(publicURL)/access/\(token)" },
            notifications: { record in notifier.fulfilled(record, details: details, now: plannedAt) }, actions: catalog.actions, language: language,
            account: account, now: plannedAt)
    }

    func transition(for session: CheckoutSession, to status: PurchaseStatus, email: OutboundEmail?) -> PurchaseTransition {
        let at = now()
        let row = PurchaseRow(
            subjectID: session.id, kind: .checkoutSession, status: status, customerEmail: session.customerDetails?.email ?? session.customerEmail,
            customerName: session.customerDetails?.name, amountTotal: session.amountTotal, currency: session.currency,
            shipping: session.shippingDetails, createdAt: at, updatedAt: at, fulfilledAt: nil, account: account)
        let notification: MerchantNotifier.EventType? =
            switch status {
            case .paymentFailed: .checkoutPaymentFailed
            case .expired: .checkoutExpired
            case .awaitingPayment, .fulfilled: nil
            }
        return PurchaseTransition(
            subjectID: session.id, kind: .checkoutSession, to: status, customerEmail: row.customerEmail, customerName: row.customerName,
            amountTotal: row.amountTotal, currency: row.currency, email: email,
            dispatches: notification.map { notifier.checkoutChanged($0, row: row, details: CheckoutDetails(session), now: at) } ?? [],
            language: CustomerLanguage(stripeLocale: session.locale), account: account, now: at)
    }
}
