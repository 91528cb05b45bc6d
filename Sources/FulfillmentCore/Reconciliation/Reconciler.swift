public import Foundation
public import Logging
public import StripeAPI

/// Recovers what webhooks missed. Stripe gives up on an endpoint after about three days of failures; an
/// outage, a wrong secret after a rotation or an endpoint registered without some event type would
/// otherwise lose those orders. A pass:
///
/// 1. pages `GET /v1/events` for the types the service handles, from the stored watermark less an overlap
///    (never past Stripe's 30 days), and inserts into the inbox what it lacks (the webhook's dedupe by
///    event id; marked `reconciler`), for the workers to handle as any event;
/// 2. pages `GET /v1/checkout/sessions?status=complete` over the same window and fulfils every paid session
///    the ledger does not show fulfilled (fulfill-checkout, so nothing happens twice; a `mode=subscription`
///    session's purchase is its subscription's);
/// 3. syncs from Stripe every subscription whose paid period has ended but that is not ended here (its renewal
///    or its end told by no event within reach);
/// 4. moves the watermark to when the pass began.
///
/// With Connect, steps 1 and 2 (and the orders') run on the platform and then on every connected account the
/// ledger has seen a purchase or an order on, and every one listed in `CONNECTED_ACCOUNTS`.
///
/// One process at a time holds the pass (a lease in the store, renewed as it goes). A dry run reads and
/// counts, writes nothing and leaves the watermark.
public struct Reconciler: Sendable {
    /// What a pass has done so far (reported as it goes, for a terminal or a log).
    public struct Progress: Sendable, Hashable {
        public var eventPages = 0
        public var eventsFound = 0
        public var eventsRecovered = 0
        public var sessionPages = 0
        public var sessionsChecked = 0
        public var sessionsFulfilled = 0
        public var orderPages = 0
        /// Orders whose PaymentIntent succeeded while the order was not paid.
        public var ordersChecked = 0
        public var ordersPaid = 0
        /// Subscriptions past their paid period, synced from Stripe (renewed or ended without an event saying so).
        public var subscriptionsChecked = 0
        /// The accounts looked at: the platform and each connected account.
        public var accounts = 0

        public init() {}
    }

    /// What a pass did.
    public struct Summary: Sendable {
        public var from: Date
        public var startedAt: Date
        public var dryRun: Bool
        public var progress: Progress
        /// The events inserted into the inbox (or that would be, in a dry run): id and type.
        public var recovered: [(id: String, type: String)]
        /// The paid sessions this pass fulfilled (or would fulfil).
        public var fulfilledSessions: [String]
        /// The orders this pass paid from their succeeded PaymentIntent (or would).
        public var paidOrders: [String] = []

        /// One line for logs and the stored state (orders only when there were some to pay).
        public var line: String {
            let verb = dryRun ? "would recover" : "recovered"
            let orders = progress.ordersChecked == 0
                ? "" : "; \(dryRun ? "would pay" : "paid") \(progress.ordersPaid) of \(progress.ordersChecked) orders whose PaymentIntent succeeded"
            return "\(verb) \(progress.eventsRecovered) of \(progress.eventsFound) events in \(progress.eventPages) pages; "
                + "\(dryRun ? "would fulfil" : "fulfilled") \(progress.sessionsFulfilled) of \(progress.sessionsChecked) paid sessions" + orders
                + (progress.subscriptionsChecked == 0 ? "" : "; synced \(progress.subscriptionsChecked) subscriptions past their period")
                + (progress.accounts > 1 ? "; on the platform and \(progress.accounts - 1) connected accounts" : "")
        }
    }

    /// Stripe keeps events for 30 days.
    public static let stripeEventRetention: TimeInterval = 30 * 24 * 3600

    private(set) var stripe: StripeClient
    let store: any FulfillmentStore
    private(set) var fulfiller: CheckoutFulfiller
    /// The event types the service handles (asked for 20 at a time: `types[]`'s limit).
    let eventTypes: [String]
    /// Applies a PaymentIntent to its order (`nil`: orders are not looked at).
    private(set) var orders: OrderPayments?
    /// Connected accounts to look at beside those the ledger has seen (`CONNECTED_ACCOUNTS`).
    let connectedAccounts: [String]
    /// The account this copy looks at (nil: the platform).
    private(set) var account: String?
    /// Looked back before the watermark, for events Stripe made visible late or clocks that disagree.
    let overlap: TimeInterval
    /// How long the lease lasts without renewal (renewed after every page).
    let lease: TimeInterval
    private(set) var holder: String
    let now: @Sendable () -> Date
    let logger: Logger

