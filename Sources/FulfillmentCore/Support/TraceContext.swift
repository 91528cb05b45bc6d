public import Tracing

/// A trace carried across a queue as its W3C `traceparent`: an event stored at intake and handled by a worker
/// later (perhaps on another instance), an email or a dispatch queued by a fulfilment and sent later. Each
/// queued item keeps the `traceparent` of the span that queued it, and the span that handles it continues
/// that trace: one trace from the webhook to the receipt. Nothing is written while no tracer is bootstrapped
/// (`InstrumentationSystem`'s no-op instrument injects nothing).
public enum TraceContext {
    /// The `traceparent` of `context` (the current task's when not given), or `nil` when there is no trace.
    public static func traceParent(of context: ServiceContext? = ServiceContext.current) -> String? {
        guard let context else { return nil }
        var carrier: [String: String] = [:]
        InstrumentationSystem.instrument.inject(context, into: &carrier, using: DictionaryInjector())
        return carrier["traceparent"]
    }

    /// A context continuing the trace of `traceParent`; a new trace's top level when it is `nil` or unreadable.
    public static func context(continuing traceParent: String?) -> ServiceContext {
        var context = ServiceContext.topLevel
        if let traceParent {
            InstrumentationSystem.instrument.extract(["traceparent": traceParent], into: &context, using: DictionaryExtractor())
        }
        return context
    }
}

private struct DictionaryInjector: Injector {
    func inject(_ value: String, forKey key: String, into carrier: inout [String: String]) {
        carrier[key.lowercased()] = value
    }
}

private struct DictionaryExtractor: Extractor {
    func extract(key: String, from carrier: [String: String]) -> String? {
        carrier[key.lowercased()]
    }
}
