import StripeAPI

/// An event: the object as it was when something happened to it.
struct EventRecord: Sendable {
    var id: String
    var created: Int
    var type: String
    var object: JSONValue
    var previousAttributes: JSONValue?
    /// The API request that caused it (`nil` for automatic changes: timers, hosted pages, test control).
    var requestID: String?
    var idempotencyKey: String?
    /// Endpoints this event was sent to that have not acknowledged it yet.
    var pendingEndpoints: Set<String>

    var json: JSONValue {
        var data: JSONValue = ["object": object]
        if let previousAttributes { data["previous_attributes"] = previousAttributes }
        return [
            "id": .string(id), "object": "event", "api_version": .string(APIVersionShape.accountDefault),
            "created": .int(created), "data": data, "livemode": false, "pending_webhooks": .int(pendingEndpoints.count),
            "request": ["id": .string(requestID), "idempotency_key": .string(idempotencyKey)], "type": .string(type),
        ]
    }
}
