public import Foundation
public import Logging
public import StripeAPI

/// keep-subscription: the one idempotent step that every subscription and invoice event, a `mode=subscription`
/// Checkout Session, the reconciler and the grace sweep call with a subscription id. It re-fetches the
/// subscription (each item's price and product, where the fulfilment is named) and its newest invoices, lets
/// `SubscriptionMachine` decide from the stored entitlement, and stores the decision with a compare-and-set,
/// its emails and notifications queued in the same transaction. The first paid state grants the lines through
/// the ledger (a purchase of the kind `subscription`, with the welcome email and `subscription.started`), so
/// the grant is once however many workers race to it; a lost compare-and-set decides again.
public struct SubscriptionKeeper: Sendable {
    static let expansions: FormValue = ["expand": ["items.data.price.product"]]

    private(set) var stripe: StripeClient
    let store: any FulfillmentStore
    let catalog: Catalog
    /// Which subscriptions are ours (`FULFILL_WHEN`, read as `SessionFilter.reasonToIgnore(subscription:)` says).
    let filter: SessionFilter
    let notifier: MerchantNotifier
    let sends: SubscriptionOutgoing
    let defaultLanguage: CustomerLanguage
    let publicURL: String
    /// How long a past-due subscription keeps access before it is suspended (`SUBSCRIPTION_GRACE`).
    public let grace: TimeInterval
    let now: @Sendable () -> Date
    let logger: Logger
    /// The connected account (Connect) the subscription is billed on; nil: the platform's.
    public private(set) var account: String?

    public init(
        stripe: StripeClient, store: any FulfillmentStore, catalog: Catalog, filter: SessionFilter = .all, notifier: MerchantNotifier = .disabled,
        sendsReceipts: Bool = true, defaultLanguage: CustomerLanguage = .en, publicURL: String, grace: TimeInterval,
        now: @escaping @Sendable () -> Date, logger: Logger
    ) {
        self.stripe = stripe
        self.store = store
        self.catalog = catalog
        self.filter = filter
        self.notifier = notifier
        self.sends = SubscriptionOutgoing(notifier: notifier, sendsReceipts: sendsReceipts, grace: grace)
        self.defaultLanguage = defaultLanguage
        self.publicURL = publicURL
        self.grace = grace
        self.now = now
        self.logger = logger
    }

    public func onAccount(_ account: String?) -> SubscriptionKeeper {
        var keeper = self
        keeper.account = account
        keeper.stripe = stripe.onAccount(account)
        return keeper
    }

    /// What the Checkout Session that started a subscription knew of its buyer (the customer object may have
    /// less: no name, no language).
    public struct Buyer: Sendable {
        public var email: String?
        public var name: String?
        public var language: CustomerLanguage?
        public var shipping: ShippingDetails?

        public init(email: String?, name: String?, language: CustomerLanguage?, shipping: ShippingDetails?) {
            self.email = email
            self.name = name
            self.language = language
            self.shipping = shipping
        }

        /// What `session` knew of its buyer.
        public init(_ session: CheckoutSession) {
            self.init(
                email: session.customerDetails?.email ?? session.customerEmail, name: session.customerDetails?.name,
                language: CustomerLanguage(stripeLocale: session.locale), shipping: session.shippingDetails)
        }
    }

    public enum Outcome: Sendable {
        /// Not paid for yet (`incomplete`): nothing granted, nothing stored.
        case notPaidYet(status: String)
        /// Another integration's (`FULFILL_WHEN`): nothing done, for this reason.
        case notOurs(reason: String)
        /// Stripe's state changes nothing the service keeps (a duplicate, a stale or a reordered event).
        case unchanged(StoredSubscription)
        /// Stored, with what changed (each told once).
        case changed(StoredSubscription, [SubscriptionChange])

        public var subscription: StoredSubscription? {
            switch self {
            case .notPaidYet, .notOurs: nil
            case .unchanged(let subscription), .changed(let subscription, _): subscription
            }
        }
    }

