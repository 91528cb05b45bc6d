import Foundation
import FulfillmentCore
public import Prometheus

/// The service's metrics in one Prometheus registry owned by the application (no global bootstrap).
public struct ServiceMetrics: Sendable {
    public let registry: PrometheusCollectorRegistry
    let eventsReceived: Counter
    let eventsDuplicate: Counter
    let fulfillmentLatency: DurationHistogram
    let emailsSent: Counter
    let emailsFailed: Counter
    let emailsDead: Counter

    public init(registry: PrometheusCollectorRegistry = PrometheusCollectorRegistry()) {
        self.registry = registry
        eventsReceived = registry.makeCounter(descriptor: Self.metric("fulfillment_events_received", "total", "Verified webhook events stored."))
        eventsDuplicate = registry.makeCounter(
            descriptor: Self.metric("fulfillment_events_duplicate", "total", "Webhook deliveries of an event already stored."))
        fulfillmentLatency = registry.makeDurationHistogram(
            descriptor: Self.metric(
                "fulfillment_checkout_duration", "seconds", "Time to fulfil a paid Checkout Session (re-fetch, plan, commit)."),
            buckets: [.milliseconds(5), .milliseconds(10), .milliseconds(25), .milliseconds(50), .milliseconds(100),
                      .milliseconds(250), .milliseconds(500), .seconds(1), .seconds(2.5), .seconds(5), .seconds(10)])
        emailsSent = registry.makeCounter(descriptor: Self.metric("fulfillment_emails_sent", "total", "Customer emails sent."))
        emailsFailed = registry.makeCounter(descriptor: Self.metric("fulfillment_email_failures", "total", "Failed email attempts."))
        emailsDead = registry.makeCounter(
            descriptor: Self.metric("fulfillment_emails_dead", "total", "Emails parked as dead after their retry window."))
    }

    /// A webhook refused before storage, by reason (`signature`, `malformed`, `too_large`).
    func rejected(_ reason: String) {
        registry.makeCounter(
            descriptor: Self.metric("fulfillment_events_rejected", "total", "Webhook requests refused before storage."),
            labels: [("reason", reason)]
        ).increment()
    }

    /// A worker's outcome for one event (`processed`, `retried`, `dead`).
    func processed(_ outcome: String) {
        registry.makeCounter(
            descriptor: Self.metric("fulfillment_events_processed", "total", "Events handled by the event worker, by outcome."),
            labels: [("outcome", outcome)]
        ).increment()
    }

    /// Events the reconciler found missing and inserted into the inbox.
    func recovered(_ count: Int) {
        registry.makeCounter(
            descriptor: Self.metric(
                "fulfillment_events_recovered", "total", "Events recovered by the reconciler (no webhook brought them).")
        ).increment(by: Int64(count))
    }

    /// A reconciliation pass ended (`finished`, `skipped` while another instance held it, `failed`).
    func reconciled(outcome: String, at startedAt: Date?) {
        registry.makeCounter(
            descriptor: Self.metric("fulfillment_reconciliations", "total", "Reconciliation passes, by outcome."),
            labels: [("outcome", outcome)]
        ).increment()
        if let startedAt {
            registry.makeGauge(
                descriptor: Self.metric(
                    "fulfillment_reconciliation_last_success_timestamp", "seconds",
                    "When the last finished reconciliation pass began (Unix seconds).")
            ).set(to: startedAt.timeIntervalSince1970)
        }
    }

    /// The dispatch worker's outcome for one dispatch (`delivered`, `retried`, `dead`).
    func dispatched(_ outcome: DispatchProcessor.Outcome) {
        registry.makeCounter(
            descriptor: Self.metric(
                "fulfillment_dispatches", "total", "Merchant notifications and action effects attempted, by outcome."),
            labels: [("outcome", "\(outcome)")]
        ).increment()
    }

    /// An attempt refused at a guarded door (`console password`, `console token`, `metrics token`,
    /// `order key`, `public orders`), by reason (`wrong password`, `locked out`, ...).
    func refusedAttempts(door: String, reason: String) {
        registry.makeCounter(
            descriptor: Self.metric("fulfillment_refused_attempts", "total", "Attempts refused at a guarded door, by door and reason."),
            labels: [("door", door), ("reason", reason)]
        ).increment()
    }

    /// A bcrypt verification of the console password was run.
    func passwordVerified() {
        registry.makeCounter(
            descriptor: Self.metric(
                "fulfillment_console_password_verifications", "total", "bcrypt verifications of the console password (each about 0.3 s of CPU).")
        ).increment()
    }

    /// Sets the gauges read from the store at scrape time.
    func observe(outboxBacklog: Int, inbox: [String: Int]) {
        registry.makeGauge(descriptor: Self.metric("fulfillment_outbox_backlog", "", "Customer emails queued and not yet sent."))
            .set(to: Double(outboxBacklog))
        for (status, count) in inbox {
            registry.makeGauge(
                descriptor: Self.metric("fulfillment_inbox_events", "", "Stored events by status."), labels: [("status", status)])
                .set(to: Double(count))
        }
    }

    /// A metric's descriptor: its name, its unit (`total`, `seconds`, or none) and its help line.
    private static func metric(_ name: String, _ unit: String, _ help: String) -> MetricNameDescriptor {
        MetricNameDescriptor(metricName: name, unitName: unit, helpText: help)
    }
}
