public import Foundation

/// Customers' emails, queued in the transaction that decided them (one per dedupe key) and sent by a worker:
/// the same queue shape as the inbox and the dispatches (claimed under a lease, each claim an attempt,
/// retried on a `RetrySchedule`, parked `dead`, listed, counted and replayed by operators).
public protocol EmailOutbox: Sendable {
    /// Claims up to `limit` pending emails due at `now` until `leaseUntil`, oldest first; each claim counts an
    /// attempt.
    func claimEmails(limit: Int, now: Date, leaseUntil: Date) async throws -> [QueuedEmail]
    /// Gives back claims this instance will not send (it is stopping), as `EventInbox.releaseEvents` does.
    func releaseEmails(ids: [Int64], now: Date) async throws
    func markEmailSent(id: Int64, now: Date) async throws
    /// Records a failed attempt: tried again at `retryAt`, or parked as `dead` when it is `nil`.
    func markEmailFailed(id: Int64, error: String, retryAt: Date?, now: Date) async throws
    /// Every email queued, oldest first, optionally those whose key starts with a prefix.
    func emails(dedupeKeyPrefix: String?) async throws -> [OutboxEntry]
    /// Emails, oldest first, optionally of one status.
    func emails(status: EmailStatus?, limit: Int) async throws -> [OutboxEntry]
    /// How many emails there are per status.
    func emailCounts() async throws -> [EmailStatus: Int]
    /// Puts a dead email back in the queue, due at once (an operator's replay); `false` if there is no dead
    /// email with this id. A sent email is never sent again.
    func replayEmail(id: Int64, now: Date) async throws -> Bool
}

extension EmailOutbox {
    /// Emails not yet sent nor parked.
    public func outboxBacklog() async throws -> Int { try await emailCounts()[.pending] ?? 0 }
}

/// An outbox row as operators and tests see it.
public struct OutboxEntry: Sendable, Hashable {
    public var id: Int64
    public var email: OutboundEmail
    public var status: EmailStatus
    public var attempts: Int
    public var createdAt: Date
    public var sentAt: Date?
    public var lastError: String?
    /// When a pending email is tried next (a failure records it).
    public var nextAttemptAt: Date?

    public init(
        id: Int64, email: OutboundEmail, status: EmailStatus, attempts: Int, createdAt: Date, sentAt: Date?, lastError: String?,
        nextAttemptAt: Date? = nil
    ) {
        self.id = id
        self.email = email
        self.status = status
        self.attempts = attempts
        self.createdAt = createdAt
        self.sentAt = sentAt
        self.lastError = lastError
        self.nextAttemptAt = nextAttemptAt
    }
}
