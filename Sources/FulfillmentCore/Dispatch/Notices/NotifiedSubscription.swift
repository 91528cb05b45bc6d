import Foundation

/// A subscription in a notification (`object: "subscription"`, in `subscription.*`): where its access stands,
/// until when, the customer, and what the notification is about: the lines granted (`subscription.started`),
/// the period paid and what it delivers (`subscription.renewed`), the unpaid invoice (`subscription.past_due`).
public struct NotifiedSubscription: Codable, Sendable, Hashable {
    public var object = "subscription"
    public var id: String
    /// `active`, `past_due`, `suspended` or `ended`: the access the service keeps for it.
    public var access: String
    /// The end of the period paid for (Unix seconds): access runs to here.
    public var validUntil: Int
    public var cancelAtPeriodEnd: Bool
    /// The prices billed.
    public var prices: [String]
    public var customer: NotifiedCustomer
    /// The customer's id at Stripe (`cus_...`).
    public var stripeCustomer: String
    /// The connected account (Connect) it is billed on; absent for the platform's own.
    public var account: String?
    /// What was granted (`subscription.started`) or delivered for the period (`subscription.renewed`).
    public var lines: [NotifiedLine]?
    /// The invoice a renewal or a failure is about.
    public var invoice: NotifiedInvoice?
    /// In `subscription.past_due`: when access is suspended unless the invoice is paid (Unix seconds).
    public var graceEndsAt: Int?

    enum CodingKeys: String, CodingKey {
        case object, id, access, prices, customer, account, lines, invoice
        case validUntil = "valid_until"
        case cancelAtPeriodEnd = "cancel_at_period_end"
        case stripeCustomer = "stripe_customer"
        case graceEndsAt = "grace_ends_at"
    }

    public init(_ subscription: StoredSubscription) {
        let entitlement = subscription.entitlement
        id = subscription.id
        access = entitlement.access.rawValue
        validUntil = Int(entitlement.validUntil.timeIntervalSince1970)
        cancelAtPeriodEnd = entitlement.cancelAtPeriodEnd
        prices = entitlement.priceIDs
        customer = NotifiedCustomer(email: subscription.customerEmail, name: subscription.customerName)
        stripeCustomer = subscription.customerID
        account = subscription.account
    }
}

/// An invoice of a subscription, as notifications show it.
public struct NotifiedInvoice: Codable, Sendable, Hashable {
    public var id: String
    public var paid: Bool
    public var amount: Int
    public var currency: String
    /// Where the customer pays it.
    public var hostedInvoiceURL: String?
    /// The end of the period it pays for (Unix seconds).
    public var periodEnd: Int?

    enum CodingKeys: String, CodingKey {
        case id, paid, amount, currency
        case hostedInvoiceURL = "hosted_invoice_url"
        case periodEnd = "period_end"
    }

    public init(_ invoice: SubscriptionFact.Invoice) {
        id = invoice.id
        paid = invoice.paid
        amount = invoice.amount
        currency = invoice.currency
        hostedInvoiceURL = invoice.hostedURL
        periodEnd = invoice.periodEnd.map { Int($0.timeIntervalSince1970) }
    }
}
