import Foundation
import FulfillmentCore
import StripeAPI

/// What happened to one Checkout Session, order or subscription, in time order: each Stripe event received about
/// it (or its source, charge, PaymentIntent or a subscription's invoices), the ledger's decisions (fulfilled,
/// with each line's outcome; refunds and disputes; where a subscription's access stands and which invoices were
/// settled), each email and each notification or effect, with their outcomes.
struct Timeline {
    struct Entry {
        var at: Date
        var kind: String
        var what: String
        var outcome: String
    }

    var subjectID: String
    var entries: [Entry]
    var found: Bool
    /// The connected account (Connect) it was paid on; nil: the platform's.
    var account: String?

    static func build(subjectID: String, store: any FulfillmentStore) async throws -> Timeline {
        var entries: [Entry] = []
        var relatedIDs = [subjectID]
        let record = try await store.purchase(subjectID: subjectID)
        let order = subjectID.hasPrefix("ord_") ? try await store.order(id: subjectID) : nil
        let subscription = subjectID.hasPrefix("sub_") ? try await store.subscription(id: subjectID) : nil
        var invoiceEmails: [String] = []
        if let subscription {
            let entitlement = subscription.entitlement
            // Its periods by their invoices: each one's events, its renewal or failure email.
            relatedIDs += entitlement.settledInvoices + entitlement.noticedFailures.filter { !entitlement.settledInvoices.contains($0) }
            invoiceEmails = entitlement.settledInvoices.map { "subscription_renewed:\($0)" }
                + entitlement.noticedFailures.map { "subscription_payment_failed:\($0)" }
            entries.append(Self.entry(subscription))
        }
        if let order {
            relatedIDs += [order.sourceID, order.paymentIntentID, order.chargeID].compactMap { $0 }
            entries.append(Entry(at: order.createdAt, kind: "order", what: "created (\(order.paymentMethod))", outcome: order.status.rawValue))
            if let paidAt = order.paidAt { entries.append(Entry(at: paidAt, kind: "order", what: "paid", outcome: order.chargeID ?? "")) }
            if let canceledAt = order.canceledAt {
                entries.append(Entry(at: canceledAt, kind: "order", what: "canceled", outcome: order.failureReason ?? ""))
            }
            for anomaly in try await store.orderAnomalies(orderID: order.id) {
                entries.append(Entry(at: order.updatedAt, kind: "anomaly", what: anomaly, outcome: "not applied"))
            }
        }
        for id in relatedIDs {
            for event in try await store.listEvents(matching: EventFilter(objectID: id), limit: 200) {
                entries.append(
                    Entry(
                        at: event.receivedAt, kind: event.origin == .reconciler ? "event (recovered)" : "webhook",
                        what: "\(event.type) \(event.id)", outcome: "\(event.status.rawValue) after \(event.attempts) attempt(s)"
                            + (event.lastError.map { ": \($0)" } ?? "")))
            }
        }
        if let record {
            entries.append(
                Entry(
                    at: record.createdAt, kind: "ledger", what: "first recorded" + (record.account.map { " on connected account \($0)" } ?? ""),
                    outcome: record.status.rawValue))
            // A Checkout Session's stored copy has its buyer's details; an order's PaymentIntent or a subscription's
            // own copy is not a session, and is not decoded as one.
            if record.kind == .checkoutSession, let payment = try await store.purchasePayment(subjectID: subjectID),
                let session = try? JSONDecoder().decode(CheckoutSession.self, from: payment.objectJSON)
            {
                let details = CheckoutDetails(session)
                if !details.isEmpty {
                    entries.append(Entry(at: payment.recordedAt, kind: "checkout", what: "details", outcome: details.summary))
                }
            }
            if let fulfilledAt = record.fulfilledAt {
                let lines = record.lines.map { "\($0.quantity) × \($0.description): \($0.action.name) → \($0.outcome.kind.rawValue)" }
                entries.append(Entry(at: fulfilledAt, kind: "ledger", what: "fulfilled", outcome: lines.joined(separator: "; ")))
            }
        }
        if let after = try await store.afterPayment(subjectID: subjectID) {
            entries.append(
                Entry(
                    at: after.updatedAt, kind: "after payment",
                    what: "refunded \(after.state.refundedAmount) of \(after.chargeAmount); dispute \(after.state.dispute.rawValue)",
                    outcome: "access \(after.access.rawValue)\(after.state.stockReturned ? "; stock returned" : "")"))
        }
        let keys = ["receipt:", "payment_failed:", "refund:", "order_confirmed:", "order_failed:", "subscription_welcome:", "subscription_ended:"]
            .map { $0 + subjectID } + invoiceEmails
        for key in keys {
            for email in try await store.emails(dedupeKeyPrefix: key) {
                entries.append(
                    Entry(
                        at: email.sentAt ?? .distantFuture, kind: "email",
                        what: "\(email.email.subject) to \(email.email.recipient) (\(email.email.dedupeKey))",
                        outcome: Self.outcome(of: email)))
            }
        }
        for dispatch in try await store.dispatches(status: nil, subjectID: subjectID, limit: 100) {
            entries.append(
                Entry(
                    at: dispatch.createdAt, kind: dispatch.dispatch.channel == MerchantNotifier.channel ? "notification" : "effect",
                    what: "\(dispatch.dispatch.type) \(dispatch.dispatch.id)",
                    outcome: "\(dispatch.status.rawValue) after \(dispatch.attempts) attempt(s)" + (dispatch.lastError.map { ": \($0)" } ?? "")))
        }
        return Timeline(
            subjectID: subjectID, entries: entries.sorted { $0.at < $1.at }, found: record != nil || order != nil || !entries.isEmpty,
            account: record?.account ?? order?.account ?? subscription?.account)
    }

    /// Where a subscription's access stands now, and the invoices that made it so.
    static func entry(_ subscription: StoredSubscription) -> Entry {
        let entitlement = subscription.entitlement
        var what = "access \(entitlement.access.rawValue) until \(entitlement.validUntil.formatted(.iso8601))"
        if entitlement.cancelAtPeriodEnd { what += ", canceled at the period's end" }
        if let since = entitlement.pastDueSince { what += ", past due since \(since.formatted(.iso8601))" }
        var outcome = "prices \(entitlement.priceIDs.joined(separator: ", ")); invoices paid: \(entitlement.settledInvoices.joined(separator: ", "))"
        if !entitlement.noticedFailures.isEmpty { outcome += "; failed: \(entitlement.noticedFailures.joined(separator: ", "))" }
        return Entry(at: subscription.updatedAt, kind: "subscription", what: what, outcome: outcome + " (version \(entitlement.version))")
    }

    /// What became of an email: sent, waiting for its next attempt, or parked after its retry window.
    static func outcome(of email: OutboxEntry) -> String {
        let error = email.lastError.map { ": \($0)" } ?? ""
        switch email.status {
        case .sent: return "sent"
        case .pending: return "waiting (\(email.attempts) attempt(s)\(error))"
        case .dead: return "dead after \(email.attempts) attempt(s)\(error)"
        }
    }
}
