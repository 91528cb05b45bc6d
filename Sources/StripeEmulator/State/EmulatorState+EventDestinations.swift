import Foundation
import StripeAPI

/// `/v2/core/event_destinations`: webhook destinations for thin or snapshot events, enabled and disabled,
/// pinged; their deliveries share the webhook endpoints' faults and retries.
extension EmulatorState {
    func createEventDestination(_ call: APICall) throws(APIError) -> JSONValue {
        let parameters = call.parameters
        try parameters.allowOnly([
            "name", "description", "enabled_events", "event_payload", "events_from", "include", "metadata",
            "snapshot_api_version", "type", "webhook_endpoint",
        ])
        let name = try parameters.requiredString("name", maxLength: 200)
        guard try parameters.requiredString("type") == "webhook_endpoint" else {
            throw .invalidRequest("The emulator delivers to webhook_endpoint destinations only.", param: "type")
        }
        guard let webhook = try parameters.object("webhook_endpoint") else {
            throw .invalidRequest("Missing required param: webhook_endpoint.", param: "webhook_endpoint")
        }
        let url = try webhook.requiredString("url", maxLength: 5000)
        guard url.hasPrefix("http://") || url.hasPrefix("https://") else {
            throw .invalidRequest("Invalid URL: \(url.prefix(200))", param: "webhook_endpoint.url")
        }
        let payloadName = try parameters.requiredString("event_payload")
        guard let payload = EventDestinationRecord.Payload(rawValue: payloadName) else {
            throw .invalidRequest("event_payload must be thin or snapshot.", param: "event_payload")
        }
        let enabled = try Self.enabledEvents(parameters, payload: payload) ?? []
        guard !enabled.isEmpty else { throw .invalidRequest("Missing required param: enabled_events.", param: "enabled_events") }
        let snapshotVersion = try parameters.string("snapshot_api_version")
        if snapshotVersion != nil, payload == .thin {
            throw .invalidRequest("snapshot_api_version applies to snapshot destinations only.", param: "snapshot_api_version")
        }
        let destination = EventDestinationRecord(
            id: makeID("ed_test_"), created: now, updated: now, name: name, description: try parameters.string("description") ?? "",
            enabledEvents: enabled, payload: payload, snapshotAPIVersion: snapshotVersion,
            eventsFrom: try Self.eventsFrom(parameters), metadata: try parameters.metadata(), url: url,
            secret: makeID("whsec_", length: 32))
        eventDestinations[destination.id] = destination
        return destination.json(including: Set(try parameters.strings("include") ?? []))
    }

    /// Adds a destination without the API (a test, or `--forward-to` with thin events), with its secret.
    @discardableResult
    public func registerEventDestination(
        url: String, enabledEvents: [String], thin: Bool, secret: String?, eventsFrom: [String] = ["@self"]
    ) -> RegisteredEndpoint {
        let destination = EventDestinationRecord(
            id: makeID("ed_test_"), created: now, updated: now, name: "registered", description: "", enabledEvents: enabledEvents,
            payload: thin ? .thin : .snapshot, snapshotAPIVersion: nil, eventsFrom: eventsFrom, metadata: [:], url: url,
            secret: secret ?? makeID("whsec_", length: 32))
        eventDestinations[destination.id] = destination
        return RegisteredEndpoint(id: destination.id, secret: destination.secret)
    }

    func retrieveEventDestination(_ id: String, _ call: APICall) throws(APIError) -> JSONValue {
        try call.parameters.allowOnly(["include"])
        return try eventDestination(id).json(including: Set(try call.parameters.strings("include") ?? []))
    }

    func listEventDestinations(_ call: APICall) throws(APIError) -> JSONValue {
        try call.parameters.allowOnly(["limit", "page", "include"])
        let including = Set(try call.parameters.strings("include") ?? [])
        return try V2Page(eventDestinations.newestFirst, id: \.id, parameters: call.parameters)
            .json(path: "/v2/core/event_destinations") { $0.json(including: including) }
    }

