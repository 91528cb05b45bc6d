/// One API request as the operations see it: parameters, who asked, and how to name hosted pages.
struct APICall: Sendable {
    enum KeyKind: Sendable { case secret, publishable }

    var parameters: Parameters
    var requestID: String
    var idempotencyKey: String?
    /// The base URL of hosted pages for this request.
    var baseURL: String
    var keyKind: KeyKind
}
