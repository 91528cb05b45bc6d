public import Foundation
public import Logging
public import StripeAPI

/// What happens after a payment: `charge.refunded` and `charge.dispute.*` for a Checkout Session's payment or
/// an order's charge. Each handler re-fetches the charge (and the dispute) from Stripe, finds the purchase it
/// paid for, fulfils a Checkout Session first if its completion has not been handled yet (so a refund that
/// arrives before the fulfilment it undoes still undoes it), and lets the store apply `AfterPaymentPolicy`
/// in one transaction: access, stock, ledger, the customer's email and the merchant's notification, once.
public struct AfterPaymentHandler: Sendable {
    private(set) var stripe: StripeClient
    let store: any FulfillmentStore
    private(set) var fulfiller: CheckoutFulfiller
    let notifier: MerchantNotifier
    let defaultLanguage: CustomerLanguage
    let publicURL: String
    let now: @Sendable () -> Date
    let logger: Logger
    /// The connected account (Connect) the charge is on; nil: the platform's.
    private(set) var account: String?

    public init(
        stripe: StripeClient, store: any FulfillmentStore, fulfiller: CheckoutFulfiller, notifier: MerchantNotifier,
        defaultLanguage: CustomerLanguage = .en, publicURL: String, now: @escaping @Sendable () -> Date, logger: Logger
    ) {
        self.stripe = stripe
        self.store = store
        self.fulfiller = fulfiller
        self.notifier = notifier
        self.defaultLanguage = defaultLanguage
        self.publicURL = publicURL
        self.now = now
        self.logger = logger
    }

    /// This handler acting on a connected account (the event's): the charge, the dispute and the session are
    /// fetched there, and only a purchase paid on that account is changed.
    public func onAccount(_ account: String?) -> AfterPaymentHandler {
        var handler = self
        handler.account = account
        handler.stripe = stripe.onAccount(account)
        handler.fulfiller = fulfiller.onAccount(account)
        return handler
    }

    /// `charge.refunded` (and any change to a charge's refunds): what Stripe says was refunded.
    public func chargeChanged(chargeID: String) async throws -> String {
        let charge = try await stripe.retrieveCharge(chargeID)
        return try await apply(charge: charge, dispute: nil)
    }

    /// `charge.dispute.created`, `.updated`, `.closed`: where the dispute stands now.
    public func disputeChanged(disputeID: String) async throws -> String {
        let dispute: Dispute = try await stripe.send(.get, "/v1/disputes/\(StripeClient.pathSegment(disputeID))", as: Dispute.self)
        let charge = try await stripe.retrieveCharge(dispute.charge)
        return try await apply(charge: charge, dispute: dispute)
    }

    func apply(charge: Charge, dispute: Dispute?) async throws -> String {
        let facts = PaymentFacts(chargeAmount: charge.amount, amountRefunded: charge.amountRefunded, dispute: dispute?.status)
        if let orderID = charge.metadata["order_id"] {
            return try await applyToOrder(orderID: orderID, charge: charge, facts: facts)
        }
        guard let paymentIntent = charge.paymentIntent else {
            throw IgnoredEvent(reason: "charge \(charge.id) is neither an order's nor a Checkout payment's")
        }
        return try await applyToSession(paymentIntent: paymentIntent, charge: charge, facts: facts)
    }

    // MARK: Checkout Sessions

    func applyToSession(paymentIntent: String, charge: Charge, facts: PaymentFacts) async throws -> String {
        guard let sessionID = try await sessionID(paymentIntent: paymentIntent) else {
            throw IgnoredEvent(reason: "no Checkout Session paid with \(paymentIntent) (another integration's payment)")
        }
        var record = try await store.purchase(subjectID: sessionID)
        if let record, record.account != account {
            throw IgnoredEvent(reason: "\(sessionID) was paid on \(record.account ?? "the platform"), not on \(account ?? "the platform")")
        }
        if record?.status != .fulfilled {
            // The completion has not been handled yet: fulfil first, so what follows undoes a real fulfilment.
            if case .notOurs(let reason) = try await fulfiller.fulfill(sessionID: sessionID) { throw IgnoredEvent(reason: reason) }
            record = try await store.purchase(subjectID: sessionID)
        }
        let purchase = AfterPaymentSubject(
            subjectID: sessionID, customerEmail: record?.customerEmail, customerName: record?.customerName,
            currency: record?.currency ?? charge.currency, lines: record?.lines ?? [],
            pageURL: "\(publicURL)/checkout/complete?session_id=\(sessionID)",
            object: record.map(MerchantNotifier.object) ?? MerchantNotifier.unknownSession(sessionID),
            refunded: .checkoutRefunded, disputed: .checkoutDisputed, texts: (record?.language ?? defaultLanguage).texts)
        return try await apply(facts, of: charge, to: purchase)
    }

