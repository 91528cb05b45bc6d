public import Foundation
import StripeAPI

/// An event as the inbox stores it: received, verified, and waiting to be (or already) processed.
public struct InboxEvent: Sendable, Hashable, Codable {
    public var id: String
    public var type: String
    /// The id of `data.object` (a session, a source, a charge): what the handler re-fetches.
    public var objectID: String?
    /// The raw body exactly as Stripe sent it.
    public var payload: Data
    public var status: InboxEventStatus
    public var attempts: Int
    public var receivedAt: Date
    public var nextAttemptAt: Date
    public var processedAt: Date?
    public var lastError: String?
    /// How it reached the inbox: a webhook, or the reconciler (Stripe's event list) when no webhook did.
    public var origin: InboxEventOrigin
    /// Set on an event stored already claimed by the instance that stores it (claimed at intake, with
    /// `attempts` 1): other workers do not see it until then, as after a claim. Written by inserts only; the
    /// stores keep a claim's lease beside the event, so a read leaves it `nil`.
    public var leaseUntil: Date? = nil
    /// The trace of the webhook that brought it (`TraceContext`): its handling continues that trace.
    public var traceParent: String? = nil

    public init(
        id: String, type: String, objectID: String?, payload: Data, status: InboxEventStatus, attempts: Int = 0,
        receivedAt: Date, nextAttemptAt: Date, processedAt: Date? = nil, lastError: String? = nil,
        origin: InboxEventOrigin = .webhook, leaseUntil: Date? = nil, traceParent: String? = nil
    ) {
        self.id = id
        self.type = type
        self.objectID = objectID
        self.payload = payload
        self.status = status
        self.attempts = attempts
        self.receivedAt = receivedAt
        self.nextAttemptAt = nextAttemptAt
        self.processedAt = processedAt
        self.lastError = lastError
        self.origin = origin
        self.leaseUntil = leaseUntil
        self.traceParent = traceParent
    }

    /// The `inbox_events` columns every SQL store keeps (beside its claim's `lease_until`, which inserts write
    /// from `leaseUntil`).
    /// The connected account the event happened on (Connect's `account`, a thin event's `context`), read
    /// from the stored body: every Stripe request its handler makes goes to that account. Nil for the
    /// platform's own events.
    public var account: String? {
        (try? WebhookEventEnvelope(parsing: payload))?.account
    }

    public enum CodingKeys: String, CodingKey, CaseIterable {
        case id, type
        case objectID = "object_id"
        case payload, status, attempts
        case receivedAt = "received_at"
        case nextAttemptAt = "next_attempt_at"
        case processedAt = "processed_at"
        case lastError = "last_error"
        case origin
        case traceParent = "trace_parent"
    }
}

/// `pending` until a worker has handled it; `ignored` for types we do not act on; `dead` when retries ran
/// out, `orphaned` when it names an order we never knew (both parked for an operator, who may replay them).
public enum InboxEventStatus: String, Sendable, Hashable, Codable, CaseIterable {
    case pending, processed, ignored, dead, orphaned
}

/// How an event reached the inbox.
public enum InboxEventOrigin: String, Sendable, Hashable, Codable, CaseIterable {
    /// Stripe delivered it to `POST /webhook`.
    case webhook
    /// The reconciler found it in `GET /v1/events` without a webhook having brought it (recovered).
    case reconciler
}

/// Whether an insert stored a new event or met one already stored (a redelivery).
public enum InboxInsertOutcome: Sendable, Hashable {
    case inserted
    case duplicate
}
