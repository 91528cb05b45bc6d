public import Foundation

/// An `outbox` row: one email, unique by dedupe key, with its sending state (the coding keys are the columns).
public struct OutboxRow: Sendable, Hashable, Codable {
    public var id: Int64?
    public var dedupeKey: String
    public var recipient: String
    public var subject: String
    public var body: String
    public var status: EmailStatus
    public var attempts: Int
    public var createdAt: Date
    public var nextAttemptAt: Date
    public var leaseUntil: Date?
    public var sentAt: Date?
    public var lastError: String?
    public var traceParent: String?

    public enum CodingKeys: String, CodingKey, CaseIterable {
        case id
        case dedupeKey = "dedupe_key"
        case recipient, subject, body, status, attempts
        case createdAt = "created_at"
        case nextAttemptAt = "next_attempt_at"
        case leaseUntil = "lease_until"
        case sentAt = "sent_at"
        case lastError = "last_error"
        case traceParent = "trace_parent"
    }

    /// A new row for `email`, due at once.
    public init(queueing email: OutboundEmail, now: Date) {
        self.init(
            id: nil, dedupeKey: email.dedupeKey, recipient: email.recipient, subject: email.subject, body: email.body,
            status: .pending, attempts: 0, createdAt: now, nextAttemptAt: now, leaseUntil: nil, sentAt: nil, lastError: nil,
            traceParent: email.traceParent)
    }

    public init(
        id: Int64?, dedupeKey: String, recipient: String, subject: String, body: String, status: EmailStatus = .pending,
        attempts: Int, createdAt: Date,
        nextAttemptAt: Date, leaseUntil: Date?, sentAt: Date?, lastError: String?, traceParent: String? = nil
    ) {
        self.id = id
        self.dedupeKey = dedupeKey
        self.recipient = recipient
        self.subject = subject
        self.body = body
        self.status = status
        self.attempts = attempts
        self.createdAt = createdAt
        self.nextAttemptAt = nextAttemptAt
        self.leaseUntil = leaseUntil
        self.sentAt = sentAt
        self.lastError = lastError
        self.traceParent = traceParent
    }

    public var email: OutboundEmail {
        OutboundEmail(dedupeKey: dedupeKey, recipient: recipient, subject: subject, body: body, traceParent: traceParent)
    }

    /// The row as operators and tests see it.
    public var entry: OutboxEntry {
        OutboxEntry(
            id: id ?? 0, email: email, status: status, attempts: attempts, createdAt: createdAt, sentAt: sentAt, lastError: lastError,
            nextAttemptAt: nextAttemptAt)
    }

    /// The row as the outbox worker gets it, once claimed (`attempts` counts the claim).
    public var claimed: QueuedEmail {
        QueuedEmail(id: id ?? 0, email: email, attempts: attempts, createdAt: createdAt)
    }
}
