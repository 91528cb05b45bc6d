import Foundation
import HTTPTypes
import Hummingbird
import Logging
import StripeAPI

/// Runs one `/v1` call the way Stripe does: a `Request-Id` on every answer, bearer auth with a test key,
/// form-encoded parameters, injected faults, and idempotency (replay, mismatch, in flight) for POSTs.
struct APIResponder: Sendable {
    /// Stripe's documented maximum request size is far above what these endpoints need.
    static let maximumBodyBytes = 1 << 20

    let state: EmulatorState
    let configuration: EmulatorConfiguration
    let logger: Logger

    typealias Operation = @Sendable (APICall) async throws -> JSONValue

    func respond(
        _ request: Request, allowPublishableKey: Bool = false, operation: @escaping Operation
    ) async -> Response {
        var generator = SystemRandomNumberGenerator()
        let requestID = generator.requestID()
        do {
            let (apiKey, keyKind) = try authenticate(request, allowPublishableKey: allowPublishableKey)
            // Connect: `Stripe-Account` (or v2's `Stripe-Context`) names the connected account the call acts on.
            let account = try await connectedAccount(of: request)
            return try await AccountScope.$current.withValue(.of(account)) {
                try await respond(request, apiKey: apiKey, keyKind: keyKind, account: account, requestID: requestID, operation: operation)
            }
        } catch {
            return self.error(error, requestID: requestID)
        }
    }

    private func respond(
        _ request: Request, apiKey: String, keyKind: APICall.KeyKind, account: String?, requestID: String, operation: @escaping Operation
    ) async throws -> Response {
        let form = try await parameters(of: request)
        let idempotencyKey = request.headers[.idempotencyKey]
        // Every answer in the shape of the request's version (or the account's).
        let version = request.headers[.stripeVersion] ?? APIVersionShape.accountDefault
        let shaped: Operation = { call in APIVersionShape.shape(try await operation(call), for: version) }
        let call = APICall(
            parameters: Parameters(form), requestID: requestID,
            idempotencyKey: request.method == .post ? idempotencyKey : nil, baseURL: baseURL(of: request),
            keyKind: keyKind)
        let fault = await state.drawAPIFault(
            noting: .init(method: request.method.rawValue, path: request.uri.path, traceParent: request.headers[values: HTTPField.Name("traceparent")!].first))
        if let error = fault.error, error.status == 429 { throw error }
        guard request.method == .post, let idempotencyKey else {
            if fault.latency > .zero { try? await Task.sleep(for: fault.latency) }
            if let error = fault.error { throw error }
            return json(try await shaped(call), status: .ok, requestID: requestID, version: version)
        }
        // Keys are the account's: the same key on two accounts is two requests.
        return try await idempotent(
            call, key: idempotencyKey, scope: apiKey + "\u{0}" + (account ?? ""), request: request, fault: fault, operation: shaped)
    }

    /// The connected account a request names, which must be one the platform made (Stripe answers 403).
    private func connectedAccount(of request: Request) async throws(APIError) -> String? {
        let named = request.headers[.stripeAccount] ?? request.headers[.stripeContext].flatMap(WebhookEventEnvelope.account(inContext:))
        guard let named, !named.isEmpty else { return nil }
        guard await state.knowsAccount(named) else {
            throw .permission(
                "The provided key does not have access to account '\(named.prefix(60))' (or that account does not exist). "
                    + "Application access may have been revoked.", code: "account_invalid")
        }
        return named
    }

    private func idempotent(
        _ call: APICall, key: String, scope: String, request: Request, fault: (error: APIError?, latency: Duration),
        operation: Operation
    ) async throws -> Response {
        guard !key.isEmpty, key.count <= 255 else {
            throw APIError.invalidRequest("Idempotency-Key must be between 1 and 255 characters long.", param: "Idempotency-Key")
        }
        let scopedKey = "\(scope)\u{0}\(key)"
        let fingerprint = "\(request.method) \(request.uri.path) \(FormEncoder.encode(call.parameters.form.canonical))"
        switch await state.beginIdempotentRequest(key: scopedKey, fingerprint: fingerprint) {
        case .replay(let stored):
            var response = json(stored.body, status: .init(code: stored.status), requestID: call.requestID)
            response.headers[.idempotentReplayed] = "true"
            response.headers[.idempotencyKey] = key
            return response
        case .mismatch:
            throw APIError.idempotencyMismatch(key)
        case .inFlight:
            throw APIError.idempotencyInFlight()
        case .proceed:
            break
        }
        // Latency sits inside the key's window, so a concurrent retry with the same key sees a 409.
        if fault.latency > .zero { try? await Task.sleep(for: fault.latency) }
        if let error = fault.error {
            await state.finishIdempotentRequest(key: scopedKey, response: nil)
            throw error
        }
        let stored: StoredResponse
        do {
            stored = StoredResponse(status: 200, body: try await operation(call))
        } catch {
            // Only requests that began executing are saved: a decline (402) or a server error is replayed,
            // a validation error is not.
            let error = error as? APIError ?? .internal
            let saved = error.status == 402 || error.status >= 500
            await state.finishIdempotentRequest(
                key: scopedKey, response: saved ? StoredResponse(status: error.status, body: error.body) : nil)
            throw error
        }
        await state.finishIdempotentRequest(key: scopedKey, response: stored)
        var response = json(stored.body, status: .ok, requestID: call.requestID)
        response.headers[.idempotencyKey] = key
        return response
    }

