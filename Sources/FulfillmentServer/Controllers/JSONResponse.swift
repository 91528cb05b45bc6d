import StripeAPI
import HTTPTypes
import Hummingbird
import NIOCore

/// A JSON response.
func json(_ status: HTTPResponse.Status, _ body: JSONValue) -> Response {
    Response(
        status: status, headers: [.contentType: "application/json"],
        body: .init(byteBuffer: ByteBuffer(bytes: body.serializedBytes())))
}
