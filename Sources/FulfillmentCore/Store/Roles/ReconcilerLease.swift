public import Foundation

/// The reconciler's durable state: how far it has looked, and which process runs it (one at a time).
public protocol ReconcilerLease: Sendable {
    /// Where the reconciler got to and who is running it (one process at a time).
    func reconcilerState() async throws -> ReconcilerState

    /// Takes (or, for its holder, extends) the reconciler's lease until `leaseUntil`; `false` while another
    /// holder's lease runs at `now`.
    func claimReconciler(holder: String, now: Date, leaseUntil: Date) async throws -> Bool

    /// Ends `holder`'s pass: records its summary, moves the watermark (`nil`: unchanged, as after a dry run)
    /// and releases the lease.
    func finishReconciliation(holder: String, watermark: Date?, summary: String, now: Date) async throws
}

/// The reconciler's durable state (one row).
public struct ReconcilerState: Sendable, Hashable {
    /// Events created before this (less an overlap) were already looked for.
    public var watermark: Date?
    public var leaseHolder: String?
    public var leaseUntil: Date?
    public var lastStartedAt: Date?
    public var lastFinishedAt: Date?
    public var lastSummary: String?

    public init(
        watermark: Date? = nil, leaseHolder: String? = nil, leaseUntil: Date? = nil, lastStartedAt: Date? = nil,
        lastFinishedAt: Date? = nil, lastSummary: String? = nil
    ) {
        self.watermark = watermark
        self.leaseHolder = leaseHolder
        self.leaseUntil = leaseUntil
        self.lastStartedAt = lastStartedAt
        self.lastFinishedAt = lastFinishedAt
        self.lastSummary = lastSummary
    }
}
