import Foundation
import StripeAPI

/// `/v2/core/events`: thin events, kept 30 days like v1's; and the event generation failure a test can
/// start and resolve (while it lasts objects change and no event is made, as in Stripe's incidents).
extension EmulatorState {
    func retrieveThinEvent(_ id: String, _ call: APICall) throws(APIError) -> JSONValue {
        try call.parameters.allowOnly([])
        guard let event = thinEvents[id] else { throw .missing("event", id) }
        return event.json
    }

    /// `GET /v2/core/events`: newest first, by `object_id` (the related object) and `types[]`.
    func listThinEvents(_ call: APICall) throws(APIError) -> JSONValue {
        let parameters = call.parameters
        try parameters.allowOnly(["object_id", "types", "limit", "page", "created"])
        var all = thinEvents.newestFirst
        if let objectID = try parameters.string("object_id") { all = all.filter { $0.relatedObject?.id == objectID } }
        if let types = try parameters.strings("types", maxCount: 20) { all = all.filter { types.contains($0.type) } }
        return try V2Page(all, id: \.id, parameters: parameters).json(path: "/v2/core/events") { $0.json }
    }

    /// Starts an event generation failure: from now until it is resolved, changes make no events.
    func startEventGenerationFailure() -> JSONValue {
        if eventGenerationFailure == nil { eventGenerationFailure = EventGenerationFailure(startedAt: now) }
        return eventGenerationFailureJSON
    }

    /// Resolves the failure: a `v2.core.health.event_generation_failure.resolved` thin event goes to every
    /// thin destination that asked for it, saying when it began and how many events were not made.
    func resolveEventGenerationFailure() -> JSONValue {
        guard let failure = eventGenerationFailure else { return eventGenerationFailureJSON }
        eventGenerationFailure = nil
        let alertID = makeID("alrt_")
        let resolved = ThinEventRecord(
            id: makeID("evt_test_"), type: "v2.core.health.event_generation_failure.resolved", created: now, relatedObject: nil,
            context: nil,
            data: [
                "alert_id": .string(alertID), "grouping_key": .string("event_generation_failure:\(alertID)"),
                "resolved_at": .string(V2Time.string(now)), "severity": "critical",
                "summary": .string("\(failure.missed) events were not generated between \(V2Time.string(failure.startedAt)) and \(V2Time.string(now))."),
                "impact": [
                    "started_at": .string(V2Time.string(failure.startedAt)), "events_count": .int(failure.missed),
                    "event_types": .array(failure.types.sorted().map { .string($0) }),
                ],
            ])
        thinEvents[resolved.id] = resolved
        let receivers = eventDestinations.oldestFirst.filter { $0.payload == .thin && $0.receives(resolved.type, fromConnectedAccount: false) }
        queueDeliveries(receivers.map { (resolved.id, $0.id) })
        return ["object": "emulator.event_generation_failure", "failing": false, "resolved_event": .string(resolved.id)]
    }

    var eventGenerationFailureJSON: JSONValue {
        [
            "object": "emulator.event_generation_failure", "failing": .bool(eventGenerationFailure != nil),
            "missed": .int(eventGenerationFailure?.missed ?? 0),
        ]
    }
}

/// An incident during which Stripe made no events: when it began, and what it did not make.
struct EventGenerationFailure: Sendable {
    var startedAt: Date
    var missed = 0
    var types: Set<String> = []
}
