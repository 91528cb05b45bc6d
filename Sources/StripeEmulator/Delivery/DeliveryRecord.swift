import Foundation
import StripeAPI

/// The delivery of one event to one endpoint, across its attempts.
struct DeliveryRecord: Sendable {
    enum State: String, Sendable { case pending, inFlight = "in_flight", succeeded, failed, dropped }

    /// One attempt: when (wall clock), with which signature timestamp, and how it went.
    struct Attempt: Sendable {
        var at: Date
        var signatureTimestamp: Int?
        var status: Int?
        var error: String?
        var injected: Bool

        var json: JSONValue {
            [
                "at": .int(Int(at.timeIntervalSince1970)), "signature_timestamp": .int(signatureTimestamp),
                "status": .int(status), "error": .string(error), "injected": .bool(injected),
            ]
        }
    }

    var id: String
    var sequence: Int
    /// A v1 event's id, or a thin event's (a thin destination's deliveries).
    var eventID: String
    /// A webhook endpoint's id (`we_`) or an event destination's (`ed_`).
    var endpointID: String
    var state: State = .pending
    /// When the event was emitted (virtual clock): the retry window starts here.
    var createdAt: Date
    var nextAttemptAt: Date
    var attempts: [Attempt] = []

    func json(eventType: String) -> JSONValue {
        [
            "id": .string(id), "object": "emulator.delivery", "event": .string(eventID), "event_type": .string(eventType),
            "endpoint": .string(endpointID), "state": .string(state.rawValue),
            "next_attempt_at": state == .pending ? .int(Int(nextAttemptAt.timeIntervalSince1970)) : .null,
            "attempts": .array(attempts.map(\.json)),
        ]
    }
}

/// What the sender needs to make one attempt.
struct DeliveryJob: Sendable {
    var deliveryID: String
    var url: String
    /// The event as it stands when the attempt is claimed; serialized by the sender, outside the state's actor
    /// (serializing inside it held every other API call behind each delivery).
    var event: JSONValue
    var secrets: [String]
    /// How many identical copies to send (the duplicate fault).
    var copies: Int
    var delay: Duration
}

/// Where one attempt goes: the URL, the body (an event in the receiver's shape) and the secrets that sign it.
struct DeliveryTarget: Sendable {
    var url: String
    var body: JSONValue
    var secrets: [String]
}

/// Why a delivery is given up without an attempt.
enum DeliveryRefusal: Error, CustomStringConvertible {
    case endpointDeleted, destinationDisabled, eventGone

    var description: String {
        switch self {
        case .endpointDeleted: "endpoint deleted"
        case .destinationDisabled: "destination disabled"
        case .eventGone: "event gone"
        }
    }
}