    /// The session a PaymentIntent paid for: from the ledger when it was fulfilled, else from Stripe.
    func sessionID(paymentIntent: String) async throws -> String? {
        if let known = try await store.purchaseSubjectID(paymentIntent: paymentIntent) { return known }
        let page: StripeList<CheckoutSession> = try await stripe.send(
            .get, "/v1/checkout/sessions", parameters: ["payment_intent": .string(paymentIntent), "limit": 1],
            as: StripeList<CheckoutSession>.self)
        return page.data.first?.id
    }

    // MARK: Orders

    func applyToOrder(orderID: String, charge: Charge, facts: PaymentFacts) async throws -> String {
        guard let order = try await store.order(id: orderID), order.chargeID == charge.id else {
            throw OrphanEventError("charge \(charge.id) names order \(orderID), which does not know it")
        }
        guard order.account == account else {
            throw IgnoredEvent(reason: "order \(orderID) is paid on \(order.account ?? "the platform"), not on \(account ?? "the platform")")
        }
        // A paid order is fulfilled through the ledger (its items' actions): what a refund undoes is there.
        let purchase = AfterPaymentSubject(
            subjectID: orderID, customerEmail: order.customerEmail, customerName: order.customerName, currency: order.currency,
            lines: try await store.purchase(subjectID: orderID)?.lines ?? [], pageURL: "\(publicURL)/orders/\(orderID)",
            object: MerchantNotifier.object(order), refunded: .orderRefunded, disputed: .orderDisputed,
            texts: (order.language ?? defaultLanguage).texts)
        return try await apply(facts, of: charge, to: purchase)
    }

    // MARK: Applying

    /// What a refund or a dispute acts on, whether a Checkout Session or an order.
    struct AfterPaymentSubject: Sendable {
        var subjectID: String
        var customerEmail: String?
        var customerName: String?
        var currency: String
        /// What its fulfilment did (what a full refund gives back or revokes).
        var lines: [FulfilledLine]
        var pageURL: String
        /// The purchase as the merchant's notification shows it.
        var object: NotifiedPurchase
        var refunded: MerchantNotifier.EventType
        var disputed: MerchantNotifier.EventType
        /// The customer's language.
        var texts: Texts

        /// Units each line took from stock, by sku.
        var servedStock: [String: Int] {
            var served: [String: Int] = [:]
            for line in lines {
                guard let sku = line.action.sku, line.outcome.servedFromStock > 0 else { continue }
                served[sku, default: 0] += line.outcome.servedFromStock
            }
            return served
        }

        var grantedAccess: Bool { lines.contains { $0.outcome.kind == .accessGranted } }
    }

    /// Lets the store apply `facts` to the purchase in one transaction, with the customer's email and the
    /// merchant's notifications the decision calls for.
    func apply(_ facts: PaymentFacts, of charge: Charge, to purchase: AfterPaymentSubject) async throws -> String {
        let notifier = self.notifier
        let at = now()
        let change = AfterPaymentChange(
            subjectID: purchase.subjectID, chargeID: charge.id, facts: facts, servedStock: purchase.servedStock,
            outgoing: { decision in
                let email = RefundEmails.refund(
                    subjectID: purchase.subjectID, to: purchase.customerEmail, name: purchase.customerName, decision: decision,
                    currency: purchase.currency,
                    accessRevoked: purchase.grantedAccess && decision.accessAfter == .revoked && decision.accessBefore != .revoked,
                    pageURL: purchase.pageURL, texts: purchase.texts)
                return Outgoing(
                    emails: email.map { [$0] } ?? [],
                    dispatches: notifier.afterPayment(
                        decision, subjectID: purchase.subjectID, chargeID: charge.id, refunded: purchase.refunded,
                        disputed: purchase.disputed, object: purchase.object, now: at))
            }, now: at)
        let decision = try await store.applyAfterPayment(change)
        if !decision.isNoChange {
            logger.info("after payment", metadata: ["purchase.id": "\(purchase.subjectID)", "change": "\(decision.note)"])
        }
        return decision.note
    }
}

extension EventRouter {
    /// The after-payment handlers: refunds and disputes, for Checkout payments and orders alike.
    public static func afterPayment(_ handler: AfterPaymentHandler) -> EventRouter {
        var router = EventRouter()
        router.on(.chargeRefunded) { event in
            try await handler.onAccount(event.account).chargeChanged(chargeID: try event.requireObjectID())
        }
        for type in [EventType.chargeDisputeCreated, .chargeDisputeUpdated, .chargeDisputeClosed] {
            router.on(type) { event in try await handler.onAccount(event.account).disputeChanged(disputeID: try event.requireObjectID()) }
        }
        return router
    }
}
