import Foundation
import HTTPTypes
import Hummingbird
import NIOCore

/// `429 Too Many Requests` with `Retry-After`: the JSON `{"error": message}` (by default one that says when
/// to retry), or without a body where the route answers in plain text.
func tooMany(retryAfter: Int, error message: String? = nil, json body: Bool = true) -> Response {
    var response = body
        ? json(.tooManyRequests, error: message ?? "Too many attempts; retry after \(retryAfter) s.")
        : Response(status: .tooManyRequests)
    response.headers[.retryAfter] = "\(retryAfter)"
    return response
}

/// A JSON response from a Codable answer (keys as the type's coding keys say, dates as Unix seconds).
func json<Answer: Encodable>(_ status: HTTPResponse.Status, encoding answer: Answer) -> Response {
    let encoder = JSONEncoder()
    encoder.dateEncodingStrategy = .secondsSince1970
    encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
    let body = (try? encoder.encode(answer)) ?? Data(#"{"error":"the answer could not be encoded"}"#.utf8)
    return Response(status: status, headers: [.contentType: "application/json"], body: .init(byteBuffer: ByteBuffer(bytes: body)))
}
