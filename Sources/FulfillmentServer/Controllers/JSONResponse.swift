import StripeAPI
import HTTPTypes
import Hummingbird
import NIOCore

/// `429 Too Many Requests` with `Retry-After`: the JSON `{"error": message}` (by default one that says when
/// to retry), or without a body where the route answers in plain text.
func tooMany(retryAfter: Int, error message: String? = nil, json body: Bool = true) -> Response {
    var response = body
        ? json(.tooManyRequests, ["error": .string(message ?? "Too many attempts; retry after \(retryAfter) s.")])
        : Response(status: .tooManyRequests)
    response.headers[.retryAfter] = "\(retryAfter)"
    return response
}

/// A JSON response.
func json(_ status: HTTPResponse.Status, _ body: JSONValue) -> Response {
    Response(
        status: status, headers: [.contentType: "application/json"],
        body: .init(byteBuffer: ByteBuffer(bytes: body.serializedBytes())))
}