    public init(
        stripe: StripeClient, store: any FulfillmentStore, fulfiller: CheckoutFulfiller, orders: OrderPayments? = nil, eventTypes: [String],
        connectedAccounts: [String] = [], overlap: Duration = .seconds(3600), lease: Duration = .seconds(600), holder: String,
        now: @escaping @Sendable () -> Date, logger: Logger
    ) {
        self.stripe = stripe
        self.store = store
        self.fulfiller = fulfiller
        self.orders = orders
        self.eventTypes = eventTypes.sorted()
        self.connectedAccounts = connectedAccounts
        self.overlap = overlap.seconds
        self.lease = lease.seconds
        self.holder = holder
        self.now = now
        self.logger = logger
    }

    /// Another process holds the pass.
    public struct Busy: Error, CustomStringConvertible, Sendable {
        public var holder: String?
        public var description: String { "another process is reconciling (\(holder ?? "unknown")); try again later" }
    }

    /// Runs one pass: from `since` if given, else from the watermark less the overlap (the last 30 days on the
    /// first pass). Throws `Busy` if another process holds the pass.
    public func run(
        since: Date? = nil, dryRun: Bool = false, onProgress: @Sendable (Progress) -> Void = { _ in },
        onRecovered: @Sendable (Int) -> Void = { _ in }
    ) async throws -> Summary {
        let startedAt = now()
        guard try await store.claimReconciler(holder: holder, now: startedAt, leaseUntil: startedAt.addingTimeInterval(lease)) else {
            throw Busy(holder: try await store.reconcilerState().leaseHolder)
        }
        do {
            let state = try await store.reconcilerState()
            let oldest = startedAt.addingTimeInterval(-Self.stripeEventRetention)
            let from = max(oldest, since ?? state.watermark.map { $0.addingTimeInterval(-overlap) } ?? oldest)
            var summary = Summary(from: from, startedAt: startedAt, dryRun: dryRun, progress: Progress(), recovered: [], fulfilledSessions: [])
            let accounts = [nil] + Set(connectedAccounts + (try await store.connectedAccounts())).sorted().map(Optional.some)
            for account in accounts {
                let pass = onAccount(account)
                try await pass.recoverEvents(into: &summary, onProgress: onProgress, onRecovered: onRecovered)
                try await pass.fulfilPaidSessions(into: &summary, onProgress: onProgress)
                try await pass.settlePaidOrders(into: &summary, onProgress: onProgress)
                summary.progress.accounts += 1
            }
            if !dryRun { try await keepSubscriptions(at: startedAt, into: &summary, onProgress: onProgress) }
            try await store.finishReconciliation(
                holder: holder, watermark: dryRun ? nil : startedAt, summary: summary.line, now: now())
            logger.info(
                "reconciliation finished",
                metadata: ["reconcile.summary": "\(summary.line)", "reconcile.from": "\(Int(from.timeIntervalSince1970))"])
            return summary
        } catch {
            // Even when the pass was cancelled (the instance is stopping): the lease is released for another
            // instance's next turn, not held until it ends.
            let (store, holder, now) = (store, holder, now)
            let summary = error is CancellationError ? "stopped: the instance is stopping" : "failed: \(error)"
            _ = try? await evenIfCancelled { try await store.finishReconciliation(holder: holder, watermark: nil, summary: summary, now: now()) }
            throw error
        }
    }

    /// The same reconciler, its lease held under another name (the service's loop, `fulfill reconcile`, the
    /// pass after an event generation failure).
    public func held(by holder: String) -> Reconciler {
        var reconciler = self
        reconciler.holder = holder
        return reconciler
    }

