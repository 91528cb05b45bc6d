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
    /// The connected account it happened on (`nil`: the platform's own).
    var account: String? = nil
    /// Endpoints this event was sent to that have not acknowledged it yet.
    var pendingEndpoints: Set<String>

    var json: JSONValue { json(in: nil) }

    /// The event as a receiver on `version` gets it (the account's version when `nil`): its object in that
    /// version's shape.
    func json(in version: String?) -> JSONValue {
        let version = version ?? APIVersionShape.accountDefault
        var data: JSONValue = ["object": APIVersionShape.shape(object, for: version)]
        if let previousAttributes { data["previous_attributes"] = previousAttributes }
        var json: JSONValue = [
            "id": .string(id), "object": "event", "api_version": .string(version),
            "created": .int(created), "data": data, "livemode": false, "pending_webhooks": .int(pendingEndpoints.count),
            "request": ["id": .string(requestID), "idempotency_key": .string(idempotencyKey)], "type": .string(type),
        ]
        if let account { json["account"] = .string(account) }
        return json
    }
}
