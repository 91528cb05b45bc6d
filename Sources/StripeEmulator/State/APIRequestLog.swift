import StripeAPI

/// The API requests the emulator received, newest last, for tests to see what a client sent beside its
/// parameters (its W3C `traceparent`): `GET /_emulator/requests`. Keeps the last `capacity`.
struct APIRequestLog: Sendable {
    struct Entry: Sendable {
        var method: String
        var path: String
        var traceParent: String?
    }

    let capacity = 5000
    private(set) var entries: [Entry] = []

    mutating func note(_ entry: Entry) {
        if entries.count == capacity { entries.removeFirst(capacity / 5) }
        entries.append(entry)
    }

    var json: JSONValue {
        [
            "object": "list",
            "data": .array(entries.map { entry in
                ["method": .string(entry.method), "path": .string(entry.path), "traceparent": entry.traceParent.map(JSONValue.string) ?? .null]
            }),
        ]
    }
}