    /// This pass on a connected account: Stripe's lists are that account's, and what is found is handled there.
    func onAccount(_ account: String?) -> Reconciler {
        var pass = self
        pass.account = account
        pass.stripe = stripe.onAccount(account)
        pass.fulfiller = fulfiller.onAccount(account)
        pass.orders = orders?.onAccount(account)
        return pass
    }

    /// Stripe takes at most 20 types per list: the handled types are asked for in groups of 20.
    static let typesPerList = 20

    func recoverEvents(
        into summary: inout Summary, onProgress: (Progress) -> Void, onRecovered: (Int) -> Void
    ) async throws {
        for start in stride(from: 0, to: eventTypes.count, by: Self.typesPerList) {
            let types = Array(eventTypes[start..<min(start + Self.typesPerList, eventTypes.count)])
            try await recoverEvents(of: types, into: &summary, onProgress: onProgress, onRecovered: onRecovered)
        }
    }

    private func recoverEvents(
        of types: [String], into summary: inout Summary, onProgress: (Progress) -> Void, onRecovered: (Int) -> Void
    ) async throws {
        var cursor: String?
        var hasMore = true
        while hasMore {
            var filters: FormValue = [
                "types": .array(types.map { .string($0) }), "created": ["gte": .int(Int(summary.from.timeIntervalSince1970))],
                "limit": 100,
            ]
            if let cursor { filters = filters.setting("starting_after", .string(cursor)) }
            let page = try JSONValue.parse(Data(try await stripe.sendRaw(.get, "/v1/events", parameters: filters).body))
            let items = page["data"]?.arrayValue ?? []
            let events = items.compactMap { Self.inboxEvent($0, at: now(), account: account) }
            summary.progress.eventPages += 1
            summary.progress.eventsFound += events.count
            var recovered: [InboxEvent] = []
            if summary.dryRun {
                for event in events where try await store.event(id: event.id) == nil { recovered.append(event) }
            } else {
                let outcomes = try await store.insertEvents(events)
                recovered = zip(events, outcomes).filter { $0.1 == .inserted }.map(\.0)
                if !recovered.isEmpty { onRecovered(recovered.count) }
            }
            summary.progress.eventsRecovered += recovered.count
            summary.recovered += recovered.map { ($0.id, $0.type) }
            for event in recovered {
                logger.notice(
                    summary.dryRun ? "missed event found" : "missed event recovered",
                    metadata: ["stripe.event.id": "\(event.id)", "stripe.event.type": "\(event.type)"])
            }
            onProgress(summary.progress)
            hasMore = page["has_more"]?.boolValue == true && !items.isEmpty
            cursor = items.last?["id"]?.stringValue
            try await renewLease()
        }
    }

    func fulfilPaidSessions(into summary: inout Summary, onProgress: (Progress) -> Void) async throws {
        // A session completes within a day of its creation (it expires by then).
        let createdSince = Int(summary.from.timeIntervalSince1970) - 24 * 3600
        var cursor: String?
        var hasMore = true
        while hasMore {
            var filters: FormValue = ["status": "complete", "created": ["gte": .int(createdSince)], "limit": 100]
            if let cursor { filters = filters.setting("starting_after", .string(cursor)) }
            let page = try await stripe.send(.get, "/v1/checkout/sessions", parameters: filters, as: StripeList<CheckoutSession>.self)
            summary.progress.sessionPages += 1
            for session in page.data where session.paymentStatus == .paid || session.paymentStatus == .noPaymentRequired {
                summary.progress.sessionsChecked += 1
                // Another integration's session (`FULFILL_WHEN`): not ours to fulfil, and not worth a re-fetch.
                guard fulfiller.sessionFilter.reasonToIgnore(session, account: account) == nil else { continue }
                // A `mode=subscription` session's purchase is its subscription's (granted once, by the keeper).
                let subject = session.mode == .subscription ? (session.subscription ?? session.id) : session.id
                guard try await store.purchase(subjectID: subject)?.status != .fulfilled else { continue }
                if summary.dryRun {
                    summary.progress.sessionsFulfilled += 1
                    summary.fulfilledSessions.append(session.id)
                } else if case .fulfilled = try await fulfiller.fulfill(sessionID: session.id) {
                    summary.progress.sessionsFulfilled += 1
                    summary.fulfilledSessions.append(session.id)
                    logger.notice("paid session fulfilled by the reconciler", metadata: ["checkout.session.id": "\(session.id)"])
                }
            }
            onProgress(summary.progress)
            hasMore = page.hasMore && !page.data.isEmpty
            cursor = page.data.last?.id
            try await renewLease()
        }
    }

