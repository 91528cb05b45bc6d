public import Foundation

/// Where a subscription's access stands, as the service keeps it: fulfilment kept true over time rather than
/// done once. Changed only through `SubscriptionMachine`, from Stripe's re-fetched state, with a
/// compare-and-set on `version`.
public struct SubscriptionEntitlement: Sendable, Hashable, Codable {
    public enum Access: String, Sendable, Hashable, Codable, CaseIterable {
        /// Paid for (or in a trial): access until `validUntil`.
        case active
        /// A renewal failed: access goes on through the grace.
        case pastDue = "past_due"
        /// The grace ran out unpaid: access is suspended until the invoice is paid.
        case suspended
        /// Canceled, or its renewals never paid: access is over, for good.
        case ended
    }

    public var subscriptionID: String
    public var access: Access
    /// The end of the period paid for.
    public var validUntil: Date
    /// When a renewal was first seen failing (the grace runs from here).
    public var pastDueSince: Date?
    public var cancelAtPeriodEnd: Bool
    /// The prices billed (a plan change swaps the lines' actions from the new period).
    public var priceIDs: [String]
    /// Invoices whose renewal was acted on (email, notification, a period's shipment): once per invoice.
    public var settledInvoices: [String]
    /// Failed invoices the customer was told of: once per invoice.
    public var noticedFailures: [String]
    public var version: Int

    public init(
        subscriptionID: String, access: Access, validUntil: Date, pastDueSince: Date? = nil, cancelAtPeriodEnd: Bool = false,
        priceIDs: [String], settledInvoices: [String] = [], noticedFailures: [String] = [], version: Int = 1
    ) {
        self.subscriptionID = subscriptionID
        self.access = access
        self.validUntil = validUntil
        self.pastDueSince = pastDueSince
        self.cancelAtPeriodEnd = cancelAtPeriodEnd
        self.priceIDs = priceIDs
        self.settledInvoices = settledInvoices
        self.noticedFailures = noticedFailures
        self.version = version
    }

    /// Whether the customer has access at `now`. A live subscription keeps it for `grace` past its period's end
    /// (the renewal is charged an hour or more after it, and a missed event is reconciled); one set to cancel
    /// at period end, only until that end.
    public func grantsAccess(at now: Date, grace: TimeInterval) -> Bool {
        switch access {
        case .active, .pastDue: now < validUntil.addingTimeInterval(cancelAtPeriodEnd ? 0 : grace)
        case .suspended, .ended: false
        }
    }
}
