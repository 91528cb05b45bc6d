import Foundation
import StripeAPI
import Synchronization

/// A transport that answers from a script and records every request, for client tests without a network.
final class ScriptedTransport: StripeTransport {
    enum Step: Sendable {
        case respond(status: Int, headers: [String: String] = [:], body: String)
        case fail(StripeTransportError)
    }

    private let state: Mutex<(steps: [Step], requests: [StripeHTTPRequest])>

    init(_ steps: [Step]) {
        state = Mutex((steps, []))
    }

    var requests: [StripeHTTPRequest] { state.withLock { $0.requests } }

    func send(_ request: StripeHTTPRequest, timeout: Duration) async throws -> StripeHTTPResponse {
        let step = state.withLock { state -> Step in
            state.requests.append(request)
            return state.steps.isEmpty ? .fail(.connection("script exhausted")) : state.steps.removeFirst()
        }
        switch step {
        case .respond(let status, let headers, let body):
            return StripeHTTPResponse(status: status, headers: headers, body: Array(body.utf8))
        case .fail(let error):
            throw error
        }
    }
}

/// Records the waits the client asks for instead of sleeping.
final class RecordedSleeps: Sendable {
    private let durations = Mutex<[Duration]>([])
    var all: [Duration] { durations.withLock { $0 } }
    func sleep(_ duration: Duration) { durations.withLock { $0.append(duration) } }
}

func makeClient(_ transport: ScriptedTransport, sleeps: RecordedSleeps = RecordedSleeps(), maxRetries: Int = 2)
    -> StripeClient
{
    StripeClient(
        configuration: StripeClientConfiguration(
            apiKey: "sk_test_123", apiBase: "http://stripe.test", retryPolicy: RetryPolicy(maxRetries: maxRetries)),
        transport: transport,
        sleep: { sleeps.sleep($0) },
        jitter: { 0.5 },
        makeIdempotencyKey: { "generated-key" }
    )
}

let errorBody = #"{"error":{"type":"api_error","message":"Something went wrong"}}"#
let sessionBody = #"{"id":"cs_test_1","object":"checkout.session","created":1,"expires_at":2,"livemode":false,"mode":"payment","payment_method_types":["card"],"payment_status":"paid","status":"complete"}"#