    /// Subscriptions whose paid period has ended but that are not ended here: each renewed, failed or ended at
    /// Stripe, and no event of it came (older than Stripe's 30 days of events, or never made: an event
    /// generation failure). Each is synced from Stripe on its account, which applies what it missed once.
    func keepSubscriptions(at now: Date, into summary: inout Summary, onProgress: (Progress) -> Void) async throws {
        guard let keeper = fulfiller.subscriptions else { return }
        for subscription in try await store.subscriptionsPastTheirPeriod(before: now, limit: 1000) {
            do {
                _ = try await keeper.onAccount(subscription.account).sync(subscriptionID: subscription.id)
                summary.progress.subscriptionsChecked += 1
            } catch {
                // One subscription Stripe will not answer for does not stop the pass; the next pass asks again.
                logger.warning("reconciler could not sync a subscription", metadata: ["subscription.id": "\(subscription.id)", "error": "\(error)"])
            }
            try await renewLease()
        }
        onProgress(summary.progress)
    }

    /// PaymentIntents of orders that succeeded while their order is not paid (every event of it missed): applied,
    /// which pays and fulfils the order once. An order's PaymentIntent may succeed days after its creation (a
    /// SEPA debit settles in up to 14 days), so intents created since two weeks before the window are looked at.
    func settlePaidOrders(into summary: inout Summary, onProgress: (Progress) -> Void) async throws {
        guard let orders else { return }
        let createdSince = Int(summary.from.timeIntervalSince1970) - 14 * 24 * 3600
        var cursor: String?
        var hasMore = true
        while hasMore {
            var filters: FormValue = ["created": ["gte": .int(createdSince)], "limit": 100]
            if let cursor { filters = filters.setting("starting_after", .string(cursor)) }
            let page = try await stripe.send(.get, "/v1/payment_intents", parameters: filters, as: StripeList<PaymentIntent>.self)
            summary.progress.orderPages += 1
            for intent in page.data where intent.status == .succeeded {
                guard let orderID = intent.metadata["order_id"], let order = try await store.order(id: orderID),
                    order.paymentIntentID == intent.id, order.account == account, order.status != .paid
                else { continue }
                summary.progress.ordersChecked += 1
                if summary.dryRun {
                    summary.progress.ordersPaid += 1
                    summary.paidOrders.append(orderID)
                } else if try await orders.apply(intent, to: order).order.status == .paid {
                    summary.progress.ordersPaid += 1
                    summary.paidOrders.append(orderID)
                    logger.notice("paid order settled by the reconciler", metadata: ["order.id": "\(orderID)", "stripe.payment_intent.id": "\(intent.id)"])
                }
            }
            onProgress(summary.progress)
            hasMore = page.hasMore && !page.data.isEmpty
            cursor = page.data.last?.id
            try await renewLease()
        }
    }

    private func renewLease() async throws {
        let now = self.now()
        guard try await store.claimReconciler(holder: holder, now: now, leaseUntil: now.addingTimeInterval(lease)) else {
            throw Busy(holder: try await store.reconcilerState().leaseHolder)
        }
    }

    /// An event of Stripe's list as the inbox stores it: pending, received now, from the reconciler. One listed
    /// on a connected account names it (`account`), as a Connect webhook's would, so its handler acts there.
    static func inboxEvent(_ object: JSONValue, at now: Date, account: String? = nil) -> InboxEvent? {
        guard let id = object["id"]?.stringValue, let type = object["type"]?.stringValue else { return nil }
        var object = object
        if let account, object["account"]?.stringValue == nil { object["account"] = .string(account) }
        return InboxEvent(
            id: id, type: type, objectID: object["data"]?["object"]?["id"]?.stringValue, payload: object.serializedData(),
            status: .pending, receivedAt: now, nextAttemptAt: now, origin: .reconciler)
    }
}
