import StripeAPI

/// A test clock: a frozen time its customers' subscriptions live by, moved forward on request.
struct TestClockRecord: Sendable {
    var id: String
    var created: Int
    var frozenTime: Int
    var name: String?
    var status = "ready"

    var json: JSONValue {
        [
            "id": .string(id), "object": "test_helpers.test_clock", "created": .int(created), "frozen_time": .int(frozenTime),
            "name": .string(name), "status": .string(status), "livemode": false, "deletes_after": .int(created + 30 * 24 * 3600),
        ]
    }
}