    /// `Authorization: Bearer sk_test_...` (or HTTP basic with the key as user name, as curl `-u` sends).
    private func authenticate(_ request: Request, allowPublishableKey: Bool) throws(APIError) -> (String, APICall.KeyKind) {
        guard let header = request.headers[.authorization], !header.isEmpty else {
            throw .unauthorized(
                "You did not provide an API key. You need to provide your API key in the Authorization header, using "
                    + "Bearer auth (e.g. 'Authorization: Bearer YOUR_SECRET_KEY').")
        }
        var key = header
        if header.lowercased().hasPrefix("bearer ") {
            key = String(header.dropFirst(7)).trimmingCharacters(in: .whitespaces)
        } else if header.lowercased().hasPrefix("basic "),
            let decoded = Data(base64Encoded: String(header.dropFirst(6))).flatMap({ String(data: $0, encoding: .utf8) })
        {
            key = String(decoded.split(separator: ":", maxSplits: 1, omittingEmptySubsequences: false).first ?? "")
        }
        if key.hasPrefix("sk_test_") || key.hasPrefix("rk_test_"), key.count > 8 { return (key, .secret) }
        if key.hasPrefix("pk_test_"), key.count > 8 {
            guard allowPublishableKey else {
                throw .unauthorized("This API call cannot be made with a publishable API key. Please use a secret API key.")
            }
            return (key, .publishable)
        }
        throw .unauthorized("Invalid API Key provided: \(Self.redacted(key))")
    }

    static func redacted(_ key: String) -> String {
        guard key.count > 12 else { return String(repeating: "*", count: key.count) }
        return key.prefix(8) + String(repeating: "*", count: max(0, key.count - 12)) + key.suffix(4)
    }

    private func parameters(of request: Request) async throws(APIError) -> FormValue {
        var body = ""
        if request.method == .post {
            let contentType = request.headers[.contentType]?.lowercased() ?? ""
            // v1 takes form bodies; v2 takes JSON (read into the same parameters).
            let v2 = request.uri.path.hasPrefix("/v2/")
            if contentType.hasPrefix("application/json") != v2 {
                throw .invalidRequest(
                    v2 ? "Invalid request: the body must be application/json, as Stripe's v2 API expects."
                        : "Invalid request: the body must be application/x-www-form-urlencoded, as Stripe's API expects.")
            }
            var request = request
            let buffer: ByteBuffer
            do {
                buffer = try await request.collectBody(upTo: Self.maximumBodyBytes)
            } catch {
                throw APIError(
                    status: 413,
                    details: StripeErrorDetails(
                        type: .invalidRequestError, message: "The request body exceeds \(Self.maximumBodyBytes) bytes."))
            }
            if v2 { return try Self.decodeJSONBody(buffer) }
            body = String(buffer: buffer)
        } else {
            body = request.uri.query ?? ""
        }
        return try Self.decodeForm(body)
    }

    /// A v2 JSON body as parameters: objects and arrays as they are, numbers and booleans as their text
    /// (as a form would carry them), nulls left out.
    static func decodeJSONBody(_ buffer: ByteBuffer) throws(APIError) -> FormValue {
        guard buffer.readableBytes > 0 else { return .object([]) }
        let json: JSONValue
        do {
            json = try JSONDecoder().decode(JSONValue.self, from: Data(buffer.readableBytesView))
        } catch {
            throw .invalidRequest("Invalid JSON in the request body.")
        }
        guard case .object = json else { throw .invalidRequest("The request body must be a JSON object.") }
        return formValue(json) ?? .object([])
    }

    private static func formValue(_ json: JSONValue) -> FormValue? {
        switch json {
        case .null: nil
        case .bool(let value): .string(value ? "true" : "false")
        case .int(let value): .string(String(value))
        case .double(let value): .string(String(value))
        case .string(let value): .string(value)
        case .array(let items): .array(items.compactMap(formValue))
        case .object(let fields):
            .object(fields.sorted { $0.key < $1.key }.compactMap { key, value in formValue(value).map { FormField(key, $0) } })
        }
    }

    /// Decodes a form body or query, answering Stripe's error for malformed input.
    static func decodeForm(_ text: String) throws(APIError) -> FormValue {
        do {
            return try FormDecoder.decode(text)
        } catch {
            throw .invalidRequest(error.message, param: error.param)
        }
    }

    func baseURL(of request: Request) -> String {
        if let base = configuration.publicBaseURL { return base }
        return "http://\(request.head.authority ?? "localhost:12111")"
    }

    func json(
        _ body: JSONValue, status: HTTPResponse.Status, requestID: String?, version: String = APIVersionShape.accountDefault
    ) -> Response {
        var headers: HTTPFields = [.contentType: "application/json"]
        if let requestID { headers[.requestID] = requestID }
        headers[.stripeVersion] = version
        return Response(status: status, headers: headers, body: .init(byteBuffer: ByteBuffer(bytes: body.serializedBytes())))
    }

    func error(_ error: any Error, requestID: String?) -> Response {
        let apiError: APIError
        if let known = error as? APIError {
            apiError = known
        } else {
            logger.error("emulator operation failed", metadata: ["error": "\(error)"])
            apiError = .internal
        }
        var response = json(apiError.body, status: .init(code: apiError.status), requestID: requestID)
        for (name, value) in apiError.headers {
            if let field = HTTPField.Name(name) { response.headers[field] = value }
        }
        return response
    }
}

extension HTTPField.Name {
    static let idempotencyKey = Self("Idempotency-Key")!
    static let idempotentReplayed = Self("Idempotent-Replayed")!
    static let requestID = Self("Request-Id")!
    static let stripeVersion = Self("Stripe-Version")!
    static let stripeSignature = Self("Stripe-Signature")!
    static let stripeAccount = Self("Stripe-Account")!
    static let stripeContext = Self("Stripe-Context")!
}
