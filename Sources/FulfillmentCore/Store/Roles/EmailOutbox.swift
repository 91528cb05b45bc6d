public import Foundation

/// Customers' emails, queued in the transaction that decided them (one per dedupe key) and sent by a worker.
public protocol EmailOutbox: Sendable {
    /// Claims up to `limit` unsent emails due at `now` until `leaseUntil`.
    func claimEmails(limit: Int, now: Date, leaseUntil: Date) async throws -> [QueuedEmail]
    func markEmailSent(id: Int64, now: Date) async throws
    func markEmailFailed(id: Int64, error: String, retryAt: Date, now: Date) async throws
    /// Emails not yet sent.
    func outboxBacklog() async throws -> Int
    /// Every email queued (sent or not), oldest first, optionally those whose key starts with a prefix.
    func emails(dedupeKeyPrefix: String?) async throws -> [OutboxEntry]
}

/// An outbox row as operators and tests see it.
public struct OutboxEntry: Sendable, Hashable {
    public var id: Int64
    public var email: OutboundEmail
    public var attempts: Int
    public var sentAt: Date?
    public var lastError: String?

    public init(id: Int64, email: OutboundEmail, attempts: Int, sentAt: Date?, lastError: String?) {
        self.id = id
        self.email = email
        self.attempts = attempts
        self.sentAt = sentAt
        self.lastError = lastError
    }
}
