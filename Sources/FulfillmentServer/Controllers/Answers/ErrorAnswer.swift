import HTTPTypes
import Hummingbird

/// Every refusal of the service's JSON API: `{"error": "what was wrong"}`.
struct ErrorAnswer: Codable, Sendable, Hashable {
    var error: String
}

/// A JSON refusal.
func json(_ status: HTTPResponse.Status, error message: String) -> Response {
    json(status, encoding: ErrorAnswer(error: message))
}
