public import Foundation

extension MerchantNotifier {
    /// A `subscription.*` notification about `subscription` as it now stands; `fact` tells this one apart from
    /// others of its type about the same subscription (the invoice of a renewal, the version of a suspension).
    public func subscription(
        _ type: EventType, _ subscription: StoredSubscription, fact: String = "", lines: [FulfilledLine]? = nil,
        invoice: SubscriptionFact.Invoice? = nil, graceEndsAt: Date? = nil, now: Date
    ) -> [Dispatch] {
        notification(
            type, subjectID: subscription.id, fact: fact,
            object: {
                var notice = NotifiedSubscription(subscription)
                notice.lines = lines?.map(NotifiedLine.init)
                notice.invoice = invoice.map(NotifiedInvoice.init)
                notice.graceEndsAt = graceEndsAt.map { Int($0.timeIntervalSince1970) }
                return .subscription(notice)
            }(), now: now)
    }
}
