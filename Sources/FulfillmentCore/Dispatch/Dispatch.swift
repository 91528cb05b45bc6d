public import Foundation

/// Work for something outside the service, queued in the same transaction as the fact it follows from (the
/// outbox): a notification to the merchant's endpoint, or the effect of a merchant-registered action. Its id
/// is derived from the fact, so queueing the same fact again (a duplicate event, a replay, a crash and retry)
/// is a no-op, and the receiver sees one id however often it is sent.
public struct Dispatch: Sendable, Hashable {
    /// Stable per fact: `fev_...` for a merchant notification, the idempotency key for an action's effect.
    public var id: String
    /// Which handler delivers it (`merchant`, `action.<name>`): a `DispatchRegistry` key.
    public var channel: String
    /// What it says (`checkout.fulfilled`, or the action's name).
    public var type: String
    /// The Checkout Session or order it is about (for operators and timelines).
    public var subjectID: String
    /// The JSON the handler gets.
    public var payload: Data
    /// The trace it was decided in (`TraceContext`): its delivery continues it. `nil` without tracing.
    public var traceParent: String?

    /// `traceParent` defaults to the current task's trace, as `OutboundEmail`'s does.
    public init(
        id: String, channel: String, type: String, subjectID: String, payload: Data, traceParent: String? = TraceContext.traceParent()
    ) {
        self.id = id
        self.channel = channel
        self.type = type
        self.subjectID = subjectID
        self.payload = payload
        self.traceParent = traceParent
    }
}

/// Where a dispatch stands.
public enum DispatchStatus: String, Sendable, Hashable, Codable, CaseIterable {
    /// Waiting for its (next) attempt.
    case pending
    /// Its handler succeeded.
    case delivered
    /// Its handler kept failing for the whole retry window: kept for an operator, who may replay it.
    case dead
}

/// A dispatch claimed by the dispatch worker (`attempts` counts this claim).
public struct QueuedDispatch: Sendable, Hashable {
    public var dispatch: Dispatch
    public var attempts: Int
    public var createdAt: Date

    public init(dispatch: Dispatch, attempts: Int, createdAt: Date) {
        self.dispatch = dispatch
        self.attempts = attempts
        self.createdAt = createdAt
    }
}

/// A dispatch as operators and tests see it.
public struct DispatchEntry: Sendable, Hashable {
    public var dispatch: Dispatch
    public var status: DispatchStatus
    public var attempts: Int
    public var createdAt: Date
    public var nextAttemptAt: Date
    public var deliveredAt: Date?
    public var lastError: String?

    public init(
        dispatch: Dispatch, status: DispatchStatus, attempts: Int, createdAt: Date, nextAttemptAt: Date, deliveredAt: Date?,
        lastError: String?
    ) {
        self.dispatch = dispatch
        self.status = status
        self.attempts = attempts
        self.createdAt = createdAt
        self.nextAttemptAt = nextAttemptAt
        self.deliveredAt = deliveredAt
        self.lastError = lastError
    }
}

/// What a transaction queues beside the change it records: customer emails and dispatches, written with the
/// change or not at all.
public struct Outgoing: Sendable, Hashable {
    public var emails: [OutboundEmail]
    public var dispatches: [Dispatch]

    public init(emails: [OutboundEmail] = [], dispatches: [Dispatch] = []) {
        self.emails = emails
        self.dispatches = dispatches
    }

    public static let nothing = Outgoing()

    public var isEmpty: Bool { emails.isEmpty && dispatches.isEmpty }
}
