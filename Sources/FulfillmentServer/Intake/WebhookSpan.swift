import FulfillmentCore
import Tracing

/// The intake's span of one webhook (`webhook`, a server span): from the arrival of its body to its answer,
/// continuing the sender's trace when the request carries a W3C `traceparent`. The event stored keeps this
/// span's `traceparent`, so the worker that handles it later (on any instance) continues the same trace.
/// With no tracer bootstrapped it is the no-op span and records nothing.
struct WebhookSpan {
    private let span: any Span

    init(continuing traceParent: String?) {
        span = InstrumentationSystem.tracer.startSpan(
            "webhook", context: TraceContext.context(continuing: traceParent), ofKind: .server)
        span.attributes["http.request.method"] = "POST"
        span.attributes["url.path"] = WebhookChannelHandler.path
    }

    /// The `traceparent` an event admitted by this webhook carries into the inbox.
    var traceParent: String? { TraceContext.traceParent(of: span.context) }

    func admitted(_ event: InboxEvent) {
        span.attributes["stripe.event.id"] = event.id
        span.attributes["stripe.event.type"] = event.type
    }

    /// Ends the span with the answer's status (a refusal or a storage failure marks it failed).
    func end(status: Int, outcome: String) {
        span.attributes["http.response.status_code"] = status
        span.attributes["fulfillment.intake.outcome"] = outcome
        if status >= 400 { span.setStatus(SpanStatus(code: .error)) }
        span.end()
    }
}
