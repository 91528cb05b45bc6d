import Foundation
import NIOCore

/// The answer to `POST /webhook` once the event is stored: `{"received":true,"duplicate":…,"ignored":…}`.
struct WebhookAcknowledgement: Codable, Sendable, Hashable {
    var received = true
    var duplicate: Bool
    var ignored: Bool

    /// The four 200 bodies, encoded once, not per request (the intake's hot path).
    private static let bodies: [ByteBuffer] = [false, true].flatMap { duplicate in
        [false, true].map { ignored in encoded(WebhookAcknowledgement(duplicate: duplicate, ignored: ignored)) }
    }

    static func body(duplicate: Bool, ignored: Bool) -> ByteBuffer {
        bodies[(duplicate ? 2 : 0) + (ignored ? 1 : 0)]
    }

    /// `{"error":"…"}`: nothing was stored.
    static func error(_ message: String) -> ByteBuffer {
        encoded(ErrorAnswer(error: message))
    }

    private static func encoded(_ answer: some Encodable) -> ByteBuffer {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return ByteBuffer(bytes: (try? encoder.encode(answer)) ?? Data(#"{"error":"unencodable"}"#.utf8))
    }
}