    /// Brings the stored entitlement to Stripe's current state of the subscription.
    public func sync(subscriptionID: String, buyer: Buyer? = nil) async throws -> Outcome {
        for _ in 0..<5 {
            let stored = try await store.subscription(id: subscriptionID)
            let (subscription, body) = try await stripe.sendKeepingBody(
                .get, "/v1/subscriptions/\(StripeClient.pathSegment(subscriptionID))", parameters: Self.expansions, as: Subscription.self)
            let invoices = try await stripe.listInvoices(subscription: subscriptionID).data
            let fact = SubscriptionFact(subscription, invoices: invoices)
            let at = now()
            let decision = SubscriptionMachine.decide(fact, current: stored?.entitlement, subscriptionID: subscriptionID, now: at, grace: grace)
            guard let entitlement = decision.entitlement else { return .notPaidYet(status: fact.status) }
            if let stored, decision.isNoChange { return .unchanged(stored) }
            var record: StoredSubscription
            var shipping: ShippingDetails?
            if let stored {
                record = stored
            } else {
                // First sight: is it ours? One a Checkout Session of ours started comes with its buyer; the
                // session that started one, if any, is asked of Stripe.
                var startedBy: CheckoutSession?
                if buyer == nil { startedBy = try await stripe.checkoutSession(startingSubscription: subscriptionID) }
                if buyer == nil, let reason = filter.reasonToIgnore(subscription: subscription, startedBy: startedBy, account: account) {
                    return .notOurs(reason: reason)
                }
                let known = try await knownBuyer(of: subscription, given: buyer ?? startedBy.map(Buyer.init))
                shipping = known.shipping
                record = StoredSubscription(
                    entitlement: entitlement, account: account, customerID: subscription.customer, customerEmail: known.email,
                    customerName: known.name, language: known.language, createdAt: at, updatedAt: at)
            }
            record.entitlement = entitlement
            record.updatedAt = at
            let lines = try plannedLines(subscription)
            if decision.changes.contains(.started) {
                try await grant(record, lines: lines, object: Data(body), shipping: shipping, fact: fact, at: at)
            }
            var renewals: [String: RenewalDelivery] = [:]
            if decision.changes.contains(where: { if case .renewed = $0 { true } else { false } }) {
                let granted = try await store.purchase(subjectID: subscriptionID)
                for case .renewed(let invoice) in decision.changes {
                    renewals[invoice] = deliver(lines, granted: granted, record: record, invoice: invoice, at: at)
                }
            }
            let outgoing = sends.outgoing(
                for: decision.changes, previous: stored?.entitlement, subscription: record, fact: fact, renewals: renewals,
                texts: (record.language ?? defaultLanguage).texts, now: at)
            if try await store.saveSubscription(record, expectedVersion: stored?.entitlement.version, outgoing: outgoing, now: at) {
                logger.info(
                    "subscription kept",
                    metadata: [
                        "subscription.id": "\(subscriptionID)", "subscription.access": "\(entitlement.access.rawValue)",
                        "subscription.changes": "\(decision.changes.map(Self.name).joined(separator: ","))",
                    ])
                return .changed(record, decision.changes)
            }
            // Another worker stored a change first: decide again from what it stored.
        }
        throw ConcurrentSubscriptionChange(subscriptionID: subscriptionID)
    }

    /// Suspends past-due subscriptions whose grace ran out (Stripe sends no event for that): each is synced
    /// from Stripe first, so one paid meanwhile is restored rather than suspended. Returns how many it looked at.
    public func sweep(limit: Int = 100) async throws -> Int {
        let due = try await store.pastDueSubscriptions(since: now().addingTimeInterval(-grace), limit: limit)
        for subscription in due {
            do {
                _ = try await onAccount(subscription.account).sync(subscriptionID: subscription.id)
            } catch {
                logger.warning("grace sweep could not sync a subscription", metadata: ["subscription.id": "\(subscription.id)", "error": "\(error)"])
            }
        }
        return due.count
    }

    /// Where the customer manages `subscription` (Stripe's billing portal, on its account), back to `returnURL`.
    public func billingPortalURL(for subscription: StoredSubscription, returnURL: String) async throws -> String {
        try await stripe.onAccount(subscription.account).createBillingPortalSession(customer: subscription.customerID, returnURL: returnURL)
    }

    /// Who the subscription is for: the buyer its Checkout Session knew (asked of Stripe when the subscription's
    /// own events come first, as they do), else its customer (email, name, preferred language).
    func knownBuyer(of subscription: Subscription, given: Buyer?) async throws -> Buyer {
        var known = given ?? Buyer(email: nil, name: nil, language: nil, shipping: nil)
        if known.email == nil || known.language == nil {
            let customer = try await stripe.retrieveCustomer(subscription.customer)
            known.email = known.email ?? customer.email
            known.name = known.name ?? customer.name
            known.language = known.language ?? customer.preferredLocales.lazy.compactMap { CustomerLanguage(stripeLocale: $0) }.first
        }
        return known
    }

