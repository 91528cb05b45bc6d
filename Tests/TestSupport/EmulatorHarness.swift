package import AsyncHTTPClient
import Foundation
import Hummingbird
import Logging
import NIOCore
package import NIOHTTP1
import ServiceLifecycle
package import StripeAPI
package import StripeEmulator

/// A running emulator (and a webhook receiver registered with it) for one test.
package struct EmulatorHarness: Sendable {
    package let emulator: Emulator
    package let baseURL: String
    package let receiver: WebhookReceiver
    package let receiverURL: String
    package let webhookSecret: String
    package let client: StripeClient

    /// Settings for tests: fast retries, a fixed seed, a short tick.
    package static func testConfiguration(
        forwardTo: String? = nil, retryBase: Duration = .milliseconds(50), maxAttempts: Int = 4
    ) -> EmulatorConfiguration {
        EmulatorConfiguration(
            forwardTo: forwardTo, webhookSecret: forwardTo == nil ? nil : "whsec_test_harness_secret",
            webhookRetryBase: retryBase, webhookMaxAttempts: maxAttempts, webhookTimeout: .seconds(5),
            delayedSettlementSeconds: 3 * 24 * 3600, tickInterval: .milliseconds(10), randomSeed: 42)
    }

    /// Runs `body` against a fresh emulator. With `forwardWebhooks`, a receiver gets every event.
    package static func run<T: Sendable>(
        forwardWebhooks: Bool = true, retryBase: Duration = .milliseconds(50), maxAttempts: Int = 4,
        _ body: @Sendable (EmulatorHarness) async throws -> T
    ) async throws -> T {
        var logger = Logger(label: "test.emulator")
        logger.logLevel = .warning
        let receiver = WebhookReceiver()
        let (receiverPorts, receiverPortSink) = AsyncStream<Int>.makeStream()
        let receiverApp = Application(
            router: receiver.router(), configuration: .init(address: .hostname("127.0.0.1", port: 0)),
            onServerRunning: { receiverPortSink.yield($0.localAddress?.port ?? 0) }, logger: logger)
        return try await withThrowingTaskGroup(of: Void.self) { group in
            let receiverGroup = ServiceGroup(services: [receiverApp], gracefulShutdownSignals: [], logger: logger)
            group.addTask { try await receiverGroup.run() }
            let receiverPort = await receiverPorts.first { _ in true } ?? 0
            let receiverURL = "http://127.0.0.1:\(receiverPort)/webhook"
            let configuration = testConfiguration(
                forwardTo: forwardWebhooks ? receiverURL : nil, retryBase: retryBase, maxAttempts: maxAttempts)
            let emulator = await Emulator(configuration: configuration, logger: logger)
            let (ports, portSink) = AsyncStream<Int>.makeStream()
            let app = emulator.application(port: 0) { portSink.yield($0.localAddress?.port ?? 0) }
            let emulatorGroup = ServiceGroup(services: [app], gracefulShutdownSignals: [], logger: logger)
            group.addTask { try await emulatorGroup.run() }
            let port = await ports.first { _ in true } ?? 0
            let baseURL = "http://127.0.0.1:\(port)"
            let harness = EmulatorHarness(
                emulator: emulator, baseURL: baseURL, receiver: receiver, receiverURL: receiverURL,
                webhookSecret: emulator.forwarding?.secret ?? "",
                client: StripeClient(
                    configuration: StripeClientConfiguration(
                        apiKey: "sk_test_harness", apiBase: baseURL, retryPolicy: RetryPolicy(maxRetries: 0)),
                    logger: logger))
            do {
                let result = try await body(harness)
                await emulatorGroup.triggerGracefulShutdown()
                await receiverGroup.triggerGracefulShutdown()
                try await group.waitForAll()
                return result
            } catch {
                await emulatorGroup.triggerGracefulShutdown()
                await receiverGroup.triggerGracefulShutdown()
                try? await group.waitForAll()
                throw error
            }
        }
    }

    /// Never follows redirects: tests read `Location` themselves, and nothing may leave this machine.
    package static let httpClient = HTTPClient(
        eventLoopGroupProvider: .singleton, configuration: HTTPClient.Configuration(redirectConfiguration: .disallow))

    /// A raw answer: status, headers and parsed JSON body.
    package struct RawResponse: Sendable {
        package var status: Int
        package var headers: HTTPHeaders
        package var json: JSONValue
        package var text: String

        package func header(_ name: String) -> String? { headers.first(name: name) }

        package var errorType: String? { json["error"]?["type"]?.stringValue }
        package var errorCode: String? { json["error"]?["code"]?.stringValue }
        package var errorParam: String? { json["error"]?["param"]?.stringValue }
    }

    /// Sends a request as a client would, form-encoded, with `sk_test_harness` unless `apiKey` says otherwise.
    package func raw(
        _ method: StripeHTTPMethod, _ path: String, _ form: FormValue = .empty, apiKey: String? = "sk_test_harness",
        headers: [(String, String)] = [], body: String? = nil
    ) async throws -> RawResponse {
        let encoded = FormEncoder.encode(form)
        var url = baseURL + path
        if method != .post, !encoded.isEmpty { url += (url.contains("?") ? "&" : "?") + encoded }
        var request = HTTPClientRequest(url: url)
        request.method = HTTPMethod(rawValue: method.rawValue)
        if let apiKey { request.headers.add(name: "Authorization", value: "Bearer \(apiKey)") }
        for (name, value) in headers { request.headers.add(name: name, value: value) }
        if method == .post {
            if !headers.contains(where: { $0.0.lowercased() == "content-type" }) {
                request.headers.add(name: "Content-Type", value: "application/x-www-form-urlencoded")
            }
            request.body = .bytes(ByteBuffer(string: body ?? encoded))
        }
        let response = try await Self.httpClient.execute(request, timeout: .seconds(30))
        let buffer = try await response.body.collect(upTo: 16 << 20)
        let text = String(buffer: buffer)
        return RawResponse(
            status: Int(response.status.code), headers: response.headers,
            json: (try? JSONValue.parse(Data(text.utf8))) ?? .null, text: text)
    }

    /// POSTs to test control and returns the JSON answer.
    @discardableResult
    package func control(_ path: String, _ form: FormValue = .empty) async throws -> RawResponse {
        try await raw(.post, "/_emulator" + path, form, apiKey: nil)
    }

    /// Waits until every due delivery has been sent and answered.
    package func drain() async throws {
        let response = try await control("/webhooks/drain", ["timeout_ms": "10000"])
        guard response.status == 200 else { throw HarnessError.timedOut("drain", []) }
    }

    /// A product with one price, as the store would create them.
    package func createPrice(name: String = "Course", amount: Int = 1500, currency: String = "eur", metadata: [String: String] = [:])
        async throws -> Price
    {
        let product = try await client.createProduct(["name": .string(name), "metadata": .map(metadata)])
        return try await client.createPrice([
            "product": .string(product.id), "currency": .string(currency), "unit_amount": .int(amount),
        ])
    }

    /// A session over `prices` (quantity 1 each unless given).
    package func createSession(
        _ lines: [(price: String, quantity: Int)], extra: [FormField] = []
    ) async throws -> CheckoutSession {
        let items: [FormValue] = lines.map { ["price": .string($0.price), "quantity": .int($0.quantity)] }
        var fields = [
            FormField("mode", "payment"),
            FormField("success_url", "https://shop.example/complete?session_id={CHECKOUT_SESSION_ID}"),
            FormField("cancel_url", "https://shop.example/cart"),
            FormField("line_items", .array(items)),
        ]
        fields.append(contentsOf: extra)
        return try await client.createCheckoutSession(.object(fields))
    }
}
