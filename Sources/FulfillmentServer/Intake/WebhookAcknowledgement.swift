import StripeAPI
import NIOCore

/// The bodies of the answers to `POST /webhook`. The four 200 bodies are serialized once, not per request.
enum WebhookAcknowledgement {
    private static let bodies: [ByteBuffer] = [false, true].flatMap { duplicate in
        [false, true].map { ignored in
            ByteBuffer(string: JSONValue.object(["received": true, "duplicate": .bool(duplicate), "ignored": .bool(ignored)]).serialized())
        }
    }

    /// `{"received":true,"duplicate":…,"ignored":…}`: the event is stored.
    static func body(duplicate: Bool, ignored: Bool) -> ByteBuffer {
        bodies[(duplicate ? 2 : 0) + (ignored ? 1 : 0)]
    }

    /// `{"error":"…"}`: nothing was stored.
    static func error(_ message: String) -> ByteBuffer {
        ByteBuffer(string: JSONValue.object(["error": .string(message)]).serialized())
    }
}