    /// Each item as a line to fulfil, its action named by its price's or product's metadata or the catalog.
    func plannedLines(_ subscription: Subscription) throws -> [PlannedLine] {
        try subscription.items.map { item in
            let quantity = item.quantity ?? 1
            let description = item.price.product.expanded?.name ?? item.price.nickname ?? item.price.id
            return PlannedLine(
                lineItemID: item.id, description: description, quantity: quantity, amountTotal: (item.price.unitAmount ?? 0) * quantity,
                currency: item.price.currency, productID: item.price.product.id,
                action: try catalog.action(price: item.price, describing: "subscription \(subscription.id) item \(item.id)"))
        }
    }

    /// The grant: the lines performed once, through the ledger, with the welcome email and `subscription.started`.
    func grant(
        _ record: StoredSubscription, lines: [PlannedLine], object: Data, shipping: ShippingDetails?, fact: SubscriptionFact, at: Date
    ) async throws {
        let first = fact.invoices.last { $0.paid }
        let texts = (record.language ?? defaultLanguage).texts
        let notifier = self.notifier, publicURL = self.publicURL
        let plan = FulfillmentPlan(
            subjectID: record.id, kind: .subscription, paymentIntentID: nil, customerEmail: record.customerEmail,
            customerName: record.customerName, amountTotal: first?.amount, currency: first?.currency, shipping: shipping, lines: lines,
            objectJSON: object,
            receipt: { lines in SubscriptionEmails.welcome(record, lines: lines, texts: texts) },
            accessURL: { token in "\(publicURL)/access/\(token)" },
            notifications: { purchase in
                notifier.subscription(.subscriptionStarted, record, lines: purchase.lines, invoice: first, now: at)
            },
            actions: catalog.actions, language: record.language, account: account, now: at)
        _ = try await store.commitFulfillment(plan)
    }

    /// What a renewal delivers for its period: a shipment for each `physical` line, an effect for each registered
    /// action (keyed by the invoice, so once per period); `digital` lines keep the grant's access link, which the
    /// renewal extends; lines that take tracked stock are recorded (renewals do not take stock).
    func deliver(_ lines: [PlannedLine], granted: Purchase?, record: StoredSubscription, invoice: String, at: Date) -> RenewalDelivery {
        // Shipped where the grant shipped (the address the Checkout Session collected).
        let plan = FulfillmentPlan(
            subjectID: record.id, kind: .subscription, paymentIntentID: nil, customerEmail: record.customerEmail,
            customerName: record.customerName, amountTotal: nil, currency: nil, shipping: granted?.shipping, lines: lines, objectJSON: Data(),
            receipt: { _ in nil }, accessURL: { _ in "" }, actions: catalog.actions, language: record.language, account: account, now: at)
        var delivered: [FulfilledLine] = []
        var effects: [Dispatch] = []
        for line in lines {
            let outcome: LineOutcome
            if line.action.name == BuiltInActions.digital {
                guard let access = granted?.lines.first(where: { $0.lineItemID == line.lineItemID })?.outcome else { continue }
                outcome = access
            } else if let action = catalog.actions.action(named: line.action.name), !action.needsSKU {
                let result = action.perform(
                    line, in: ActionContext(plan: plan, available: nil, token: RandomToken.hex(byteCount: 16), period: invoice))
                outcome = result.outcome
                effects += result.effects
            } else {
                outcome = .recorded
            }
            delivered.append(
                FulfilledLine(
                    lineItemID: line.lineItemID, description: line.description, quantity: line.quantity, amountTotal: line.amountTotal,
                    currency: line.currency, productID: line.productID, action: line.action, outcome: outcome, performedAt: at))
        }
        return RenewalDelivery(lines: delivered, effects: effects)
    }

    static func name(_ change: SubscriptionChange) -> String {
        switch change {
        case .started: "started"
        case .renewed(let invoice): "renewed(\(invoice))"
        case .pastDue(let invoice, _): "past_due(\(invoice))"
        case .suspended: "suspended"
        case .restored: "restored"
        case .cancelScheduled: "cancel_scheduled"
        case .cancelWithdrawn: "cancel_withdrawn"
        case .planChanged: "plan_changed"
        case .ended: "ended"
        }
    }
}

/// Five decisions in a row lost their compare-and-set to other workers: the event is retried later.
public struct ConcurrentSubscriptionChange: Error, CustomStringConvertible {
    public var subscriptionID: String
    public var description: String { "subscription \(subscriptionID) kept changing under this decision; retried later" }
}
