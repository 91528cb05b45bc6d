public import Foundation

/// An email to send once: `dedupeKey` (`receipt:<session id>`) is unique in the outbox.
public struct OutboundEmail: Sendable, Hashable {
    public var dedupeKey: String
    public var recipient: String
    public var subject: String
    public var body: String
    /// The trace it was decided in (`TraceContext`): its sending continues it. `nil` without tracing.
    public var traceParent: String?

    /// `traceParent` defaults to the current task's trace: an email made while an event is handled belongs to
    /// that event's trace.
    public init(dedupeKey: String, recipient: String, subject: String, body: String, traceParent: String? = TraceContext.traceParent()) {
        self.dedupeKey = dedupeKey
        self.recipient = recipient
        self.subject = subject
        self.body = body
        self.traceParent = traceParent
    }
}

/// An email in the outbox, claimed by the outbox worker.
public struct QueuedEmail: Sendable, Hashable {
    public var id: Int64
    public var email: OutboundEmail
    public var attempts: Int
    public var createdAt: Date

    public init(id: Int64, email: OutboundEmail, attempts: Int, createdAt: Date) {
        self.id = id
        self.email = email
        self.attempts = attempts
        self.createdAt = createdAt
    }
}

/// Delivers one email (an `.eml` folder, SMTP, or a test double).
public protocol EmailTransport: Sendable {
    func send(_ email: QueuedEmail) async throws
}