    /// `POST /v2/core/event_destinations/{id}`: name, description, events, metadata, URL.
    func updateEventDestination(_ id: String, _ call: APICall) throws(APIError) -> JSONValue {
        var destination = try eventDestination(id)
        let parameters = call.parameters
        try parameters.allowOnly(["name", "description", "enabled_events", "include", "metadata", "webhook_endpoint"])
        if let name = try parameters.string("name", maxLength: 200) { destination.name = name }
        if let description = try parameters.string("description") { destination.description = description }
        if let enabled = try Self.enabledEvents(parameters, payload: destination.payload) {
            guard !enabled.isEmpty else { throw .invalidRequest("enabled_events cannot be empty.", param: "enabled_events") }
            destination.enabledEvents = enabled
        }
        if let url = try parameters.object("webhook_endpoint").map({ webhook throws(APIError) in try webhook.requiredString("url") }) {
            guard url.hasPrefix("http://") || url.hasPrefix("https://") else {
                throw .invalidRequest("Invalid URL: \(url.prefix(200))", param: "webhook_endpoint.url")
            }
            destination.url = url
        }
        destination.metadata.merge(try parameters.metadata()) { _, new in new }
        destination.updated = now
        eventDestinations[id] = destination
        return destination.json(including: Set(try parameters.strings("include") ?? []))
    }

    func deleteEventDestination(_ id: String) throws(APIError) -> JSONValue {
        _ = try eventDestination(id)
        eventDestinations[id] = nil
        return ["id": .string(id), "object": "v2.core.event_destination", "deleted": true]
    }

    /// Enables or disables a destination: a disabled one receives nothing, and what was waiting for it fails.
    func setEventDestination(_ id: String, enabled: Bool) throws(APIError) -> JSONValue {
        var destination = try eventDestination(id)
        destination.enabled = enabled
        destination.updated = now
        eventDestinations[id] = destination
        return destination.json()
    }

    /// `POST .../ping`: a `v2.core.event_destination.ping` thin event, sent to this destination only.
    func pingEventDestination(_ id: String) throws(APIError) -> JSONValue {
        let destination = try eventDestination(id)
        guard destination.enabled else {
            throw .invalidRequest("The event destination \(id) is disabled.", param: "id")
        }
        let ping = ThinEventRecord(
            id: makeID("evt_test_"), type: "v2.core.event_destination.ping", created: now,
            relatedObject: .init(id: id, type: "v2.core.event_destination", url: "/v2/core/event_destinations/\(id)"),
            context: nil, data: nil)
        thinEvents[ping.id] = ping
        queueDeliveries([(ping.id, id)])
        return ping.json
    }

    func eventDestination(_ id: String) throws(APIError) -> EventDestinationRecord {
        guard let destination = eventDestinations[id] else { throw .missing("event_destination", id) }
        return destination
    }

    /// A thin destination names thin types (`v1.…`, `v2.…`); a snapshot one names v1 types.
    private static func enabledEvents(_ parameters: Parameters, payload: EventDestinationRecord.Payload) throws(APIError) -> [String]? {
        guard let enabled = try parameters.strings("enabled_events", maxCount: 250) else { return nil }
        for type in enabled where type != "*" {
            let thinType = type.hasPrefix("v1.") || type.hasPrefix("v2.")
            guard isEventTypeName(type), thinType == (payload == .thin) else {
                throw .invalidRequest(
                    "Invalid enabled_events: \(type.prefix(100)) is not a \(payload.rawValue) event type.", param: "enabled_events")
            }
        }
        return enabled
    }

    private static func eventsFrom(_ parameters: Parameters) throws(APIError) -> [String] {
        let scopes = try parameters.strings("events_from", maxCount: 4) ?? ["@self"]
        for scope in scopes where scope != "@self" && scope != "@accounts" {
            throw .invalidRequest("events_from must be @self or @accounts.", param: "events_from")
        }
        return scopes.isEmpty ? ["@self"] : scopes
    }
}
