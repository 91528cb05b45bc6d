public import Foundation

/// A `dispatches` row: one dispatch, unique by its id, with its delivery state (the coding keys are the
/// columns).
public struct DispatchRow: Sendable, Hashable, Codable {
    public var id: String
    public var channel: String
    public var type: String
    public var subjectID: String
    public var payload: Data
    public var status: DispatchStatus
    public var attempts: Int
    public var createdAt: Date
    public var nextAttemptAt: Date
    public var leaseUntil: Date?
    public var deliveredAt: Date?
    public var lastError: String?
    public var traceParent: String?

    public enum CodingKeys: String, CodingKey, CaseIterable {
        case id, channel, type
        case subjectID = "subject_id"
        case payload, status, attempts
        case createdAt = "created_at"
        case nextAttemptAt = "next_attempt_at"
        case leaseUntil = "lease_until"
        case deliveredAt = "delivered_at"
        case lastError = "last_error"
        case traceParent = "trace_parent"
    }

    public init(
        id: String, channel: String, type: String, subjectID: String, payload: Data, status: DispatchStatus, attempts: Int,
        createdAt: Date, nextAttemptAt: Date, leaseUntil: Date?, deliveredAt: Date?, lastError: String?, traceParent: String? = nil
    ) {
        self.id = id
        self.channel = channel
        self.type = type
        self.subjectID = subjectID
        self.payload = payload
        self.status = status
        self.attempts = attempts
        self.createdAt = createdAt
        self.nextAttemptAt = nextAttemptAt
        self.leaseUntil = leaseUntil
        self.deliveredAt = deliveredAt
        self.lastError = lastError
        self.traceParent = traceParent
    }

    public var dispatch: Dispatch {
        Dispatch(id: id, channel: channel, type: type, subjectID: subjectID, payload: payload, traceParent: traceParent)
    }

    public var entry: DispatchEntry {
        DispatchEntry(
            dispatch: dispatch, status: status, attempts: attempts, createdAt: createdAt, nextAttemptAt: nextAttemptAt,
            deliveredAt: deliveredAt, lastError: lastError)
    }

    public var claimed: QueuedDispatch {
        QueuedDispatch(dispatch: dispatch, attempts: attempts, createdAt: createdAt)
    }
}
