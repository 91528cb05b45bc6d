public import Foundation

/// A subscription as the store keeps it: its entitlement (changed only through `SubscriptionMachine`) and who
/// it is for.
public struct StoredSubscription: Sendable, Hashable {
    public var entitlement: SubscriptionEntitlement
    /// The connected account (Connect) it is billed on; nil: the platform's.
    public var account: String?
    public var customerID: String
    public var customerEmail: String?
    public var customerName: String?
    public var language: CustomerLanguage?
    public var createdAt: Date
    public var updatedAt: Date

    public var id: String { entitlement.subscriptionID }

    public init(
        entitlement: SubscriptionEntitlement, account: String? = nil, customerID: String, customerEmail: String?,
        customerName: String? = nil, language: CustomerLanguage? = nil, createdAt: Date, updatedAt: Date
    ) {
        self.customerName = customerName
        self.entitlement = entitlement
        self.account = account
        self.customerID = customerID
        self.customerEmail = customerEmail
        self.language = language
        self.createdAt = createdAt
        self.updatedAt = updatedAt
    }
}

/// The subscriptions: each entitlement with a compare-and-set on its version, and what its changes send queued
/// in the same transaction.
public protocol SubscriptionBook: Sendable {
    func subscription(id: String) async throws -> StoredSubscription?

    /// Stores `subscription` if its stored version is still `expectedVersion` (`nil`: only if there is none),
    /// queueing `outgoing` in the same transaction. False when another change came first (decide again).
    func saveSubscription(_ subscription: StoredSubscription, expectedVersion: Int?, outgoing: Outgoing, now: Date) async throws -> Bool

    /// Past-due subscriptions whose grace began before `before`, oldest first: what the sweep suspends.
    func pastDueSubscriptions(since before: Date, limit: Int) async throws -> [StoredSubscription]

    /// Subscriptions not ended whose paid period ended before `before`, the longest over first: each should
    /// have renewed or ended by now (the reconciler asks Stripe, for when no event said which).
    func subscriptionsPastTheirPeriod(before: Date, limit: Int) async throws -> [StoredSubscription]
}
